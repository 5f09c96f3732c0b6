// OpenEXR writing: writeExr() on the OpenEXR 3.1 C++ library.
//
// * Sample type half (default) or float; RGB or RGBA channels named R, G, B[, A]; scanline,
//   increasing line order; any ExrCompression. Pixel values are written as they are (colour
//   premultiplied by alpha when there is alpha, as EXR expects and as readExr() returns it).
// * Primaries: the file gets a `chromaticities` attribute for options.primaries (default: the
//   image's own); pixels are converted with convertPrimaries() first when those differ.
// * Half overflow: float -> half turns anything >= 65520 into +Inf. One hot pixel (a specular
//   highlight, the sun) would then poison every average, blur or tone curve downstream, so finite
//   values are clamped to +-65504 (the largest finite half) instead; NaN and +-Inf that were
//   already in the image stay as they are.
// * Attributes: image.metadata.attributes merged with options.attributes (the latter win) are
//   stored as string attributes. Keys starting with "exr:" describe the file an image was read
//   from (windows, part, ...) and are skipped, as are names OpenEXR reserves for typed
//   attributes, which a string of the same name would make unreadable to other tools.
// * Atomic: the file is written to AtomicOutputFile::tempPath() and renamed into place by
//   commit(); an existing file is only replaced with options.overwrite.

#include "common/AtomicFile.h"
#include "common/Parallel.h"
#include "io/FormatReaders.h"

#include <Iex.h>
#include <ImfChannelList.h>
#include <ImfFrameBuffer.h>
#include <ImfHeader.h>
#include <ImfOutputFile.h>
#include <ImfStandardAttributes.h>
#include <ImfStringAttribute.h>
#include <ImfThreading.h>

#include <Imath/half.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <set>

namespace hdr::core {
namespace {

void ensureExrThreads()
{
    static std::once_flag once;
    std::call_once(once, [] { Imf::setGlobalThreadCount(std::max(1, workerThreadCount())); });
}

Imf::Compression toImf(ExrCompression c)
{
    switch (c) {
    case ExrCompression::None: return Imf::NO_COMPRESSION;
    case ExrCompression::Rle: return Imf::RLE_COMPRESSION;
    case ExrCompression::Zips: return Imf::ZIPS_COMPRESSION;
    case ExrCompression::Zip: return Imf::ZIP_COMPRESSION;
    case ExrCompression::Piz: return Imf::PIZ_COMPRESSION;
    case ExrCompression::Pxr24: return Imf::PXR24_COMPRESSION;
    case ExrCompression::B44: return Imf::B44_COMPRESSION;
    case ExrCompression::B44a: return Imf::B44A_COMPRESSION;
    case ExrCompression::Dwaa: return Imf::DWAA_COMPRESSION;
    case ExrCompression::Dwab: return Imf::DWAB_COMPRESSION;
    }
    throwError(ErrorCode::InvalidArgument, "unknown EXR compression");
}

// Standard attribute names that OpenEXR defines with a non-string type.
bool isTypedStandardName(const std::string& name)
{
    static const std::set<std::string> names{"channels",
                                             "compression",
                                             "dataWindow",
                                             "displayWindow",
                                             "lineOrder",
                                             "pixelAspectRatio",
                                             "screenWindowCenter",
                                             "screenWindowWidth",
                                             "tiles",
                                             "type",
                                             "name",
                                             "version",
                                             "chunkCount",
                                             "chromaticities",
                                             "whiteLuminance",
                                             "adoptedNeutral",
                                             "xDensity",
                                             "utcOffset",
                                             "longitude",
                                             "latitude",
                                             "altitude",
                                             "focus",
                                             "expTime",
                                             "aperture",
                                             "isoSpeed",
                                             "envmap",
                                             "keyCode",
                                             "timeCode",
                                             "framesPerSecond",
                                             "multiView",
                                             "worldToCamera",
                                             "worldToNDC",
                                             "deepImageState",
                                             "originalDataWindow",
                                             "dwaCompressionLevel",
                                             "preview",
                                             "idManifest"};
    return names.count(name) != 0;
}

void addStringAttributes(Imf::Header& header, const ImageF& image, const WriteOptions& options)
{
    std::map<std::string, std::string> merged = image.metadata.attributes;
    for (const auto& [key, value] : options.attributes) {
        merged[key] = value;
    }
    for (const auto& [key, value] : merged) {
        if (key.empty() || key.rfind("exr:", 0) == 0 || isTypedStandardName(key) ||
            header.find(key) != header.end()) {
            continue;
        }
        header.insert(key, Imf::StringAttribute(value));
    }
}

Imath::half toHalfClamped(float v)
{
    if (std::isfinite(v)) {
        v = std::clamp(v, -65504.0f, 65504.0f);
    }
    return Imath::half(v);
}

const char* const kChannelNames[4] = {"R", "G", "B", "A"};

void writeFloatPixels(Imf::OutputFile& file, const ImageF& image)
{
    const int channels = image.channels();
    const std::size_t xStride = sizeof(float) * std::size_t(channels);
    const std::size_t yStride = xStride * std::size_t(image.width());
    Imf::FrameBuffer frameBuffer;
    for (int c = 0; c < channels; ++c) {
        // OpenEXR only reads through the slice; the const_cast is the library's API shape.
        frameBuffer.insert(
            kChannelNames[c],
            Imf::Slice(
                Imf::FLOAT, reinterpret_cast<char*>(const_cast<float*>(image.data() + c)), xStride, yStride));
    }
    file.setFrameBuffer(frameBuffer);
    file.writePixels(image.height());
}

// Half output goes through strips: each strip of rows is clamped and converted (in parallel) into
// a small half buffer, then handed to OpenEXR, which compresses its chunks on its own threads.
void writeHalfPixels(Imf::OutputFile& file, const ImageF& image)
{
    const int width = image.width();
    const int channels = image.channels();
    const std::size_t rowValues = std::size_t(width) * std::size_t(channels);
    // About 64 MB of half data per strip, in multiples of 256 rows (the largest EXR chunk, DWAB),
    // so every strip holds whole chunks and OpenEXR can compress several of them at once.
    const std::size_t budgetRows = (std::size_t(64) << 20) / (rowValues * sizeof(Imath::half));
    const int stripRows = int(std::min<std::size_t>(std::size_t(image.height()),
                                                    std::max<std::size_t>(256, budgetRows / 256 * 256)));
    std::vector<Imath::half> strip(rowValues * std::size_t(stripRows));
    const std::size_t xStride = sizeof(Imath::half) * std::size_t(channels);
    const std::size_t yStride = xStride * std::size_t(width);

    for (int y0 = 0; y0 < image.height(); y0 += stripRows) {
        const int rows = std::min(stripRows, image.height() - y0);
        parallelFor(std::size_t(rows), 16, [&](std::size_t begin, std::size_t end) {
            for (std::size_t r = begin; r < end; ++r) {
                const float* src = image.row(y0 + int(r));
                Imath::half* dst = strip.data() + r * rowValues;
                for (std::size_t i = 0; i < rowValues; ++i) {
                    dst[i] = toHalfClamped(src[i]);
                }
            }
        });
        Imf::FrameBuffer frameBuffer;
        for (int c = 0; c < channels; ++c) {
            frameBuffer.insert(
                kChannelNames[c],
                Imf::Slice::Make(
                    Imf::HALF, strip.data() + c, Imath::V2i(0, y0), width, rows, xStride, yStride));
        }
        file.setFrameBuffer(frameBuffer);
        file.writePixels(rows);
    }
}

} // namespace

Status writeExr(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options)
{
    const std::string where = path.string();
    if (image.empty() || (image.channels() != 3 && image.channels() != 4)) {
        return fail(
            ErrorCode::InvalidArgument, "only non-empty RGB or RGBA images can be written to EXR", where);
    }
    const SampleType sampleType = options.sampleType.value_or(SampleType::Half);
    if (sampleType != SampleType::Half && sampleType != SampleType::Float) {
        return fail(ErrorCode::InvalidArgument, "EXR files are written as half or float", where);
    }
    const LinearColorSpace primaries = options.primaries.value_or(image.colorSpace);
    std::optional<ImageF> converted;
    if (!(primaries == image.colorSpace)) {
        converted = convertPrimaries(image, primaries);
    }
    const ImageF& pixels = converted ? *converted : image;

    auto output = AtomicOutputFile::create(path, options.overwrite);
    if (!output) {
        return tl::unexpected(output.error());
    }
    try {
        ensureExrThreads();
        Imf::Header header(image.width(), image.height());
        header.compression() = toImf(options.compression);
        const Chromaticities c = primaries.chromaticities();
        Imf::addChromaticities(header,
                               Imf::Chromaticities(Imath::V2f(c.redX, c.redY),
                                                   Imath::V2f(c.greenX, c.greenY),
                                                   Imath::V2f(c.blueX, c.blueY),
                                                   Imath::V2f(c.whiteX, c.whiteY)));
        addStringAttributes(header, image, options);
        const Imf::PixelType type = sampleType == SampleType::Float ? Imf::FLOAT : Imf::HALF;
        for (int ch = 0; ch < image.channels(); ++ch) {
            header.channels().insert(kChannelNames[ch], Imf::Channel(type));
        }
        {
            Imf::OutputFile file(output->tempPath().c_str(), header);
            if (type == Imf::FLOAT) {
                writeFloatPixels(file, pixels);
            } else {
                writeHalfPixels(file, pixels);
            }
        } // the destructor writes the line offset table: close before committing
        return output->commit();
    } catch (const HdrError&) {
        return tl::unexpected(errorFromCurrentException(ErrorCode::Internal, where));
    } catch (const std::bad_alloc&) {
        return tl::unexpected(errorFromCurrentException(ErrorCode::Internal, where));
    } catch (const std::exception& e) {
        return fail(ErrorCode::IoError, std::string("cannot write the OpenEXR file: ") + e.what(), where);
    }
}

} // namespace hdr::core
