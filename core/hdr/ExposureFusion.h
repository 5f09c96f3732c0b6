#pragma once

// Mertens–Kautz–Van Reeth exposure fusion ("Exposure Fusion", Pacific Graphics 2007), computed
// the way OpenCV's MergeMertens does it (../shared/reference/hdr.md §1.3, §1.4), so that
// results agree with cv::createMergeMertens(wc, ws, we) at the same weights.
//
// Inputs are DISPLAY-REFERRED signal values in [0, 1]: an sRGB-encoded 8/16-bit photo decoded to
// float without linearisation (OpenCV feeds img / 255). All inputs have the same size; RGB or
// RGBA (alpha is ignored). Per image k and pixel p, with I = (R, G, B):
//
//   contrast    C = |∇²Y| with Y = 0.299 R + 0.587 G + 0.114 B and the 3x3 Laplacian
//                   [0 1 0; 1 −4 1; 0 1 0] (borders reflect without repeating the edge)
//   saturation  S = sqrt(Σ_c (I_c − μ)²), μ = (R + G + B) / 3     (OpenCV's form of "std dev")
//   exposedness E = Π_c exp(−(I_c − 0.5)² / (2σ²)), σ = exposednessSigma (0.2 → 2σ² = 0.08)
//   weight      W_k = C^wc · S^ws · E^we + 1e-12, then Ŵ_k = W_k / Σ_j W_j   (the 1e-12 keeps
//               flat, fully clipped regions defined: they get equal weights)
//   blend       R = collapse( Σ_k Laplacian(I_k)_l · Gaussian(Ŵ_k)_l ) over pyramid levels l
//               (LaplacianPyramid.h; levels = ⌊log2(min(w, h))⌋ + 1 unless params.levels > 0)
//
// Note: OpenCV runs COLOR_RGB2GRAY on images that imread() returned in BGR order, so its luma
// swaps the R and B coefficients; we use the coefficients on real RGB (our OpenCV comparisons
// hand it RGB-ordered images, where both agree).
//
// Output: display-referred float RGB in the inputs' encoding (not scene-linear, whatever the
// ImageF type suggests; colorSpace is copied from the first input). Laplacian blending can
// overshoot: values may leave [0, 1] slightly (−0.09…1.39 measured on synthetic brackets), so
// clip before quantising. Defaults are the paper's (1, 1, 1); OpenCV's own defaults are
// (contrast 1, saturation 1, exposedness 0) and enfuse's (0, 0.2, 1).

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <span>
#include <vector>

namespace hdr::core {

struct MertensParams {
    float contrastWeight = 1, saturationWeight = 1, exposednessWeight = 1;
    float exposednessSigma = 0.2f;
    int levels = 0; // 0 = chosen by size (OpenCV's count); otherwise at most that many levels
    Status validate() const;
};

// Fast path: multithreaded, planar float pyramids, fused up-sample/blend passes.
Result<ImageF>
fuseMertens(std::span<const ImageF> displayEncoded, const MertensParams& params, JobContext& ctx);

// Scalar reference implementation of the same equations: whole-image steps in the order of the
// paper, std::exp/std::pow, pyramids through pyrDownReference/pyrUpReference. Slow; for tests.
Result<ImageF> fuseMertensReference(std::span<const ImageF> displayEncoded, const MertensParams& params);

// Un-normalised weight map W_k of one image (row-major width x height), fast path.
// Exposed for tests and for a "show weights" view.
std::vector<float> mertensWeights(const ImageF& displayEncoded, const MertensParams& params);
std::vector<float> mertensWeightsReference(const ImageF& displayEncoded, const MertensParams& params);

} // namespace hdr::core
