#pragma once

#include "common/Error.h"
#include "common/LargeBuffer.h"
#include "image/ColorSpace.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hdr::core {

// Size limits checked before any pixel buffer is allocated, so a hostile header that claims
// 100k x 100k pixels is refused with a clear error instead of an out-of-memory crash.
struct ImageLimits {
    std::int64_t maxPixels = std::int64_t(1) << 28; // 268 megapixels (4.3 GB as float RGBA)
    int maxDimension = 1 << 18;                     // 262144 px on a side
};
Status
checkImageSize(std::int64_t width, std::int64_t height, const ImageLimits& limits, const std::string& where);

// What we know about where an image came from; shown by `info` and the viewer, and the
// attributes travel into files we write (EXR string attributes, PNG text chunks, ...).
struct ImageMetadata {
    std::map<std::string, std::string> attributes; // free-form key/value pairs (generation params...)
    std::vector<std::uint8_t> iccProfile;          // ICC profile found in the source (already applied)
    std::string sourceFormat;                      // "OpenEXR", "Radiance RGBE", "PNG", ...
    std::string sourcePixelType;                   // "half", "float", "uint8", "uint16", "rgbe", ...
    std::string sourceCompression;                 // "PIZ", "ZIP", "RLE", "none", ...
    std::vector<std::string> sourceChannels;       // channel names as stored ("R","G","B" / "Y","RY","BY")
};

// Scene-linear floating-point RGB or RGBA image, interleaved, rows top to bottom.
// Values are linear light in `colorSpace` primaries, relative units (1.0 = reference white);
// they may exceed 1 (HDR), and may be negative (out of gamut) or non-finite if a file says so.
// Alpha, when present, is coverage in [0, 1]; colour is kept as the file stores it (OpenEXR:
// premultiplied by alpha; PNG/TIFF/JPEG: straight), so lossless round trips stay bit-exact.
class ImageF {
public:
    ImageF() = default;
    // Allocates width x height x channels (3 or 4) zeroed floats. Throws HdrError on bad sizes.
    ImageF(int width, int height, int channels, LinearColorSpace colorSpace = {});
    // As the constructor, but checks the limits first and reports instead of throwing.
    static Result<ImageF> allocate(
        int width, int height, int channels, const ImageLimits& limits, LinearColorSpace colorSpace = {});

    int width() const { return m_width; }
    int height() const { return m_height; }
    int channels() const { return m_channels; }
    bool hasAlpha() const { return m_channels == 4; }
    bool empty() const { return m_pixels.empty(); }
    std::int64_t pixelCount() const { return std::int64_t(m_width) * m_height; }

    float* data() { return m_pixels.data(); }
    const float* data() const { return m_pixels.data(); }
    float* row(int y) { return m_pixels.data() + std::size_t(y) * std::size_t(m_width) * m_channels; }
    const float* row(int y) const
    {
        return m_pixels.data() + std::size_t(y) * std::size_t(m_width) * m_channels;
    }
    float* pixel(int x, int y) { return row(y) + std::size_t(x) * m_channels; }
    const float* pixel(int x, int y) const { return row(y) + std::size_t(x) * m_channels; }

    LinearColorSpace colorSpace;
    ImageMetadata metadata;

private:
    int m_width = 0;
    int m_height = 0;
    int m_channels = 0;
    // Huge-page backed when large: a fresh image's first touch is otherwise one page fault per
    // 4 KiB, which on the benchmark VMs costs more than decoding into it (common/LargeBuffer.h).
    LargeVector<float> m_pixels;
};

// Returns a copy converted to another set of primaries (3x3 matrix, alpha untouched).
ImageF convertPrimaries(const ImageF& image, const LinearColorSpace& target);
// Multiplies RGB by 2^stops in place.
void applyExposure(ImageF& image, float stops);
// Copy with 3 channels (alpha dropped) or 4 (alpha = 1 added).
ImageF withChannels(const ImageF& image, int channels);

} // namespace hdr::core
