// Radiance RGBE (.hdr) reader and writer: our own parser (header in RgbeHeader.cpp, scanline
// coding in RgbeCodec.cpp).
//
// Reading:
//  * Pixel values are mantissa * 2^(exponent - 136) (the OpenCV / stb_image / image-rs convention).
//  * EXPOSURE= and COLORCORR= follow Radiance semantics: the tool that wrote them multiplied the
//    pixels by these factors, so we divide by their cumulative product to return radiance-
//    proportional values. The raw products stay in metadata.attributes ("rgbe.exposure",
//    "rgbe.colorcorr"), so a caller can multiply them back to get the stored values.
//  * FORMAT=32-bit_rle_xyze files are returned unconverted with colorSpace = Primaries::XYZ (the
//    caller converts with convertPrimaries when it needs RGB). PRIMARIES= sets the colour space
//    (degenerate ones, as Photoshop writes, are ignored); without it we assume Rec.709, as
//    practically every tool does (Radiance's own default primaries differ slightly).
//  * Any of the 8 resolution-line orientations is returned top-to-bottom, left-to-right.
//  * The size is checked against options.limits before allocating, and the decoder never reads
//    outside the buffer: damaged files give CorruptData naming the scanline.
// Writing: new-style RLE (flat for widths outside 8..32767), FORMAT, SOFTWARE=HDR Studio,
// PRIMARIES= unless Rec.709, XYZE when the image is in XYZ; attributes as "# key=value" comments.
// Alpha is dropped (RGBE has none); negative and NaN values become 0, +Inf the largest value.

#include "io/FormatReaders.h"

#include "common/AtomicFile.h"
#include "common/Parallel.h"
#include "io/ReadBounds.h"
#include "io/RgbeCodec.h"
#include "io/RgbeHeader.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace hdr::core {
namespace {

LinearColorSpace colorSpaceOf(const rgbe::Header& header)
{
    if (header.xyze) {
        return LinearColorSpace{Primaries::XYZ, {}};
    }
    if (header.primaries) {
        return LinearColorSpace::fromChromaticities(*header.primaries);
    }
    return LinearColorSpace{Primaries::Rec709, {}};
}

// Planar RGBE scanlines (see rgbe::decodeScanlines) to the float image, applying the orientation
// and the EXPOSURE/COLORCORR division. Rows are independent, so this runs in parallel.
void convertToFloat(const std::uint8_t* planar, const rgbe::Header& header, ImageF& image)
{
    const auto& scale = rgbe::exponentScale();
    const int width = image.width();
    const int height = image.height();
    const std::size_t length = std::size_t(header.scanlineLength());
    const std::size_t scanlineBytes = length * 4;
    float factor[3];
    for (int c = 0; c < 3; ++c) {
        factor[c] = float(1.0 / (header.exposure * header.colorCorrection[std::size_t(c)]));
    }
    const bool unitFactor = factor[0] == 1.0f && factor[1] == 1.0f && factor[2] == 1.0f;
    const std::size_t grain = std::max<std::size_t>(1, 32768 / std::size_t(width));

    parallelFor(std::size_t(height), grain, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            float* out = image.row(int(y));
            const std::size_t fileY = header.topFirst ? y : std::size_t(height) - 1 - y;
            if (header.rowsAreScanlines && header.leftFirst && unitFactor) { // the common case
                const std::uint8_t* r = planar + fileY * scanlineBytes;
                const std::uint8_t* g = r + length;
                const std::uint8_t* b = g + length;
                const std::uint8_t* e = b + length;
                for (int x = 0; x < width; ++x, out += 3) {
                    const float s = scale[e[x]];
                    out[0] = float(r[x]) * s;
                    out[1] = float(g[x]) * s;
                    out[2] = float(b[x]) * s;
                }
                continue;
            }
            for (int x = 0; x < width; ++x, out += 3) {
                const std::size_t fileX =
                    header.leftFirst ? std::size_t(x) : std::size_t(width) - 1 - std::size_t(x);
                const std::size_t scanline = header.rowsAreScanlines ? fileY : fileX;
                const std::size_t position = header.rowsAreScanlines ? fileX : fileY;
                const std::uint8_t* px = planar + scanline * scanlineBytes + position;
                const float s = scale[px[3 * length]];
                out[0] = float(px[0]) * s * factor[0];
                out[1] = float(px[length]) * s * factor[1];
                out[2] = float(px[2 * length]) * s * factor[2];
            }
        }
    });
}

ImageF decodeOrThrow(std::span<const std::byte> bytes, const ReadOptions& options, const std::string& name)
{
    const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                             bytes.size());
    const rgbe::Header header = rgbe::parseHeader(data, name);
    if (auto ok = checkImageSize(header.width, header.height, options.limits, name); !ok) {
        throw HdrError(ok.error());
    }
    const int count = int(header.scanlineCount());
    const int length = int(header.scanlineLength());
    // Refuse a header that the data cannot possibly fill before allocating for it. Every scanline
    // takes at least 4 bytes (a pixel, a repeat marker or the RLE marker).
    const std::span<const std::uint8_t> pixels = data.subspan(header.dataOffset);
    if (pixels.size() / 4 < std::size_t(count)) {
        throwError(ErrorCode::CorruptData,
                   "Radiance HDR file is cut short: the header announces " + std::to_string(count) +
                       " scanlines but only " + std::to_string(pixels.size()) + " bytes of pixel data follow",
                   name);
    }
    // And the pixels: flat and new-style RLE data take at least rgbe::minimumCodedBytes. Less
    // data can only be old-style repeat runs (or a cut-short file): those are accepted up to
    // kMaxOldRlePixelsPerByte, and the stream must decode completely (checked without an output
    // buffer) before the buffers are made. So they hold at most 16 * 256 bytes per byte of pixel
    // data, whatever the header claims.
    if (pixels.size() < rgbe::minimumCodedBytes(count, length)) {
        const std::uint64_t pixelCount = std::uint64_t(count) * std::uint64_t(length);
        if (pixelCount / rgbe::kMaxOldRlePixelsPerByte > pixels.size()) {
            throw HdrError(io_detail::claimExceedsFile(
                "Radiance HDR",
                header.width,
                header.height,
                data.size(),
                header.dataOffset + io_detail::ceilDiv(pixelCount, rgbe::kMaxOldRlePixelsPerByte),
                "even with old-style runs at " + std::to_string(rgbe::kMaxOldRlePixelsPerByte) +
                    " pixels per byte (the densest accepted)",
                name));
        }
        rgbe::decodeScanlines(pixels, count, length, nullptr, name);
    }
    // Not zero-initialised: the decoder writes every byte or throws.
    std::unique_ptr<std::uint8_t[]> planar(new std::uint8_t[std::size_t(count) * std::size_t(length) * 4]);
    const unsigned codings = rgbe::decodeScanlines(pixels, count, length, planar.get(), name);

    ImageF image(int(header.width), int(header.height), 3, colorSpaceOf(header));
    convertToFloat(planar.get(), header, image);

    ImageMetadata& meta = image.metadata;
    meta.attributes = header.attributes;
    meta.sourceFormat = "Radiance RGBE";
    meta.sourcePixelType = header.xyze ? "xyze" : "rgbe";
    meta.sourceCompression = (codings & rgbe::CodingNewRle)   ? "rle"
                             : (codings & rgbe::CodingOldRle) ? "old-rle"
                                                              : "flat";
    meta.sourceChannels =
        header.xyze ? std::vector<std::string>{"X", "Y", "Z"} : std::vector<std::string>{"R", "G", "B"};
    return image;
}

} // namespace

Result<ImageF>
decodeRgbe(std::span<const std::byte> bytes, const ReadOptions& options, const std::string& name)
{
    return guarded(ErrorCode::CorruptData, name, [&] { return decodeOrThrow(bytes, options, name); });
}

Result<ImageF> readRgbe(const std::filesystem::path& path, const ReadOptions& options)
{
    // RLE data is at most about 4 bytes per pixel (plus header and a little coding overhead);
    // anything much larger than the limits allow is not worth reading into memory.
    const std::int64_t pixels = std::min<std::int64_t>(options.limits.maxPixels, std::int64_t(1) << 31);
    const std::size_t maxBytes = std::size_t(std::max<std::int64_t>(pixels, 0)) * 5 + (std::size_t(1) << 20);
    auto bytes = readFileBytes(path, maxBytes);
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    return decodeRgbe(*bytes, options, path.string());
}

std::vector<std::byte> encodeRgbe(const ImageF& image, const std::map<std::string, std::string>& headerLines)
{
    if (image.empty()) {
        return {};
    }
    const int width = image.width();
    const int height = image.height();
    const int channels = image.channels();
    const std::string header = rgbe::formatHeader(width, height, image.colorSpace, headerLines);

    // Scanlines are coded independently: encode bands of rows in parallel, then concatenate.
    constexpr std::size_t kRowsPerBand = 16;
    const std::size_t bands = (std::size_t(height) + kRowsPerBand - 1) / kRowsPerBand;
    std::vector<std::vector<std::uint8_t>> encoded(bands);
    parallelFor(bands, 1, [&](std::size_t b0, std::size_t b1) {
        std::vector<std::uint8_t> planar(std::size_t(width) * 4);
        for (std::size_t band = b0; band < b1; ++band) {
            std::vector<std::uint8_t>& out = encoded[band];
            out.reserve(kRowsPerBand * std::size_t(width) * 4);
            const std::size_t yEnd = std::min(std::size_t(height), (band + 1) * kRowsPerBand);
            for (std::size_t y = band * kRowsPerBand; y < yEnd; ++y) {
                const float* p = image.row(int(y));
                for (std::size_t x = 0; x < std::size_t(width); ++x, p += channels) {
                    std::uint8_t px[4];
                    rgbe::encodePixel(p[0], p[1], p[2], px);
                    for (std::size_t c = 0; c < 4; ++c) {
                        planar[c * std::size_t(width) + x] = px[c];
                    }
                }
                rgbe::appendScanline(planar.data(), width, out);
            }
        }
    });

    std::size_t total = header.size();
    for (const auto& band : encoded) {
        total += band.size();
    }
    std::vector<std::byte> bytes(total);
    std::byte* dst = bytes.data();
    std::memcpy(dst, header.data(), header.size());
    dst += header.size();
    for (const auto& band : encoded) {
        std::memcpy(dst, band.data(), band.size());
        dst += band.size();
    }
    return bytes;
}

Status writeRgbe(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options)
{
    if (image.empty()) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty", path.string());
    }
    auto bytes = guarded(ErrorCode::Internal, path.string(), [&] {
        std::map<std::string, std::string> attributes = image.metadata.attributes;
        for (const auto& [key, value] : options.attributes) {
            attributes[key] = value;
        }
        const LinearColorSpace target = options.primaries.value_or(image.colorSpace);
        if (target == image.colorSpace) {
            return encodeRgbe(image, attributes);
        }
        return encodeRgbe(convertPrimaries(image, target), attributes);
    });
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    return writeFileAtomically(path, *bytes, options.overwrite);
}

} // namespace hdr::core
