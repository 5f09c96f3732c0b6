#pragma once

// Exposure settings from EXIF, for merging brackets without typing EVs: ExposureTime (0x829A,
// seconds), FNumber (0x829D) and ISO (0x8827 PhotographicSensitivity, else 0x8833 ISOSpeed),
// found in IFD0 or the Exif sub-IFD (0x8769) of
//   - a JPEG's APP1 "Exif\0\0" segment (markers walked up to SOS), or
//   - a TIFF file's own IFDs (also DNG and most raw formats built on TIFF),
// in either byte order. The parser never reads outside the bytes it is given, follows at most
// one sub-IFD, and treats anything malformed as "not present" (fuzz-safe, never throws).
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

namespace hdr::core {

struct ExposureExif {
    std::optional<double> exposureTime; // seconds, > 0
    std::optional<double> fNumber;      // > 0
    std::optional<double> iso;          // > 0
};

// Parses JPEG or TIFF bytes; fields that are absent or invalid stay unset.
ExposureExif parseExposureExif(std::span<const std::uint8_t> bytes);

// Reads the file (at most its first 64 MB) and parses it. Fails only when the file cannot be read.
Result<ExposureExif> readExposureExif(const std::filesystem::path& path);

// Relative exposure t · ISO / N² (ISO and N² left out when `useIso` / `useAperture` are false,
// e.g. because another frame of the bracket lacks them). Unset without an exposure time.
std::optional<double> relativeExposure(const ExposureExif& exif, bool useIso = true, bool useAperture = true);

} // namespace hdr::core
