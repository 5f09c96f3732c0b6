#pragma once

#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hdr::itm {

// The LDR -> HDR network (ItmNetwork.h): a residual encoder-decoder, two stride-2 levels (so
// inputs are padded to multiples of 4), dilated residual blocks at quarter resolution and a
// global branch (the mean of the quarter-resolution features, 1x1 conv, added back).
//   in    x = linear LDR in [0, 1]; features see x^(1/2.2)
//   out   y = Softplus(a(x) + Softplus⁻¹(x)) · exp(g(x)) · scale_hdr   (≥ 0, unbounded; the head's
//         six channels are the additive a and the log gain g, both 0 at init, so an untrained
//         network is the inverse-gamma expansion)
struct ItmNetConfig {
    int baseChannels = 16;               // full resolution; 2× at half and quarter resolution
    std::vector<int> dilations{1, 2, 4}; // one residual block each at quarter resolution

    core::Status validate() const;
    nlohmann::json toJson() const;
    static core::Result<ItmNetConfig> fromJson(const nlohmann::json& j);
};

// What the trainer and inference share about a model (checkpoint metadata "model").
struct ItmModelMeta {
    ItmNetConfig net;
    int tile = 256;         // inference tile (px, multiple of 4)
    int overlap = 32;       // inference tile overlap (px)
    float scaleHdr = 1.0f;  // targets are divided by this for training; outputs multiplied back
    float alphaLoss = 0.5f; // hybrid loss weight: α·L1 + (1 − α)·L1(log1p)

    core::Status validate() const;
    nlohmann::json toJson() const; // {"architecture": "itm-resunet", "net", tile, overlap, ...}
    static core::Result<ItmModelMeta> fromJson(const nlohmann::json& j);
};

// Training data: pairs from ldr/ + hdr/ folders (matched by file stem), and pairs synthesised
// from HDR files (LdrSynthesis.h).
struct ItmDataOptions {
    std::filesystem::path pairsDir;                        // holds ldr/ and hdr/
    std::vector<std::filesystem::path> hdrFiles;           // synthesise LDR inputs from these
    std::vector<std::filesystem::path> validationHdrFiles; // synthesised validation frames
    int minSize = 1024;               // skip images whose shorter side is smaller (0: keep all)
    int maxSize = 0;                  // box-downscale so the longer side is at most this (0: keep)
    int synthVariants = 4;            // LDR variants (curve, exposure, JPEG) per HDR file
    bool srgbCameraOnly = false;      // synthesise with the sRGB curve only (what 8-bit files declare)
    double validationFraction = 0.15; // of the pairs, when no validation files are given
    int tile = 64;                    // training tile (px, multiple of 4)
    int batchSize = 8;
    int batchesPerEpoch = 50;
    float scaleJitter = 1.0f; // crop (tile · s) px, s in [1, jitter], resized to the tile
    std::uint64_t seed = 1;

    core::Status validate() const;
    nlohmann::json toJson() const;
};

} // namespace hdr::itm
