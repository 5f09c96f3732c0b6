#include "io/ImageIO.h"

#include "io/FormatReaders.h"
#include "io/UltraHdr.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

namespace hdr::core {
namespace fs = std::filesystem;

namespace {
std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}
} // namespace

const char* nameOf(FileFormat f)
{
    switch (f) {
    case FileFormat::Exr: return "exr";
    case FileFormat::Rgbe: return "hdr";
    case FileFormat::Tiff: return "tiff";
    case FileFormat::Png: return "png";
    case FileFormat::Jpeg: return "jpg";
    case FileFormat::Dng: return "dng";
    case FileFormat::Unknown: break;
    }
    return "unknown";
}

std::optional<FileFormat> formatFromName(const std::string& name)
{
    const std::string n = lower(name);
    if (n == "exr" || n == "openexr") return FileFormat::Exr;
    if (n == "hdr" || n == "rgbe" || n == "pic" || n == "radiance") return FileFormat::Rgbe;
    if (n == "tif" || n == "tiff" || n == "tiff16" || n == "tiff32") return FileFormat::Tiff;
    if (n == "png" || n == "png16" || n == "png8") return FileFormat::Png;
    if (n == "jpg" || n == "jpeg") return FileFormat::Jpeg;
    if (n == "dng") return FileFormat::Dng;
    return std::nullopt;
}

FileFormat formatFromExtension(const fs::path& p)
{
    std::string ext = p.extension().string();
    if (!ext.empty() && ext[0] == '.') {
        ext.erase(0, 1);
    }
    return formatFromName(ext).value_or(FileFormat::Unknown);
}

FileFormat sniffFormat(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    std::array<unsigned char, 16> m{};
    f.read(reinterpret_cast<char*>(m.data()), std::streamsize(m.size()));
    const std::size_t n = std::size_t(f.gcount());
    if (n >= 4 && m[0] == 0x76 && m[1] == 0x2f && m[2] == 0x31 && m[3] == 0x01) return FileFormat::Exr;
    if (n >= 2 && m[0] == '#' && m[1] == '?') return FileFormat::Rgbe;
    if (n >= 8 && m[0] == 0x89 && m[1] == 'P' && m[2] == 'N' && m[3] == 'G') return FileFormat::Png;
    if (n >= 3 && m[0] == 0xFF && m[1] == 0xD8 && m[2] == 0xFF) return FileFormat::Jpeg;
    if (n >= 4 && ((m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) && m[3] == 0) ||
                   (m[0] == 'M' && m[1] == 'M' && m[2] == 0 && (m[3] == 42 || m[3] == 43)))) {
        // DNG is a TIFF; the TIFF reader handles linear DNGs too.
        return FileFormat::Tiff;
    }
    return FileFormat::Unknown;
}

const char* nameOf(SampleType t)
{
    switch (t) {
    case SampleType::U8: return "uint8";
    case SampleType::U16: return "uint16";
    case SampleType::Half: return "half";
    case SampleType::Float: return "float";
    }
    return "?";
}

const char* nameOf(ExrCompression c)
{
    switch (c) {
    case ExrCompression::None: return "none";
    case ExrCompression::Rle: return "rle";
    case ExrCompression::Zips: return "zips";
    case ExrCompression::Zip: return "zip";
    case ExrCompression::Piz: return "piz";
    case ExrCompression::Pxr24: return "pxr24";
    case ExrCompression::B44: return "b44";
    case ExrCompression::B44a: return "b44a";
    case ExrCompression::Dwaa: return "dwaa";
    case ExrCompression::Dwab: return "dwab";
    }
    return "?";
}

std::optional<ExrCompression> exrCompressionFromName(const std::string& name)
{
    const std::string n = lower(name);
    for (ExrCompression c : {ExrCompression::None,
                             ExrCompression::Rle,
                             ExrCompression::Zips,
                             ExrCompression::Zip,
                             ExrCompression::Piz,
                             ExrCompression::Pxr24,
                             ExrCompression::B44,
                             ExrCompression::B44a,
                             ExrCompression::Dwaa,
                             ExrCompression::Dwab}) {
        if (n == nameOf(c)) {
            return c;
        }
    }
    return std::nullopt;
}

Result<ImageF> readImage(const fs::path& path, const ReadOptions& options)
{
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return fail(ErrorCode::IoError, "file not found", path.string());
    }
    if (fs::is_directory(path, ec)) {
        return fail(ErrorCode::InvalidArgument, "this is a folder, not an image file", path.string());
    }
    switch (sniffFormat(path)) {
    case FileFormat::Exr: return readExr(path, options);
    case FileFormat::Rgbe: return readRgbe(path, options);
    case FileFormat::Tiff:
    case FileFormat::Dng: return readTiff(path, options);
    case FileFormat::Png: return readPng(path, options);
    case FileFormat::Jpeg: return readJpegWithGainMap(path, options); // plain JPEG or gain map
    case FileFormat::Unknown: break;
    }
    return fail(ErrorCode::UnsupportedFormat,
                "not a supported image file (EXR, Radiance .hdr, TIFF, DNG, PNG and JPEG are)",
                path.string());
}

SampleType effectiveSampleType(FileFormat format, const WriteOptions& options)
{
    if (options.sampleType) {
        return *options.sampleType;
    }
    switch (format) {
    case FileFormat::Exr: return SampleType::Half;
    case FileFormat::Tiff: return SampleType::Float;
    case FileFormat::Dng: return SampleType::U16;
    case FileFormat::Rgbe: return SampleType::Float;
    default: return SampleType::U8;
    }
}

LinearColorSpace effectivePrimaries(const ImageF& image, FileFormat format, const WriteOptions& options)
{
    if (options.primaries) {
        return *options.primaries;
    }
    const bool display =
        format == FileFormat::Png || format == FileFormat::Jpeg ||
        (format == FileFormat::Tiff && (effectiveSampleType(format, options) == SampleType::U8 ||
                                        effectiveSampleType(format, options) == SampleType::U16));
    if (display) {
        const bool wide =
            options.transfer.kind == TransferKind::PQ || options.transfer.kind == TransferKind::HLG;
        return LinearColorSpace{wide ? Primaries::Rec2020 : Primaries::Rec709, {}};
    }
    return image.colorSpace;
}

Status writeDisplayImage(const DisplayImage16& image, const fs::path& path, const WriteOptions& options)
{
    WriteOptions o = options;
    if (o.format == FileFormat::Unknown) {
        o.format = formatFromExtension(path);
    }
    if (!o.sampleType) {
        o.sampleType = SampleType::U8;
    }
    if (*o.sampleType != SampleType::U8 && *o.sampleType != SampleType::U16) {
        return fail(ErrorCode::InvalidArgument,
                    "display-referred images are written with 8 or 16 bits per sample",
                    path.string());
    }
    switch (o.format) {
    case FileFormat::Png: return writePngDisplay(image, path, o);
    case FileFormat::Jpeg: return writeJpegDisplay(image, path, o);
    case FileFormat::Tiff: return writeTiffDisplay(image, path, o);
    default: break;
    }
    return fail(
        ErrorCode::InvalidArgument,
        "display-referred output needs a PNG, JPEG or TIFF file name (or --format png|png16|jpg|tiff)",
        path.string());
}

Status writeImage(const ImageF& image, const fs::path& path, const WriteOptions& options)
{
    if (image.empty()) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty", path.string());
    }
    WriteOptions o = options;
    if (o.format == FileFormat::Unknown) {
        o.format = formatFromExtension(path);
    }
    if (o.format == FileFormat::Unknown) {
        return fail(
            ErrorCode::InvalidArgument,
            "cannot tell the output format from the file name; use .exr, .hdr, .tif, .png, .jpg or .dng",
            path.string());
    }
    o.sampleType = effectiveSampleType(o.format, o);
    o.primaries = effectivePrimaries(image, o.format, o);
    switch (o.format) {
    case FileFormat::Exr:
        if (*o.sampleType != SampleType::Half && *o.sampleType != SampleType::Float) {
            return fail(ErrorCode::InvalidArgument, "EXR files are written as half or float", path.string());
        }
        return writeExr(image, path, o);
    case FileFormat::Rgbe: return writeRgbe(image, path, o);
    case FileFormat::Dng: return writeDng(image, path, o);
    case FileFormat::Tiff:
        if (*o.sampleType == SampleType::Float || *o.sampleType == SampleType::Half) {
            return writeTiffFloat(image, path, o);
        }
        [[fallthrough]];
    case FileFormat::Png:
    case FileFormat::Jpeg: {
        if (o.format == FileFormat::Jpeg && *o.sampleType != SampleType::U8) {
            return fail(ErrorCode::InvalidArgument,
                        "JPEG files are 8-bit; use PNG or TIFF for 16-bit",
                        path.string());
        }
        if (*o.sampleType != SampleType::U8 && *o.sampleType != SampleType::U16) {
            return fail(ErrorCode::InvalidArgument,
                        "PNG files are 8- or 16-bit; use EXR or TIFF for float",
                        path.string());
        }
        DisplayImage16 encoded = encodeDisplay16(image, o.transfer, *o.primaries);
        return writeDisplayImage(encoded, path, o);
    }
    case FileFormat::Unknown: break;
    }
    return fail(ErrorCode::Internal, "unhandled output format", path.string());
}

} // namespace hdr::core
