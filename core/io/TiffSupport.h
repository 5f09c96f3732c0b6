#pragma once

// libtiff plumbing shared by TiffIO.cpp and DngWriter.cpp (internal to core/io): opening files
// with per-handle error capture (libtiff errors become our messages, never stderr), and
// reading/writing real-valued tags whatever libtiff's internal float/double storage is.

#include "common/Error.h"

#include <tiffio.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hdr::core::io_detail {

// ASCII tags that become metadata attributes under these names (and are written back).
struct TextTag {
    std::uint32_t tag;
    const char* name;
};
inline constexpr TextTag kTextTags[] = {
    {TIFFTAG_IMAGEDESCRIPTION, "ImageDescription"},
    {TIFFTAG_SOFTWARE, "Software"},
    {TIFFTAG_ARTIST, "Artist"},
    {TIFFTAG_COPYRIGHT, "Copyright"},
    {TIFFTAG_DATETIME, "DateTime"},
    {TIFFTAG_MAKE, "Make"},
    {TIFFTAG_MODEL, "Model"},
    {TIFFTAG_DOCUMENTNAME, "DocumentName"},
    {TIFFTAG_HOSTCOMPUTER, "HostComputer"},
};

// Collects libtiff's messages for one TIFF handle. Must outlive the handle.
struct TiffMessages {
    std::string firstError;
};

struct TiffCloser {
    void operator()(TIFF* tif) const;
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

// mode: "r", "w" or "w8" (BigTIFF). Returns null on failure; messages.firstError says why.
TiffPtr openTiff(const std::filesystem::path& path, const char* mode, TiffMessages& messages);

// Flushes and closes; reports a write error (with libtiff's message) as IoError.
Status finishTiffWrite(TiffPtr tif, TiffMessages& messages, const std::string& where);

// Real or integer valued tag as doubles (empty when absent).
std::vector<double> getTagValues(TIFF* tif, std::uint32_t tag);
// Sets a RATIONAL/SRATIONAL/FLOAT/DOUBLE/SHORT/LONG/BYTE tag from doubles (count as given).
bool setTagValues(TIFF* tif, std::uint32_t tag, const std::vector<double>& values);

} // namespace hdr::core::io_detail
