// TIFF writers: 32-bit float / 16-bit half scene-linear files and 8/16-bit display-referred
// files, deflate or LZW compressed with predictors, colour tagged with PrimaryChromaticities +
// WhitePoint and (when asked) an ICC profile. Written atomically.

#include "color/Icc.h"
#include "common/AtomicFile.h"
#include "io/DisplayCodec.h"
#include "io/FormatReaders.h"
#include "io/TiffSupport.h"

#include <Imath/half.h>

#include <algorithm>
#include <cstring>

namespace hdr::core {
namespace fs = std::filesystem;
using namespace io_detail;

namespace {

struct TiffWriteSpec {
    int width = 0, height = 0, channels = 3;
    int bits = 8;
    bool real = false;
    LinearColorSpace primaries;
    std::vector<std::uint8_t> icc;
    std::map<std::string, std::string> attributes;
    ExrCompression compression = ExrCompression::Zip;
};

// The EXR-style compression option mapped onto TIFF codecs: none stays uncompressed, "rle" picks
// LZW (for readers without deflate), anything else deflate. Predictors make both far better.
std::uint16_t tiffCompressionFor(ExrCompression c)
{
    switch (c) {
    case ExrCompression::None: return COMPRESSION_NONE;
    case ExrCompression::Rle: return COMPRESSION_LZW;
    default: return COMPRESSION_ADOBE_DEFLATE;
    }
}

// Writes rows produced by rowBytesAt(y) into a new TIFF at `out`'s temp path.
template <typename RowFn>
Status
writeTiffFile(const TiffWriteSpec& spec, const AtomicOutputFile& out, const std::string& where, RowFn&& rowAt)
{
    const std::size_t rowBytes =
        std::size_t(spec.width) * std::size_t(spec.channels) * std::size_t(spec.bits / 8);
    const bool big = rowBytes * std::size_t(spec.height) > (std::size_t(3) << 30);
    TiffMessages messages;
    TiffPtr tif = openTiff(out.tempPath(), big ? "w8" : "w", messages);
    if (!tif) {
        return fail(ErrorCode::IoError, "cannot create the output file: " + messages.firstError, where);
    }
    TIFF* t = tif.get();
    const std::uint16_t compression = tiffCompressionFor(spec.compression);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, std::uint32_t(spec.width));
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, std::uint32_t(spec.height));
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, std::uint16_t(spec.channels));
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, std::uint16_t(spec.bits));
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, spec.real ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    TIFFSetField(t, TIFFTAG_COMPRESSION, compression);
    if (compression != COMPRESSION_NONE) {
        TIFFSetField(t, TIFFTAG_PREDICTOR, spec.real ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
    }
    if (spec.channels == 4) {
        const std::uint16_t extra[1] = {EXTRASAMPLE_UNASSALPHA};
        TIFFSetField(t, TIFFTAG_EXTRASAMPLES, std::uint16_t(1), extra);
    }
    const std::uint32_t rowsPerStrip = std::uint32_t(std::max<std::size_t>(1, (256u << 10) / rowBytes));
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rowsPerStrip);
    const Chromaticities c = spec.primaries.chromaticities();
    setTagValues(t, TIFFTAG_PRIMARYCHROMATICITIES, {c.redX, c.redY, c.greenX, c.greenY, c.blueX, c.blueY});
    setTagValues(t, TIFFTAG_WHITEPOINT, {c.whiteX, c.whiteY});
    if (!spec.icc.empty()) {
        TIFFSetField(t, TIFFTAG_ICCPROFILE, std::uint32_t(spec.icc.size()), spec.icc.data());
    }
    std::map<std::string, std::string> attributes = spec.attributes;
    attributes.try_emplace("Software", "HDR Studio");
    for (const TextTag& tag : kTextTags) {
        if (auto it = attributes.find(tag.name); it != attributes.end() && !it->second.empty()) {
            TIFFSetField(t, tag.tag, it->second.c_str());
        }
    }
    std::vector<std::uint8_t> strip;
    for (int y = 0; y < spec.height; y += int(rowsPerStrip)) {
        const int rows = std::min(int(rowsPerStrip), spec.height - y);
        strip.resize(rowBytes * std::size_t(rows));
        for (int r = 0; r < rows; ++r) {
            rowAt(y + r, strip.data() + std::size_t(r) * rowBytes);
        }
        if (TIFFWriteEncodedStrip(
                t, TIFFComputeStrip(t, std::uint32_t(y), 0), strip.data(), tmsize_t(strip.size())) < 0) {
            return fail(ErrorCode::IoError, "writing the TIFF failed: " + messages.firstError, where);
        }
    }
    return finishTiffWrite(std::move(tif), messages, where);
}

} // namespace

Status writeTiffFloat(const ImageF& image, const fs::path& path, const WriteOptions& options)
{
    const std::string where = path.string();
    const SampleType sampleType = options.sampleType.value_or(SampleType::Float);
    if (sampleType != SampleType::Float && sampleType != SampleType::Half) {
        return fail(ErrorCode::InvalidArgument, "float TIFF files hold half or float samples", where);
    }
    if (image.empty()) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty", where);
    }
    return guarded(ErrorCode::Internal,
                   where,
                   [&]() -> Status {
                       TiffWriteSpec spec;
                       spec.width = image.width();
                       spec.height = image.height();
                       spec.channels = image.channels();
                       spec.real = true;
                       spec.bits = sampleType == SampleType::Half ? 16 : 32;
                       spec.primaries = options.primaries.value_or(image.colorSpace);
                       spec.compression = options.compression;
                       spec.attributes = mergedAttributes(image.metadata, options);
                       if (options.embedIcc) {
                           spec.icc = makeIccProfile(
                               spec.primaries, Transfer::linear(), "HDR Studio " + spec.primaries.name());
                       }
                       const ImageF* source = &image;
                       ImageF converted;
                       if (!(spec.primaries == image.colorSpace)) {
                           converted = convertPrimaries(image, spec.primaries);
                           source = &converted;
                       }
                       auto out = AtomicOutputFile::create(path, options.overwrite);
                       if (!out) {
                           return tl::unexpected(out.error());
                       }
                       const std::size_t n = std::size_t(spec.width) * std::size_t(spec.channels);
                       auto status = writeTiffFile(spec, *out, where, [&](int y, std::uint8_t* dst) {
                           const float* src = source->row(y);
                           if (spec.bits == 32) {
                               std::memcpy(dst, src, n * sizeof(float));
                               return;
                           }
                           for (std::size_t i = 0; i < n; ++i) {
                               const std::uint16_t bits = Imath::half(src[i]).bits();
                               std::memcpy(dst + i * 2, &bits, 2);
                           }
                       });
                       if (!status) {
                           return status;
                       }
                       return out->commit();
                   })
        .and_then([](Status s) { return s; });
}

Status writeTiffDisplay(const DisplayImage16& image, const fs::path& path, const WriteOptions& options)
{
    const std::string where = path.string();
    const SampleType sampleType = options.sampleType.value_or(SampleType::U16);
    if (sampleType != SampleType::U8 && sampleType != SampleType::U16) {
        return fail(ErrorCode::InvalidArgument, "display-referred TIFF files are 8- or 16-bit", where);
    }
    if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4) ||
        image.pixels.size() !=
            std::size_t(image.width) * std::size_t(image.height) * std::size_t(image.channels)) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty or malformed", where);
    }
    return guarded(ErrorCode::Internal,
                   where,
                   [&]() -> Status {
                       TiffWriteSpec spec;
                       spec.width = image.width;
                       spec.height = image.height;
                       spec.channels = image.channels;
                       spec.bits = sampleType == SampleType::U8 ? 8 : 16;
                       spec.primaries = image.primaries;
                       spec.compression = options.compression;
                       spec.attributes = mergedAttributes(image.metadata, options);
                       spec.icc = iccProfileFor(image, options);
                       std::vector<std::uint8_t> bytes8;
                       if (spec.bits == 8) {
                           bytes8 = quantizeTo8(image.pixels);
                       }
                       auto out = AtomicOutputFile::create(path, options.overwrite);
                       if (!out) {
                           return tl::unexpected(out.error());
                       }
                       const std::size_t n = std::size_t(spec.width) * std::size_t(spec.channels);
                       auto status = writeTiffFile(spec, *out, where, [&](int y, std::uint8_t* dst) {
                           if (spec.bits == 8) {
                               std::memcpy(dst, bytes8.data() + std::size_t(y) * n, n);
                           } else {
                               std::memcpy(dst, image.row(y), n * 2);
                           }
                       });
                       if (!status) {
                           return status;
                       }
                       return out->commit();
                   })
        .and_then([](Status s) { return s; });
}

} // namespace hdr::core
