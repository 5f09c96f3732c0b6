#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"
#include "itm/ItmConfig.h"

#include <string>
#include <vector>

namespace hdr::itm {

struct ItmPair {
    std::string name;       // file stem (+ "#v" for synthesised variants)
    core::ImageF ldrLinear; // RGB, sRGB-decoded LDR in [0, 1]
    core::ImageF hdr;       // RGB, scene-linear, same size
};

struct ItmDataset {
    std::vector<ItmPair> train;
    std::vector<ItmPair> validation;
    std::vector<std::string> skipped; // "name: reason" (size rule, size mismatch, unreadable)
};

// Loads the training data of `options`:
//  - pairsDir/ldr/* and pairsDir/hdr/* matched by file stem (any readable formats; LDR files
//    decoded to linear through their transfer function, as core/io reads them); pairs whose sizes
//    differ are skipped with a reason;
//  - `synthVariants` synthesised pairs per HDR file (LdrSynthesis.h), seeded by file and variant;
//  - the size rule: an image whose shorter side is below minSize is skipped (reported); images
//    larger than maxSize (longer side) are box-downscaled first.
// Validation: the synthesised pairs of validationHdrFiles, or else every k-th pair by name so that
// about validationFraction of them are held out (never the only pair).
core::Result<ItmDataset> loadItmDataset(const ItmDataOptions& options, core::JobContext& ctx);

// Display rendering for previews and viz: v = log(1 + x) / log(1 + peak), clamped to [0, 1],
// returned as the linear value whose sRGB encoding is v (what PNG writers expect).
core::ImageF logToneMap(const core::ImageF& hdr, float peak);

// Side by side: input | prediction | truth, each tone mapped with the truth's peak.
core::ImageF
vizTriptych(const core::ImageF& input, const core::ImageF& prediction, const core::ImageF& truth);

} // namespace hdr::itm
