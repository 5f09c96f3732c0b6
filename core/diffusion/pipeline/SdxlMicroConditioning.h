#pragma once
// SDXL micro-conditioning as the user states it (diffusers' original_size, crops_coords_top_left,
// target_size, their negative_* variants and the refiner's aesthetic scores) resolved into the
// add_time_ids of the conditional and unconditional passes, following the defaulting rules of the
// diffusers pipeline that would run the same job (reference/diffusion.md §5.1; oracle gotchas 7, 22).
// Sizes are pixels, (height, width) like diffusers; crops (top, left).
#include "diffusion/pipeline/Pipeline.h"

#include <array>
#include <optional>

namespace hdr::diffusion {

struct SdxlMicroConditioning {
    std::optional<std::array<int, 2>> originalSize; // (h, w); default: the image size
    std::optional<std::array<int, 2>> cropTopLeft;  // (top, left); default (0, 0)
    std::optional<std::array<int, 2>> targetSize;   // (h, w); default: the image size
    std::optional<std::array<int, 2>> negativeOriginalSize;
    std::optional<std::array<int, 2>> negativeCropTopLeft;
    std::optional<std::array<int, 2>> negativeTargetSize;
    double aestheticScore = 6.0;         // refiner only (requires_aesthetics_score)
    double negativeAestheticScore = 2.5; // refiner only
};

// Which diffusers pipeline's rules apply. They differ: text-to-image uses the negative sizes only
// when both negative_original_size and negative_target_size are given; image-to-image defaults
// them to the positive ones and, without aesthetic scores, always takes the positive crop.
enum class SdxlPipelineKind { TextToImage, ImageToImage };

struct ResolvedSdxlConditioning {
    SdxlSizeConditioning positive;
    SdxlSizeConditioning negative;
};

ResolvedSdxlConditioning resolveSdxlConditioning(const SdxlMicroConditioning& request,
                                                 int imageWidth,
                                                 int imageHeight,
                                                 SdxlPipelineKind kind,
                                                 bool aestheticScores);

} // namespace hdr::diffusion
