#pragma once

// Gain-map encode and decode (Adobe Gain Map 1.0 = Ultra HDR 1.0 = ISO 21496-1 for an SDR base;
// ../shared/reference/hdr.md §2.3 and §2.4). All images are scene-linear float in ONE set of
// primaries (the caller converts first); 1.0 = SDR white.
//
// Decode, per channel c (a single-channel map drives all three):
//   r          = map sample in [0, 1], bilinearly upsampled to the base size (pixel centres aligned)
//   logRec     = r ^ (1 / gamma_c)
//   logBoost   = gainMapMin_c · (1 − logRec) + gainMapMax_c · logRec            (stops)
//   W          = clamp((H − HDRCapacityMin) / (HDRCapacityMax − HDRCapacityMin), 0, 1)
//                (1 − W for an HDR base; H = display headroom in stops, nullopt = full boost)
//   HDR        = (SDR + offsetSdr_c) · 2^(logBoost · W) − offsetHdr_c
//
// Encode (hdr.md §2.3 "Encode"), per map pixel (block average of scale x scale base pixels) and
// channel (or of luminance Y for a single-channel map):
//   gain       = log2((HDR + offsetHdr) / (SDR + offsetSdr))
//   r          = clamp((gain − gainMapMin) / (gainMapMax − gainMapMin), 0, 1) ^ gamma
// gainMapMin/Max default to the min/max gain found in the image; HDRCapacityMin = 0 and
// HDRCapacityMax = max(gainMapMax) (at least 0.001) unless given.
//
// Non-finite input: NaN samples count as 0; +Inf HDR is clamped to the largest float; negative HDR
// and SDR are clamped to 0 when encoding; gains are clipped to +-60 stops. Decode keeps negative SDR
// (out-of-gamut base colours) and lets an infinite SDR sample give an infinite HDR sample.

#include "common/Error.h"
#include "common/JobContext.h"
#include "gainmap/GainMapMetadata.h"
#include "image/Image.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace hdr::core {

// A gain map: encoded recovery values r in [0, 1] (after the map gamma, before 8-bit
// quantisation), interleaved, 1 or 3 channels, rows top to bottom.
struct GainMapImage {
    int width = 0;
    int height = 0;
    int channels = 1;
    std::vector<float> values;

    float at(int x, int y, int c) const
    {
        return values[(std::size_t(y) * std::size_t(width) + std::size_t(x)) * std::size_t(channels) +
                      std::size_t(c)];
    }
    bool valid() const
    {
        return width > 0 && height > 0 && (channels == 1 || channels == 3) &&
               values.size() == std::size_t(width) * std::size_t(height) * std::size_t(channels);
    }
};

// 8-bit samples (what a JPEG holds) <-> recovery values: r = v / 255, v = floor(r·255 + 0.5).
GainMapImage gainMapFromBytes(int width, int height, int channels, const std::uint8_t* samples);
std::vector<std::uint8_t> gainMapToBytes(const GainMapImage& map);
// Rounds every value to the nearest k/255 in place (what storing the map in 8 bits does).
void quantizeGainMap8(GainMapImage& map);

struct GainMapEncodeParams {
    int channels = 1;   // 1: one map from luminance; 3: one per channel
    int scale = 1;      // map size = ceil(base / scale); 1..128
    float gamma = 1.0f; // map gamma (> 0)
    float offsetSdr = 1.0f / 64;
    float offsetHdr = 1.0f / 64;
    std::optional<float> minContentBoostStops; // log2 min content boost; computed when unset
    std::optional<float> maxContentBoostStops; // log2 max content boost; computed when unset
    std::optional<float> hdrCapacityMin;       // default 0
    std::optional<float> hdrCapacityMax;       // default max(gainMapMax)

    Status validate() const;
};

struct EncodedGainMap {
    GainMapImage map;
    GainMapMetadata metadata;
};

// HDR and SDR: same size, same primaries (checked), 3 or 4 channels (alpha ignored).
Result<EncodedGainMap> encodeGainMap(const ImageF& hdr,
                                     const ImageF& sdr,
                                     const GainMapEncodeParams& params,
                                     JobContext& ctx = nullJobContext());

// Fast path: rows in parallel, bilinear weights precomputed per column. Output has the SDR's
// size, channels (alpha copied) and colour space; metadata.attributes gain "gainmap.*" entries.
Result<ImageF> applyGainMap(const ImageF& sdr,
                            const GainMapImage& map,
                            const GainMapMetadata& metadata,
                            std::optional<float> headroomStops,
                            JobContext& ctx = nullJobContext());

// Scalar reference of the same formula, one pixel at a time (tests compare the two).
ImageF applyGainMapReference(const ImageF& sdr,
                             const GainMapImage& map,
                             const GainMapMetadata& metadata,
                             std::optional<float> headroomStops);

} // namespace hdr::core
