#pragma once

// The byte layout of gain-map JPEGs (Ultra HDR / JPEG_R, Adobe gain-map JPEG, Apple legacy):
// ../shared/reference/hdr.md §2.1. A primary (SDR) JPEG whose header carries XMP (APP1,
// GContainer + hdrgm:Version), optionally the ISO 21496-1 version record (APP2) and an MPF
// (CIPA DC-007) APP2 segment listing a second JPEG, the gain map, appended after the primary's
// EOI. The gain-map JPEG carries hdrgm XMP and/or the full ISO 21496-1 record.
// MPF offsets count from the MPF TIFF header ("MM"/"II" after "MPF\0"); both byte orders.
// Pure byte parsing (no libjpeg): every offset is bounds-checked, nothing is allocated from a size
// field beyond the input's own size.

#include "common/Error.h"
#include "gainmap/GainMapXmp.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hdr::core {

struct JpegSegment {
    std::uint8_t marker = 0; // 0xE1 = APP1, ...
    std::size_t offset = 0;  // of the payload (after the 2-byte length)
    std::size_t length = 0;  // payload bytes
};

// Header segments from SOI up to (not including) SOS. CorruptData when the data is not a JPEG
// or a segment runs past the end.
Result<std::vector<JpegSegment>> scanJpegSegments(std::span<const std::uint8_t> jpeg);

struct GainMapJpegParts {
    std::span<const std::uint8_t> gainMap; // the secondary JPEG's bytes (inside the input)
    std::string locatedBy;                 // "MPF" or "GContainer"
    XmpGainMapInfo primaryXmp;
    XmpGainMapInfo gainMapXmp;
    bool primaryHasIso = false;
    std::vector<std::uint8_t> gainMapIso; // ISO 21496-1 record of the gain-map image (no signature)
};

// Finds the gain map. UnsupportedFormat when the JPEG has none (a plain JPEG, or an MPF file whose
// second image is not a gain map); CorruptData when it claims one that cannot be located.
Result<GainMapJpegParts> findGainMapJpeg(std::span<const std::uint8_t> file);

// The 86-byte MPF APP2 payload ("MPF\0" + big-endian TIFF IFD + two MP entries).
std::vector<std::uint8_t>
makeMpfPayload(std::uint32_t primarySize, std::uint32_t gainMapSize, std::uint32_t gainMapOffset);
// Joins a primary JPEG that holds a placeholder MPF payload (any values) with the gain-map JPEG:
// patches the MPF sizes/offsets and appends the gain map.
Result<std::vector<std::uint8_t>> assembleGainMapJpeg(std::vector<std::uint8_t> primary,
                                                      std::span<const std::uint8_t> gainMap);

} // namespace hdr::core
