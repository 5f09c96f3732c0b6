// TIFF through libtiff: reads 8/16-bit integer (display-referred, linearised via ICC or sRGB),
// 16/32/64-bit float (scene-linear as stored) and linear DNGs (LinearRaw, as our writer makes),
// in strips or tiles, contiguous or planar; other layouts (palette, YCbCr, CMYK, bilevel) go
// through libtiff's RGBA interface. The writers are in TiffWriter.cpp.
//
// Colour tags: PrimaryChromaticities + WhitePoint (TIFF 6.0) carry the primaries of linear data;
// ICCProfile (34675) the profile of display-referred data.

#include "io/DisplayCodec.h"
#include "io/FormatReaders.h"
#include "io/ReadBounds.h"
#include "io/TiffSupport.h"

#include <Imath/half.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

namespace hdr::core {
namespace fs = std::filesystem;
using namespace io_detail;

namespace {

constexpr std::uint16_t kPhotometricLinearRaw = 34892;

[[noreturn]] void
tiffFail(ErrorCode code, const std::string& message, const TiffMessages& messages, const std::string& where)
{
    throwError(
        code, messages.firstError.empty() ? message : message + " (" + messages.firstError + ")", where);
}

std::string compressionName(std::uint16_t c)
{
    switch (c) {
    case COMPRESSION_NONE: return "none";
    case COMPRESSION_LZW: return "LZW";
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return "deflate";
    case COMPRESSION_PACKBITS: return "PackBits";
    case COMPRESSION_JPEG:
    case COMPRESSION_OJPEG: return "JPEG";
    case COMPRESSION_LZMA: return "LZMA";
    case COMPRESSION_ZSTD: return "ZSTD";
    case COMPRESSION_WEBP: return "WebP";
    default: return "code " + std::to_string(c);
    }
}

struct TiffLayout {
    std::uint32_t width = 0, height = 0;
    std::uint16_t samples = 1, bits = 1, format = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_MINISBLACK;
    std::uint16_t planar = PLANARCONFIG_CONTIG, compression = COMPRESSION_NONE,
                  orientation = ORIENTATION_TOPLEFT;
    int colorChannels = 3;      // 1 (grey) or 3
    bool alpha = false;         // sample colorChannels is alpha
    bool premultiplied = false; // ExtraSamples says associated alpha
    std::size_t bytesPerSample() const { return bits / 8; }
};

TiffLayout readLayout(TIFF* tif)
{
    TiffLayout l;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l.width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l.height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &l.samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &l.bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &l.format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &l.planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &l.compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &l.orientation);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &l.photometric)) {
        l.photometric = l.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    }
    l.colorChannels =
        (l.photometric == PHOTOMETRIC_RGB || (l.photometric == kPhotometricLinearRaw && l.samples >= 3)) ? 3
                                                                                                         : 1;
    std::uint16_t extraCount = 0;
    std::uint16_t* extra = nullptr;
    if (l.samples > l.colorChannels) {
        // An unspecified first extra sample is taken as straight alpha, as most readers do.
        l.alpha = true;
        if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extraCount, &extra) && extraCount > 0 && extra) {
            l.premultiplied = extra[0] == EXTRASAMPLE_ASSOCALPHA;
        }
    }
    return l;
}

// The best ratio (uncompressed / compressed bytes of a strip or tile) of each compression, for
// checking a claimed size against the data that can carry it: none 1; PackBits 64 (a 2-byte code
// repeats a byte at most 128 times); deflate 1032 (a 258-byte match in 2 bits at best); LZW 2048
// (each code adds one byte to the longest string, and a 12-bit table of 4094 codes yields about
// 1360:1 between clear codes; doubled for margin); JPEG 2048 (at least one bit per 8x8 block of
// 64..192 sample bytes, doubled); anything else (CCITT fax, LZMA, ZSTD, WebP, ...) 2^16, which
// those codecs pass only on near-constant data.
std::uint64_t bestCompressionRatio(std::uint16_t compression)
{
    switch (compression) {
    case COMPRESSION_NONE: return 1;
    case COMPRESSION_PACKBITS: return 64;
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return 1032;
    case COMPRESSION_LZW:
    case COMPRESSION_JPEG:
    case COMPRESSION_OJPEG: return 2048;
    default: return std::uint64_t(1) << 16;
    }
}

// Refuses a directory whose strips or tiles cannot hold the pixels it claims, before any buffer
// for them exists. What they hold is the sum of their byte counts, each cut at the end of the
// file (a count past it holds nothing there), and never more than the file.
void checkClaimAgainstStrips(TIFF* tif, const TiffLayout& l, const std::string& where)
{
    struct stat st {};
    if (::fstat(TIFFFileno(tif), &st) != 0 || st.st_size <= 0) {
        return; // not a plain file (libtiff reads it anyway); nothing to compare with
    }
    const auto fileSize = std::uint64_t(st.st_size);
    const std::uint32_t chunks = TIFFIsTiled(tif) ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    std::uint64_t stored = 0;
    for (std::uint32_t i = 0; i < chunks && stored < fileSize; ++i) {
        const std::uint64_t offset = TIFFGetStrileOffset(tif, i);
        if (offset < fileSize) {
            stored += std::min<std::uint64_t>(TIFFGetStrileByteCount(tif, i), fileSize - offset);
        }
    }
    stored = std::min(stored, fileSize);
    const std::uint64_t raw =
        ceilDiv(std::uint64_t(l.width) * l.height * l.samples * std::max<std::uint64_t>(l.bits, 1), 8);
    const std::uint64_t ratio = bestCompressionRatio(l.compression);
    if (raw > stored * ratio) {
        throw HdrError(claimExceedsFile(
            "TIFF",
            l.width,
            l.height,
            fileSize,
            ceilDiv(raw, ratio),
            "its " + std::to_string(chunks) + (TIFFIsTiled(tif) ? " tiles" : " strips") + " hold " +
                std::to_string(stored) + " of them, and with " + std::to_string(raw) +
                " bytes of samples at " + compressionName(l.compression) + "'s best ratio (" +
                std::to_string(ratio) + ":1)",
            where));
    }
}

bool directlyDecodable(const TiffLayout& l)
{
    const bool photometricOk = l.photometric == PHOTOMETRIC_RGB || l.photometric == PHOTOMETRIC_MINISBLACK ||
                               l.photometric == PHOTOMETRIC_MINISWHITE ||
                               l.photometric == kPhotometricLinearRaw;
    const bool integer = l.format == SAMPLEFORMAT_UINT && (l.bits == 8 || l.bits == 16);
    const bool real = l.format == SAMPLEFORMAT_IEEEFP && (l.bits == 16 || l.bits == 32 || l.bits == 64);
    return photometricOk && (integer || real) && l.samples >= l.colorChannels && l.samples <= 16;
}

// Reads every strip or tile into one interleaved buffer of width*height*samples samples.
std::vector<std::uint8_t>
readSamples(TIFF* tif, const TiffLayout& l, const TiffMessages& messages, const std::string& where)
{
    const std::size_t bps = l.bytesPerSample();
    const std::size_t pixelBytes = bps * l.samples;
    const bool separate = l.planar == PLANARCONFIG_SEPARATE && l.samples > 1;
    const int planes = separate ? l.samples : 1;
    const std::size_t chunkPixelBytes = separate ? bps : pixelBytes; // bytes per pixel in one plane
    std::vector<std::uint8_t> full(std::size_t(l.width) * l.height * pixelBytes);

    // Copies `cols` pixels of one plane's row into the interleaved buffer.
    auto place =
        [&](const std::uint8_t* src, std::uint32_t x, std::uint32_t y, std::uint32_t cols, int plane) {
            std::uint8_t* dst = full.data() + (std::size_t(y) * l.width + x) * pixelBytes;
            if (!separate) {
                std::memcpy(dst, src, std::size_t(cols) * pixelBytes);
                return;
            }
            dst += std::size_t(plane) * bps;
            for (std::uint32_t c = 0; c < cols; ++c) {
                std::memcpy(dst + c * pixelBytes, src + c * bps, bps);
            }
        };

    if (TIFFIsTiled(tif)) {
        std::uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        if (tw == 0 || th == 0 || std::uint64_t(tw) * th > (std::uint64_t(1) << 26)) {
            tiffFail(ErrorCode::CorruptData, "invalid TIFF tile size", messages, where);
        }
        const tmsize_t tileSize = TIFFTileSize(tif);
        if (tileSize <= 0 || std::size_t(tileSize) < std::size_t(tw) * th * chunkPixelBytes) {
            tiffFail(ErrorCode::CorruptData, "invalid TIFF tile layout", messages, where);
        }
        std::vector<std::uint8_t> tile(static_cast<std::size_t>(tileSize));
        for (int p = 0; p < planes; ++p) {
            for (std::uint32_t ty = 0; ty < l.height; ty += th) {
                for (std::uint32_t tx = 0; tx < l.width; tx += tw) {
                    if (TIFFReadTile(tif, tile.data(), tx, ty, 0, std::uint16_t(p)) < 0) {
                        tiffFail(ErrorCode::CorruptData, "damaged or truncated TIFF tile", messages, where);
                    }
                    const std::uint32_t rows = std::min(th, l.height - ty);
                    const std::uint32_t cols = std::min(tw, l.width - tx);
                    for (std::uint32_t r = 0; r < rows; ++r) {
                        place(tile.data() + std::size_t(r) * tw * chunkPixelBytes, tx, ty + r, cols, p);
                    }
                }
            }
        }
        return full;
    }
    std::uint32_t rowsPerStrip = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rowsPerStrip);
    rowsPerStrip = std::clamp<std::uint32_t>(rowsPerStrip, 1, l.height);
    const std::size_t rowBytes = std::size_t(l.width) * chunkPixelBytes;
    const tmsize_t stripSize = TIFFStripSize(tif);
    if (stripSize <= 0 || std::size_t(stripSize) < rowBytes * rowsPerStrip) {
        tiffFail(ErrorCode::CorruptData, "invalid TIFF strip layout", messages, where);
    }
    std::vector<std::uint8_t> strip(static_cast<std::size_t>(stripSize));
    for (int p = 0; p < planes; ++p) {
        for (std::uint32_t y = 0; y < l.height; y += rowsPerStrip) {
            const std::uint32_t rows = std::min(rowsPerStrip, l.height - y);
            const tmsize_t got = TIFFReadEncodedStrip(
                tif, TIFFComputeStrip(tif, y, std::uint16_t(p)), strip.data(), tmsize_t(rowBytes * rows));
            if (got < tmsize_t(rowBytes * rows)) {
                tiffFail(ErrorCode::CorruptData, "damaged or truncated TIFF strip", messages, where);
            }
            for (std::uint32_t r = 0; r < rows; ++r) {
                place(strip.data() + r * rowBytes, 0, y + r, l.width, p);
            }
        }
    }
    return full;
}

// One sample as a double, whatever its storage type.
double sampleValue(const std::uint8_t* at, const TiffLayout& l)
{
    if (l.format == SAMPLEFORMAT_IEEEFP) {
        if (l.bits == 16) {
            Imath::half h;
            std::uint16_t bits16;
            std::memcpy(&bits16, at, 2);
            h.setBits(bits16);
            return double(float(h));
        }
        if (l.bits == 32) {
            float f;
            std::memcpy(&f, at, 4);
            return f;
        }
        double d;
        std::memcpy(&d, at, 8);
        return d;
    }
    if (l.bits == 8) {
        return *at;
    }
    std::uint16_t v;
    std::memcpy(&v, at, 2);
    return v;
}

LinearColorSpace colorSpaceFromTags(TIFF* tif)
{
    const std::vector<double> primaries = getTagValues(tif, TIFFTAG_PRIMARYCHROMATICITIES);
    const std::vector<double> white = getTagValues(tif, TIFFTAG_WHITEPOINT);
    if (primaries.size() != 6 || white.size() != 2 || white[1] <= 0.0) {
        return {};
    }
    return LinearColorSpace::fromChromaticities(Chromaticities{float(primaries[0]),
                                                               float(primaries[1]),
                                                               float(primaries[2]),
                                                               float(primaries[3]),
                                                               float(primaries[4]),
                                                               float(primaries[5]),
                                                               float(white[0]),
                                                               float(white[1])});
}

// How LinearRaw samples map to scene-linear RGB: linear = (v - black) / (white - black)
// * 2^BaselineExposure / AsShotNeutral, in the primaries that ColorMatrix1 implies.
struct DngScaling {
    double black[3] = {0, 0, 0};
    double white[3] = {1, 1, 1};
    double neutral[3] = {1, 1, 1};
    double exposureGain = 1.0;
    LinearColorSpace colorSpace;
};

// ColorMatrix1, AsShotNeutral and BaselineExposure live in IFD0; black/white in the raw IFD.
void readDngColorTags(TIFF* tif, DngScaling& s)
{
    if (auto be = getTagValues(tif, TIFFTAG_BASELINEEXPOSURE); be.size() == 1 && std::isfinite(be[0])) {
        s.exposureGain = std::exp2(std::clamp(be[0], -30.0, 30.0));
    }
    if (auto n = getTagValues(tif, TIFFTAG_ASSHOTNEUTRAL); n.size() >= 3) {
        for (int c = 0; c < 3; ++c) {
            s.neutral[c] = n[std::size_t(c)] > 0.0 ? n[std::size_t(c)] : 1.0;
        }
    }
    const std::vector<double> cm = getTagValues(tif, TIFFTAG_COLORMATRIX1);
    if (cm.size() == 9) {
        Mat3 xyzToCamera;
        for (int i = 0; i < 9; ++i) {
            xyzToCamera[std::size_t(i)] = float(cm[std::size_t(i)]);
        }
        // White-balanced camera RGB -> XYZ; its columns are the primaries, its row sums the white.
        Mat3 m = inverse(xyzToCamera);
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 3; ++c) {
                m[std::size_t(r * 3 + c)] *= float(s.neutral[c]);
            }
        }
        auto xy = [&](float X, float Y, float Z, float& x, float& y) {
            const float sum = X + Y + Z;
            x = sum != 0.0f ? X / sum : 0.3127f;
            y = sum != 0.0f ? Y / sum : 0.3290f;
        };
        Chromaticities c{};
        xy(m[0], m[3], m[6], c.redX, c.redY);
        xy(m[1], m[4], m[7], c.greenX, c.greenY);
        xy(m[2], m[5], m[8], c.blueX, c.blueY);
        xy(m[0] + m[1] + m[2], m[3] + m[4] + m[5], m[6] + m[7] + m[8], c.whiteX, c.whiteY);
        if (std::isfinite(c.whiteX) && std::isfinite(c.whiteY) && c.whiteY > 0.0f) {
            s.colorSpace = LinearColorSpace::fromChromaticities(c);
        }
    }
}

void readDngLevels(TIFF* tif, const TiffLayout& l, DngScaling& s)
{
    const double defaultWhite = l.format == SAMPLEFORMAT_IEEEFP ? 1.0 : double((1u << l.bits) - 1);
    const std::vector<double> black = getTagValues(tif, TIFFTAG_BLACKLEVEL);
    const std::vector<double> white = getTagValues(tif, TIFFTAG_WHITELEVEL);
    for (int c = 0; c < 3; ++c) {
        const std::size_t i = std::size_t(std::min(c, l.colorChannels - 1));
        s.black[c] = black.empty() ? 0.0 : black[std::min(i, black.size() - 1)];
        s.white[c] = white.empty() ? defaultWhite : white[std::min(i, white.size() - 1)];
        if (!(s.white[c] > s.black[c])) {
            s.black[c] = 0.0;
            s.white[c] = defaultWhite;
        }
    }
}

ImageF decodeLinear(const std::vector<std::uint8_t>& samples, const TiffLayout& l, const DngScaling* dng)
{
    const int outCh = l.alpha ? 4 : 3;
    ImageF image(int(l.width), int(l.height), outCh, dng ? dng->colorSpace : LinearColorSpace{});
    const std::size_t bps = l.bytesPerSample();
    const std::size_t pixelBytes = bps * l.samples;
    const double alphaScale = l.format == SAMPLEFORMAT_IEEEFP ? 1.0 : 1.0 / double((1u << l.bits) - 1);
    for (std::uint32_t y = 0; y < l.height; ++y) {
        const std::uint8_t* src = samples.data() + std::size_t(y) * l.width * pixelBytes;
        float* dst = image.row(int(y));
        for (std::uint32_t x = 0; x < l.width; ++x, src += pixelBytes, dst += outCh) {
            for (int c = 0; c < 3; ++c) {
                const int sc = std::min(c, l.colorChannels - 1);
                double v = sampleValue(src + std::size_t(sc) * bps, l);
                if (dng) {
                    v = (v - dng->black[c]) / (dng->white[c] - dng->black[c]) * dng->exposureGain /
                        dng->neutral[c];
                }
                dst[c] = float(v);
            }
            if (l.alpha) {
                const float a = float(sampleValue(src + std::size_t(l.colorChannels) * bps, l) * alphaScale);
                dst[3] = a;
                if (l.premultiplied && a > 0.0f) {
                    for (int c = 0; c < 3; ++c) {
                        dst[c] /= a;
                    }
                }
            }
        }
    }
    return image;
}

template <typename T>
DisplayImage<T> decodeIntegerDisplay(const std::vector<std::uint8_t>& samples, const TiffLayout& l)
{
    DisplayImage<T> d;
    d.width = int(l.width);
    d.height = int(l.height);
    const int srcChannels = l.colorChannels + (l.alpha ? 1 : 0);
    d.channels = outputChannels(srcChannels);
    d.pixels.resize(std::size_t(d.width) * std::size_t(d.height) * std::size_t(d.channels));
    const T* src = reinterpret_cast<const T*>(samples.data());
    for (int y = 0; y < d.height; ++y) {
        expandRowToRgb(src + std::size_t(y) * l.width * l.samples, l.samples, srcChannels, d.row(y), d.width);
    }
    constexpr std::uint32_t maxValue = DisplayImage<T>::kMaxValue;
    for (std::size_t i = 0; i < d.pixels.size(); i += std::size_t(d.channels)) {
        T* p = &d.pixels[i];
        if (l.photometric == PHOTOMETRIC_MINISWHITE) {
            for (int c = 0; c < 3; ++c) {
                p[c] = T(maxValue - p[c]);
            }
        }
        if (l.premultiplied && d.channels == 4 && p[3] > 0) {
            for (int c = 0; c < 3; ++c) {
                p[c] =
                    T(std::min<std::uint32_t>(maxValue, (std::uint32_t(p[c]) * maxValue + p[3] / 2) / p[3]));
            }
        }
    }
    return d;
}

// Layouts we do not decode ourselves: libtiff converts them to 8-bit RGBA (display-referred).
DisplayImage8
decodeViaRgba(TIFF* tif, const TiffLayout& l, const TiffMessages& messages, const std::string& where)
{
    char reason[1024] = {};
    if (!TIFFRGBAImageOK(tif, reason)) {
        throwError(ErrorCode::UnsupportedFormat, std::string("unsupported TIFF layout: ") + reason, where);
    }
    std::vector<std::uint32_t> rgba(std::size_t(l.width) * l.height);
    if (!TIFFReadRGBAImageOriented(tif, l.width, l.height, rgba.data(), ORIENTATION_TOPLEFT, 0)) {
        tiffFail(ErrorCode::CorruptData, "damaged or truncated TIFF data", messages, where);
    }
    DisplayImage8 d;
    d.width = int(l.width);
    d.height = int(l.height);
    d.channels = l.alpha ? 4 : 3;
    d.pixels.resize(rgba.size() * std::size_t(d.channels));
    for (std::size_t i = 0; i < rgba.size(); ++i) {
        std::uint8_t* p = &d.pixels[i * std::size_t(d.channels)];
        p[0] = std::uint8_t(TIFFGetR(rgba[i]));
        p[1] = std::uint8_t(TIFFGetG(rgba[i]));
        p[2] = std::uint8_t(TIFFGetB(rgba[i]));
        if (d.channels == 4) {
            p[3] = std::uint8_t(TIFFGetA(rgba[i]));
        }
    }
    return d;
}

// A camera DNG keeps a preview in IFD0 and the raw data in a SubIFD; finds a LinearRaw one.
bool selectLinearRawSubIfd(TIFF* tif)
{
    std::uint16_t count = 0;
    toff_t* offsets = nullptr;
    if (!TIFFGetField(tif, TIFFTAG_SUBIFD, &count, &offsets) || !offsets) {
        return false;
    }
    const std::vector<toff_t> subIfds(offsets, offsets + count);
    for (toff_t offset : subIfds) {
        std::uint16_t photometric = 0;
        std::uint32_t subfileType = 0;
        if (TIFFSetSubDirectory(tif, offset) && TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) &&
            photometric == kPhotometricLinearRaw &&
            (!TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfileType) || subfileType == 0)) {
            return true;
        }
    }
    return false;
}

ImageF
decodeTiff(TIFF* tif, const ReadOptions& options, const TiffMessages& messages, const std::string& where)
{
    ImageMetadata metadata;
    for (const TextTag& t : kTextTags) {
        const char* text = nullptr;
        if (TIFFGetField(tif, t.tag, &text) && text && *text) {
            metadata.attributes[t.name] = latin1ToUtf8(text);
        }
    }
    std::uint32_t iccLength = 0;
    void* icc = nullptr;
    if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &iccLength, &icc) && icc && iccLength > 0) {
        const auto* bytes = static_cast<const std::uint8_t*>(icc);
        metadata.iccProfile.assign(bytes, bytes + iccLength);
    }
    void* dngVersion = nullptr;
    const bool isDng = TIFFGetField(tif, TIFFTAG_DNGVERSION, &dngVersion) == 1;
    DngScaling dng;
    if (isDng) {
        readDngColorTags(tif, dng);
        std::uint16_t photometric = 0;
        TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
        if (photometric != kPhotometricLinearRaw && !selectLinearRawSubIfd(tif)) {
            throwError(ErrorCode::UnsupportedFormat,
                       "this DNG holds mosaiced camera raw data; open it with the RAW importer",
                       where);
        }
    }
    const TiffLayout l = readLayout(tif);
    if (auto ok = checkImageSize(l.width, l.height, options.limits, where); !ok) {
        throw HdrError(ok.error());
    }
    checkClaimAgainstStrips(tif, l, where);
    metadata.sourceFormat = isDng ? "DNG" : "TIFF";
    metadata.sourceCompression = compressionName(l.compression);
    const bool linearRaw = l.photometric == kPhotometricLinearRaw;
    if (l.colorChannels == 3) {
        metadata.sourceChannels = {"R", "G", "B"};
    } else {
        metadata.sourceChannels = {"Y"};
    }
    if (l.alpha) {
        metadata.sourceChannels.push_back("A");
    }

    if (!directlyDecodable(l)) {
        if (linearRaw) {
            throwError(ErrorCode::UnsupportedFormat,
                       "unsupported linear DNG sample layout (" + std::to_string(l.bits) + "-bit)",
                       where);
        }
        metadata.sourcePixelType = "uint" + std::to_string(l.bits);
        DisplayImage8 display = decodeViaRgba(tif, l, messages, where);
        display.metadata = std::move(metadata);
        Result<ImageF> linear = linearizeDecoded(std::move(display), options);
        if (!linear) {
            throw HdrError(linear.error());
        }
        return std::move(*linear);
    }
    const bool real = l.format == SAMPLEFORMAT_IEEEFP;
    metadata.sourcePixelType = real ? (l.bits == 16   ? "half"
                                       : l.bits == 32 ? "float"
                                                      : "double")
                                    : (l.bits == 8 ? "uint8" : "uint16");
    const std::vector<std::uint8_t> samples = readSamples(tif, l, messages, where);

    ImageF image;
    if (real || linearRaw) {
        if (linearRaw) {
            readDngLevels(tif, l, dng);
        }
        image = decodeLinear(samples, l, linearRaw ? &dng : nullptr);
        if (!linearRaw) {
            image.colorSpace = colorSpaceFromTags(tif);
        }
        // Linear data is taken as stored; an embedded profile was not applied, so it is not kept
        // as if it had been.
        metadata.iccProfile.clear();
        image.metadata = std::move(metadata);
    } else {
        Result<ImageF> linear;
        if (l.bits == 8) {
            DisplayImage8 d = decodeIntegerDisplay<std::uint8_t>(samples, l);
            d.primaries = colorSpaceFromTags(tif);
            d.metadata = std::move(metadata);
            linear = linearizeDecoded(std::move(d), options);
        } else {
            DisplayImage16 d = decodeIntegerDisplay<std::uint16_t>(samples, l);
            d.primaries = colorSpaceFromTags(tif);
            d.metadata = std::move(metadata);
            linear = linearizeDecoded(std::move(d), options);
        }
        if (!linear) {
            throw HdrError(linear.error());
        }
        image = std::move(*linear);
    }
    return applyOrientation(std::move(image), l.orientation);
}

} // namespace

Result<ImageF> readTiff(const fs::path& path, const ReadOptions& options)
{
    const std::string where = path.string();
    TiffMessages messages;
    TiffPtr tif = openTiff(path, "r", messages);
    if (!tif) {
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            return fail(ErrorCode::IoError, "cannot open the TIFF file", where);
        }
        return fail(ErrorCode::CorruptData,
                    "not a readable TIFF file" +
                        (messages.firstError.empty() ? "" : ": " + messages.firstError),
                    where);
    }
    return guarded(
        ErrorCode::CorruptData, where, [&] { return decodeTiff(tif.get(), options, messages, where); });
}

} // namespace hdr::core
