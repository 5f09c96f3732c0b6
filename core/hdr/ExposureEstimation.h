#pragma once
// Relative exposure of the images of a bracket, estimated from the pixels themselves: for
// generated brackets (exposure-bracketed diffusion) and for photos without EXIF. The exposure
// ratio of two images is the median of their luminance ratios over pixels that are well exposed
// in both (neither near black, where noise and quantisation dominate, nor near clipping):
//     EV(b) - EV(a) = median_p log2(Y_b(p) / Y_a(p)),   lo <= Y_a(p), Y_b(p) <= hi
// The median ignores the minority of pixels the response curve or a generator changed
// non-proportionally. Adjacent images are compared and the differences chained, so images
// that share well-exposed pixels only with their neighbours (wide brackets) still work.
// See ../shared/reference/hdr.md §1 (merge needs relative exposures).
#include "common/Error.h"
#include "image/Image.h"

#include <span>
#include <vector>

namespace hdr::core {

struct ExposureEstimationParams {
    // Well-exposed window in scene-linear luminance of the (linearised) input: sRGB-encoded
    // 0.1 .. 0.9 by default (0.0100 .. 0.7874 linear).
    float lowLinear = 0.0100f;
    float highLinear = 0.7874f;
    int referenceIndex = -1;           // image whose EV is 0; -1 = the middle image
    std::int64_t minPixels = 64;       // shared well-exposed pixels needed between neighbours
    std::int64_t maxSamples = 1 << 20; // a regular subsample of larger images (speed)

    Status validate() const;
};

struct ExposureEstimate {
    std::vector<double> ev;           // per image, stops relative to the reference image
    std::vector<std::int64_t> pixels; // per neighbour pair (i, i+1): pixels the median used
    std::vector<double> spread;       // per pair: interquartile range of the log2 ratios (stops)
};

// `linear` are linear-light images of the same size (decode display-referred brackets with
// their transfer function first). Fails with a message naming the pair that shares too few
// well-exposed pixels.
Result<ExposureEstimate> estimateRelativeExposures(std::span<const ImageF> linear,
                                                   const ExposureEstimationParams& params = {});

} // namespace hdr::core
