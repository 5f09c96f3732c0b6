#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <vector>

namespace hdr::core {

// Local (spatially varying) tone-mapping operators. Input: scene-linear Rec.709 RGB(A), any
// relative scale (exposure already applied). Output: display-linear Rec.709 RGB in [0, 1] with
// the input's channel count (alpha copied); encode with sRGB or a gamma afterwards, as for the
// global operators in hdr/ToneMap.h. L = 0.2126 R + 0.7152 G + 0.0722 B; colour is carried by
// the ratios: out = (RGB / L)^saturation · Ld. NaN pixels become black, +Inf white.
// Formulas and sources: ../shared/reference/hdr.md §3.1 (and §1.5 for the pfstmo defaults).
//
// Reinhard, Stark, Shirley, Ferwerda 2002 "Photographic tone reproduction", dodging & burning:
//   Lm = (a / L̄) L, L̄ = exp(mean(log(1e-6 + L)))
//   V1(s) = Lm ⊗ Gaussian(σ = α1 s / √2), V2(s) = Lm ⊗ Gaussian(σ = α2 s / √2),
//   α1 = 1 / (2√2), α2 = 1.6 α1; scales s_i = lowestScale · 1.6^i, i < scales
//   V(s) = (V1 − V2) / (2^φ a / s² + V1); s_m = largest s with |V(s)| < ε (for every smaller s too)
//   Ld = Lm / (1 + V1(s_m))
//   Paper defaults a = 0.18, φ = 8, ε = 0.05, 8 scales from 1 px (pfstmo_reinhard02: φ = 1, 1..43).
//
// Durand & Dorsey 2002 "Fast bilateral filtering for the display of HDR images":
//   B = bilateral(log10 L; σ_s px, σ_r in log10 units), D = log10 L − B
//   log10 Ld = (B − max B) · log10(baseContrast) / (max B − min B) + D     (max base -> 1.0)
//   Defaults σ_s = 40 px, σ_r = 0.4, baseContrast = 5 (pfstmo_durand02). The fast path is a
//   bilateral grid (Paris & Durand 2006: cells of σ_s × σ_s × σ_r, Gaussian blur of one cell,
//   trilinear slicing); the reference is the brute-force bilateral filter (small images only).

struct PhotographicLocalParams {
    float key = 0.18f;          // a
    float phi = 8.0f;           // sharpening φ
    float epsilon = 0.05f;      // threshold ε on |V|
    int scales = 8;             // number of centre-surround scales
    float lowestScale = 1.0f;   // s_1 in pixels
    float saturation = 1.0f;    // colour exponent on RGB / L
    bool referenceBlur = false; // exact Gaussian convolution instead of the 3-box approximation

    Status validate() const;
};

struct DurandParams {
    float sigmaSpatial = 40.0f; // σ_s in pixels
    float sigmaRange = 0.4f;    // σ_r in log10 luminance
    float baseContrast = 5.0f;  // contrast ratio the base layer is compressed to
    float saturation = 1.0f;    // colour exponent on RGB / L
    bool reference = false;     // brute-force bilateral (O(N σ_s²); refused over 1 megapixel)

    Status validate() const;
};

Result<ImageF>
toneMapPhotographicLocal(const ImageF& image, const PhotographicLocalParams& params, JobContext& ctx);
Result<ImageF> toneMapDurand(const ImageF& image, const DurandParams& params, JobContext& ctx);

// Separable Gaussian blur of a single-channel float plane (clamp-to-edge borders), exposed for
// the metrics and tests. `exact` = truncated kernel at 4σ; otherwise three box passes whose
// variance matches σ² (Wells 1986), O(1) per pixel whatever σ.
void gaussianBlurPlane(std::vector<float>& plane, int width, int height, float sigma, bool exact);

} // namespace hdr::core
