#pragma once

// Merging an LDR exposure bracket into one scene-linear HDR image (Debevec & Malik 1997 style
// weighted average; ../shared/reference/hdr.md §1.1, §1.4, §1.7).
//
// Inputs: display-encoded code values v in [0, 1] (an 8-bit file gives k / 255; see
// hdr/DisplaySignal.h), all the same size, RGB or RGBA (alpha ignored), plus each image's
// RELATIVE EXPOSURE e_k, a linear factor (2^EV, or t · ISO / N² normalised). Per pixel and
// channel c:
//
//     X_k   = g_c(v_kc)              inverse camera response (hdr/CameraResponse.h)
//     R_c   = Σ_k w(v_kc) · X_k / e_k  /  Σ_k w(v_kc)
//
// Exposures in which ANY channel of the pixel is at or above `saturationLevel` are left out of
// that pixel (a clipped channel also bends the others in a camera's processing). Where no
// exposure is left (or all weights are 0, e.g. black everywhere) the pixel takes its value from
// the best available exposure: the shortest one when the pixel is bright in the reference
// image (code >= 0.5: a lower bound of the true radiance), the longest one otherwise.
//
// Output units: R is the linear value an exposure of relative factor 1 would have recorded,
// i.e. with e_ref = 1 the output equals g(v_ref) wherever the reference image was well exposed
// (1.0 = that exposure's clipping level, for the analytic responses). Rec.709 primaries (the
// inputs' colour space is copied), 3 channels. Units are relative: scale by 1/e_ref to move them.
//
// Deghosting (optional): per pixel, an "anchor" exposure is chosen — the reference image, or the
// exposure nearest to it in exposure that is neither clipped nor black there — and every other
// exposure whose radiance (channel mean) differs from the anchor's by more than
// `ghostThresholdStops` plus both samples' quantisation noise (in stops, from the response's
// slope at their codes) is dropped from that pixel. A moving object then appears as it was in
// the anchor exposure instead of as a translucent double.
#include "common/Error.h"
#include "common/JobContext.h"
#include "hdr/CameraResponse.h"
#include "image/Image.h"

#include <span>

namespace hdr::core {

struct MergeParams {
    CameraResponse response = analyticResponse(ResponseModel::Srgb);
    MergeWeighting weighting = MergeWeighting::Hat;
    float saturationLevel = 0.98f; // code value at which an exposure counts as clipped
    float blackLevel = 0.02f;      // below this (all channels) an exposure cannot anchor deghosting
    int referenceIndex = -1;       // -1: the image whose exposure is closest to 1
    bool deghost = false;
    float ghostThresholdStops = 0.5f;

    Status validate() const;
};

// Index of the reference image: params.referenceIndex, or the exposure nearest to 1 (log scale).
int mergeReferenceIndex(std::span<const double> relativeExposure, int referenceIndex);

// Fast path: multithreaded over rows, table lookups.
Result<ImageF> mergeBrackets(std::span<const ImageF> displayEncoded,
                             std::span<const double> relativeExposure,
                             const MergeParams& params,
                             JobContext& ctx);

// Scalar reference of the same equations (one pixel at a time, double sums, weightOf()); for tests.
Result<ImageF> mergeBracketsReference(std::span<const ImageF> displayEncoded,
                                      std::span<const double> relativeExposure,
                                      const MergeParams& params);

} // namespace hdr::core
