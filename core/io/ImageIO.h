#pragma once

#include "common/Error.h"
#include "image/DisplayImage.h"
#include "image/Image.h"
#include "image/TransferFunction.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace hdr::core {

enum class FileFormat { Unknown, Exr, Rgbe, Tiff, Png, Jpeg, Dng };

const char* nameOf(FileFormat f);                               // "exr", "hdr", "tiff", "png", "jpg", "dng"
std::optional<FileFormat> formatFromName(const std::string& n); // accepts "exr", "hdr", "tif", "png16", ...
FileFormat formatFromExtension(const std::filesystem::path& p); // by extension, Unknown if none matches
FileFormat sniffFormat(const std::filesystem::path& p);         // by magic bytes, Unknown if none matches

enum class SampleType { U8, U16, Half, Float };
const char* nameOf(SampleType t);

enum class ExrCompression { None, Rle, Zips, Zip, Piz, Pxr24, B44, B44a, Dwaa, Dwab };
const char*
nameOf(ExrCompression c); // "none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"
std::optional<ExrCompression> exrCompressionFromName(const std::string& n);

struct ReadOptions {
    ImageLimits limits;
    // OpenEXR: which part to read (-1: the first part that has colour channels) and which layer
    // ("" = the unprefixed R,G,B[,A] / Y channels; "beauty" = beauty.R, beauty.G, ...).
    int part = -1;
    std::string layer;
    // Honour an embedded ICC profile (PNG/JPEG/TIFF) when converting to scene-linear.
    bool applyIcc = true;
    // Gain-map JPEGs (Ultra HDR, Adobe, Apple): return the SDR base image only instead of the
    // reconstructed HDR, and the display headroom in stops for the reconstruction (unset = the
    // full boost the file stores). See io/UltraHdr.h.
    bool gainMapBaseOnly = false;
    std::optional<float> gainMapHeadroomStops;
};

struct WriteOptions {
    FileFormat format = FileFormat::Unknown; // Unknown: from the file extension
    // Sample type in the file. Unset: EXR half, TIFF float, RGBE n/a, PNG/JPEG 8-bit, DNG 16-bit.
    std::optional<SampleType> sampleType;
    ExrCompression compression = ExrCompression::Zip;
    // How display-referred formats (PNG, JPEG, 8/16-bit TIFF) encode scene-linear input.
    // PNG with PQ/HLG also gets a cICP chunk (BT.2020 primaries); sRGB/gamma get an ICC profile.
    Transfer transfer = Transfer::srgb();
    // Primaries in the file. Unset: EXR/RGBE/float TIFF keep the image's own; display formats use
    // Rec.709, or Rec.2020 for PQ/HLG.
    std::optional<LinearColorSpace> primaries;
    int jpegQuality = 92;
    bool embedIcc = true;
    bool overwrite = false;                        // never replace an existing file unless asked
    std::map<std::string, std::string> attributes; // extra metadata (merged over image.metadata.attributes)
};

// Reads any supported file into scene-linear float (display-referred files are linearised
// through their ICC profile or transfer function). The format is sniffed from the content,
// not trusted from the extension. Before anything is allocated for the pixels, the size a header
// claims is checked against options.limits (LimitExceeded) and against what the file can hold at
// its coding's best compression ratio (CorruptData naming the claim and the file size; see
// io/ReadBounds.h), so a small hostile file cannot make a reader reserve gigabytes.
Result<ImageF> readImage(const std::filesystem::path& path, const ReadOptions& options = {});

// Writes scene-linear float to any supported format (atomically; refuses to overwrite unless asked).
Status writeImage(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options = {});

// Writes an image that is already display-encoded (e.g. by an OCIO view) to PNG, JPEG or TIFF,
// keeping its transfer and primaries tags (ICC / cICP). options.sampleType picks 8 or 16 bits.
Status writeDisplayImage(const DisplayImage16& image,
                         const std::filesystem::path& path,
                         const WriteOptions& options = {});

// The primaries and sample type a write will actually use, after defaults.
LinearColorSpace effectivePrimaries(const ImageF& image, FileFormat format, const WriteOptions& options);
SampleType effectiveSampleType(FileFormat format, const WriteOptions& options);

} // namespace hdr::core
