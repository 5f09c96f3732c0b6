#pragma once

// ISO 21496-1 gain-map metadata, binary form (../shared/reference/hdr.md §2.4), as carried in a
// JPEG APP2 segment after the "urn:iso:std:iso:ts:21496:-1\0" signature. Big-endian:
//   u16 minimum_version (must be 0), u16 writer_version,
//   [if more bytes follow:] u8 flags (bit 7 multi-channel, bit 6 use base colour space,
//   bit 3 common denominator, bit 2 backward direction = HDR base), then either
//   u32 denominator, u32 baseHdrHeadroom_n, u32 alternateHdrHeadroom_n,
//     per channel: s32 gainMapMin_n, s32 gainMapMax_n, u32 gamma_n, s32 baseOffset_n, s32 altOffset_n
//   or (no common denominator) each value as its own (numerator, u32 denominator) pair in the same
//   order. Headrooms, min/max are log2 (stops); 1 or 3 channels.
// Mapping to GainMapMetadata: hdrCapacityMin/Max = base/alternate headroom (swapped for an HDR
// base), offsetSdr = baseOffset, offsetHdr = alternateOffset.

#include "common/Error.h"
#include "gainmap/GainMapMetadata.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hdr::core {

constexpr std::string_view kIsoGainMapSignature{"urn:iso:std:iso:ts:21496:-1\0", 28};

// The 4-byte "version only" record that goes into the primary image.
std::vector<std::uint8_t> encodeIsoGainMapVersion();
// The full record (no common denominator; denominators chosen for ~1e-8 precision).
std::vector<std::uint8_t> encodeIsoGainMapMetadata(const GainMapMetadata& metadata);

struct IsoGainMapRecord {
    std::uint16_t minimumVersion = 0;
    std::uint16_t writerVersion = 0;
    std::optional<GainMapMetadata> metadata; // absent for a version-only record
};
// Parses the record (without the signature). CorruptData for truncated or impossible values
// (zero denominators), UnsupportedFormat for minimum_version != 0.
Result<IsoGainMapRecord> decodeIsoGainMapMetadata(std::span<const std::uint8_t> bytes);

} // namespace hdr::core
