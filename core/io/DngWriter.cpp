// Linear DNG writer: one IFD holding LinearRaw (PhotometricInterpretation 34892) RGB, i.e. data
// that is already demosaiced, in the image's primaries, which the DNG "camera" colour space
// is declared to be (ColorMatrix1 = XYZ -> RGB under D65, AsShotNeutral 1 1 1).
//
// Scaling (so raw converters see no clipped highlights and the exposure is recoverable):
//   peak   = max(1, largest finite RGB value of the image)
//   stored = linear / peak, clamped to [0, 1]; 16-bit: round(stored * 65535), WhiteLevel 65535;
//            float: stored as is, WhiteLevel 1
//   BaselineExposure = log2(peak)
// so linear = stored / WhiteLevel * 2^BaselineExposure, which is what readTiff() returns and what
// a raw converter renders at its default exposure. Negative (out-of-gamut) values and NaN clip
// to 0: DNG has no room for them. Alpha is dropped.

#include "common/AtomicFile.h"
#include "io/FormatReaders.h"
#include "io/TiffSupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hdr::core {
namespace fs = std::filesystem;
using namespace io_detail;

namespace {

constexpr std::uint16_t kPhotometricLinearRaw = 34892;
constexpr std::uint16_t kIlluminantD65 = 21;

float peakOf(const ImageF& image)
{
    float peak = 1.0f;
    for (int y = 0; y < image.height(); ++y) {
        const float* p = image.row(y);
        for (int x = 0; x < image.width(); ++x, p += image.channels()) {
            for (int c = 0; c < 3; ++c) {
                if (std::isfinite(p[c])) {
                    peak = std::max(peak, p[c]);
                }
            }
        }
    }
    return peak;
}

float clampUnit(float v)
{
    return std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
}

} // namespace

Status writeDng(const ImageF& image, const fs::path& path, const WriteOptions& options)
{
    const std::string where = path.string();
    const SampleType sampleType = options.sampleType.value_or(SampleType::U16);
    if (sampleType != SampleType::U16 && sampleType != SampleType::Float) {
        return fail(ErrorCode::InvalidArgument,
                    "DNG files are written with 16-bit integer or 32-bit float samples",
                    where);
    }
    if (image.empty()) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty", where);
    }
    return guarded(ErrorCode::Internal,
                   where,
                   [&]() -> Status {
                       const LinearColorSpace primaries = options.primaries.value_or(image.colorSpace);
                       const ImageF* source = &image;
                       ImageF converted;
                       if (!(primaries == image.colorSpace)) {
                           converted = convertPrimaries(image, primaries);
                           source = &converted;
                       }
                       const float peak = peakOf(*source);
                       const float scale = 1.0f / peak;
                       const bool real = sampleType == SampleType::Float;
                       const int width = source->width();
                       const int height = source->height();
                       const std::size_t rowBytes = std::size_t(width) * 3 * (real ? 4 : 2);

                       auto out = AtomicOutputFile::create(path, options.overwrite);
                       if (!out) {
                           return tl::unexpected(out.error());
                       }
                       TiffMessages messages;
                       const bool big = rowBytes * std::size_t(height) > (std::size_t(3) << 30);
                       TiffPtr tif = openTiff(out->tempPath(), big ? "w8" : "w", messages);
                       if (!tif) {
                           return fail(ErrorCode::IoError,
                                       "cannot create the output file: " + messages.firstError,
                                       where);
                       }
                       TIFF* t = tif.get();
                       TIFFSetField(t, TIFFTAG_SUBFILETYPE, std::uint32_t(0));
                       TIFFSetField(t, TIFFTAG_IMAGEWIDTH, std::uint32_t(width));
                       TIFFSetField(t, TIFFTAG_IMAGELENGTH, std::uint32_t(height));
                       TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, std::uint16_t(3));
                       TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, std::uint16_t(real ? 32 : 16));
                       TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, real ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
                       TIFFSetField(t, TIFFTAG_PHOTOMETRIC, kPhotometricLinearRaw);
                       TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
                       TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
                       // Uncompressed: the one layout every DNG reader (LibRaw included) takes for both
                       // integer and float LinearRaw data.
                       TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
                       const std::uint32_t rowsPerStrip =
                           std::uint32_t(std::max<std::size_t>(1, (256u << 10) / rowBytes));
                       TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rowsPerStrip);
                       TIFFSetField(t, TIFFTAG_MAKE, "HDR Studio");
                       TIFFSetField(t, TIFFTAG_MODEL, "Linear DNG");
                       TIFFSetField(t, TIFFTAG_SOFTWARE, "HDR Studio");
                       TIFFSetField(t, TIFFTAG_UNIQUECAMERAMODEL, "HDR Studio");
                       const std::uint8_t dngVersion[4] = {1, 4, 0, 0};
                       const std::uint8_t backwardVersion[4] = {1, std::uint8_t(real ? 4 : 1), 0, 0};
                       TIFFSetField(t, TIFFTAG_DNGVERSION, dngVersion);
                       TIFFSetField(t, TIFFTAG_DNGBACKWARDVERSION, backwardVersion);
                       const Mat3 xyzToRgb = inverse(rgbToXyz(primaries.chromaticities()));
                       setTagValues(
                           t, TIFFTAG_COLORMATRIX1, std::vector<double>(xyzToRgb.begin(), xyzToRgb.end()));
                       setTagValues(t, TIFFTAG_CALIBRATIONILLUMINANT1, {double(kIlluminantD65)});
                       setTagValues(t, TIFFTAG_ASSHOTNEUTRAL, {1.0, 1.0, 1.0});
                       setTagValues(t, TIFFTAG_BASELINEEXPOSURE, {double(std::log2(peak))});
                       setTagValues(t, TIFFTAG_BLACKLEVEL, {0.0});
                       setTagValues(t, TIFFTAG_WHITELEVEL, {real ? 1.0 : 65535.0});

                       std::vector<std::uint8_t> strip;
                       for (int y = 0; y < height; y += int(rowsPerStrip)) {
                           const int rows = std::min(int(rowsPerStrip), height - y);
                           strip.resize(rowBytes * std::size_t(rows));
                           for (int r = 0; r < rows; ++r) {
                               const float* src = source->row(y + r);
                               std::uint8_t* dst = strip.data() + std::size_t(r) * rowBytes;
                               for (int x = 0; x < width; ++x, src += source->channels()) {
                                   for (int c = 0; c < 3; ++c) {
                                       const float v = clampUnit(src[c] * scale);
                                       const std::size_t i = std::size_t(x) * 3 + std::size_t(c);
                                       if (real) {
                                           std::memcpy(dst + i * 4, &v, 4);
                                       } else {
                                           const auto q = std::uint16_t(std::lround(v * 65535.0f));
                                           std::memcpy(dst + i * 2, &q, 2);
                                       }
                                   }
                               }
                           }
                           if (TIFFWriteEncodedStrip(t,
                                                     TIFFComputeStrip(t, std::uint32_t(y), 0),
                                                     strip.data(),
                                                     tmsize_t(strip.size())) < 0) {
                               return fail(ErrorCode::IoError,
                                           "writing the DNG failed: " + messages.firstError,
                                           where);
                           }
                       }
                       if (auto finished = finishTiffWrite(std::move(tif), messages, where); !finished) {
                           return finished;
                       }
                       return out->commit();
                   })
        .and_then([](Status s) { return s; });
}

} // namespace hdr::core
