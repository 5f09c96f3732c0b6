#pragma once

// Gain-map metadata shared by the Adobe Gain Map 1.0 / Ultra HDR 1.0 XMP (hdrgm namespace) and
// ISO 21496-1 (binary APP2 record). Field meanings and the decode formula:
// ../shared/reference/hdr.md §2.2 (hdrgm fields), §2.3 (formula), §2.4 (ISO mapping).
//
// All "log2" fields are in stops (log2 of a linear ratio). Offsets are in linear light relative
// to SDR white (1.0). Arrays are per channel R, G, B; a single-channel map uses index 0 for all.

#include "common/Error.h"

#include <array>
#include <optional>
#include <string>

namespace hdr::core {

struct GainMapMetadata {
    std::array<float, 3> gainMapMin{0.0f, 0.0f, 0.0f}; // log2(min content boost), hdrgm:GainMapMin
    std::array<float, 3> gainMapMax{1.0f, 1.0f, 1.0f}; // log2(max content boost), hdrgm:GainMapMax
    std::array<float, 3> gamma{1.0f, 1.0f, 1.0f};      // map gamma (> 0), hdrgm:Gamma
    std::array<float, 3> offsetSdr{1.0f / 64, 1.0f / 64, 1.0f / 64}; // k_sdr, hdrgm:OffsetSDR
    std::array<float, 3> offsetHdr{1.0f / 64, 1.0f / 64, 1.0f / 64}; // k_hdr, hdrgm:OffsetHDR
    float hdrCapacityMin = 0.0f;   // log2 display boost where the map starts to apply (ISO baseHdrHeadroom)
    float hdrCapacityMax = 1.0f;   // log2 display boost where it applies fully (ISO alternateHdrHeadroom)
    bool baseIsHdr = false;        // hdrgm:BaseRenditionIsHDR (Ultra HDR JPEG requires false)
    bool useBaseColorSpace = true; // ISO 21496-1: apply the map in the base image's colour space

    // True when all per-channel values are equal (written as scalars / a single-channel ISO record).
    bool isSingleChannel() const;
    // Checks domains: finite values, min <= max, gamma > 0, offsets >= 0, capacityMax > capacityMin
    // (or equal), capacityMin >= 0. The message names the field.
    Status validate() const;
    // "GainMapMax 6.64 (x100.0), HDRCapacity 0..6.64, ..." for `info` and logs.
    std::string summary() const;
    bool operator==(const GainMapMetadata&) const = default;
};

// The weight W with which the map is applied on a display with `headroomStops` = log2(HDR white /
// SDR white) of headroom (ISO 21496-1 / Adobe, hdr.md §2.3 and §2.4):
//   W = clamp((headroomStops - hdrCapacityMin) / (hdrCapacityMax - hdrCapacityMin), 0, 1),
//   W = 1 - W when baseIsHdr. Equal capacities: W = 1 at or above the capacity, else 0.
// std::nullopt means "full boost" (W = 1 for an SDR base, 0 for an HDR base).
float gainMapWeight(const GainMapMetadata& metadata, std::optional<float> headroomStops);

} // namespace hdr::core
