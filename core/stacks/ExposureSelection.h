#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "hdr/ExposureFusion.h"
#include "image/Image.h"
#include "metrics/ImageMetrics.h"

#include <span>
#include <vector>

namespace hdr::core {

// Which two exposures of a bracket carry the picture? Brute force over all pairs (i < j): fuse
// the pair with Mertens (hdr/ExposureFusion.h) and score it against the Mertens fusion of the
// whole stack with a display-referred metric (SSIM by default, or PSNR; higher = closer), both
// clipped to [0, 1]. Inputs: display-encoded signal values in [0, 1] (e.g. sRGB JPEG code / 255),
// all the same size. The search runs on box-downscaled copies whose longer side is at most
// maxSize pixels (0 = full size); n images cost n(n − 1)/2 + 1 fusions.
// Source for the fusion and metric definitions: ../shared/reference/hdr.md §1.3, §3.4.
struct ExposureSelectionParams {
    Metric metric = Metric::Ssim; // Psnr or Ssim
    int maxSize = 512;
    MertensParams fusion;

    Status validate() const;
};

struct PairScore {
    int first = 0; // indices into the input stack, first < second
    int second = 0;
    double score = 0;
};

// All pairs, best first.
Result<std::vector<PairScore>> rankExposurePairs(std::span<const ImageF> displayEncoded,
                                                 const ExposureSelectionParams& params,
                                                 JobContext& ctx);

// Box-filter downscale by the integer factor that brings the longer side to <= maxSize.
ImageF downscaleToMaxSize(const ImageF& image, int maxSize);

} // namespace hdr::core
