#pragma once

#include "common/Error.h"
#include "image/Image.h"

#include <optional>
#include <string>
#include <vector>

namespace hdr::core {

// Global tone-mapping operators: scene-linear Rec.709 RGB (after exposure) -> display-linear
// Rec.709 RGB in [0, 1] (encode with the display's transfer afterwards). Formulas and sources:
// ../shared/reference/hdr.md §3.1. L = 0.2126 R + 0.7152 G + 0.0722 B.
//
//   Clip         out = clamp(x, 0, 1)
//   Reinhard     luminance-based, extended: Ld = L (1 + L / Lw²) / (1 + L); RGB scaled by Ld / L
//                (Lw = whitePoint; Lw = +inf gives the simple L / (1 + L))
//   Drago        Ld = log(L/La + 1) / (log10(Lmax/La + 1) · log(2 + 8 (L/Lmax)^(ln b / ln 0.5))),
//                La = log-average luminance, Lmax = max luminance (from image statistics), bias b
//   AcesFitted   Hill's RRT+ODT fit: M_out · RRTAndODTFit(M_in · x), per channel, clamp
//   AgX          minimal AgX: inset matrix, log2 over [-12.47393, 4.026069] EV, polynomial
//                sigmoid, outset (inverse inset) matrix, gamma 2.2 undone to stay display-linear
//   PbrNeutral   Khronos PBR Neutral (start compression 0.76, desaturation 0.15)
//   Hable        Uncharted 2 filmic curve, exposure bias 2, white 11.2
//   LinearScale  out = clamp(x / peak, 0, 1) per channel; peak = image max or a luminance
//                percentile (GM-Diffusion linear_scale_tmo; OpenCV createTonemap without gamma)
//   MuLaw        out = log(1 + μ·x/peak) / log(1 + μ) per channel, μ = 5000 (Kalantari 2017)
//   Photographic Reinhard et al. 2002, global: Lm = (a / L̄) L, Ld = Lm (1 + Lm / Lw²) / (1 + Lm),
//                key a, L̄ = logAverageLuminance, Lw = whitePoint if set, else (a / L̄) Lmax (the
//                paper's "smallest luminance mapped to white"); RGB scaled by Ld / L.
// Image statistics (L̄, Lmax, percentile peak) come in through ToneMapStats so the viewer can
// compute them once per image and reuse them on every exposure change.
// Local operators (dodging & burning, Durand bilateral) are in hdr/LocalToneMap.h.
enum class ToneMapOperator {
    Clip,
    Reinhard,
    Drago,
    AcesFitted,
    AgX,
    PbrNeutral,
    Hable,
    LinearScale,
    MuLaw,
    Photographic
};

// "clip", "reinhard", "drago", "aces", "agx", "pbr-neutral", "hable", "linear", "mu-law", "photographic"
const char* nameOf(ToneMapOperator op);
const char* displayName(ToneMapOperator op); // "Clip", "Reinhard (extended)", ...
std::optional<ToneMapOperator> toneMapOperatorFromString(const std::string& name);
std::vector<ToneMapOperator> allToneMapOperators();

struct ToneMapParams {
    ToneMapOperator op = ToneMapOperator::Clip;
    float whitePoint = 1e30f;          // Reinhard: luminance that maps to white (default: none)
    float dragoBias = 0.85f;           // Drago bias b in [0.5, 1]
    float logAverageLuminance = 0.18f; // Drago: La of the image (after exposure)
    float maxLuminance = 1.0f;         // Drago/Photographic: Lmax of the image (after exposure)
    float peak = 0.0f;                 // LinearScale/MuLaw: value mapped to 1; 0 = maxLuminance
    float mu = 5000.0f;                // MuLaw: compression μ (> 0)
    float key = 0.18f;                 // Photographic: key value a (middle grey), > 0

    Status validate() const;
};

// Statistics of a scene-linear Rec.709 image that the global operators need (non-finite and
// non-positive pixels are left out). Luminance L = 0.2126 R + 0.7152 G + 0.0722 B.
struct ToneMapStats {
    float logAverageLuminance = 0.18f; // exp(mean(log(1e-6 + L))), as computeLuminanceStats
    float maxLuminance = 1.0f;
    float maxChannel = 1.0f;          // largest finite R, G or B
    float percentile = 99.0f;         // which percentile percentileLuminance holds
    float percentileLuminance = 1.0f; // L at `percentile` (exact order statistic)
};
ToneMapStats computeToneMapStats(const ImageF& image, float percentile = 99.0f);

// Where LinearScale / MuLaw take their peak from.
enum class PeakMode { MaxChannel, MaxLuminance, Percentile };
// Copies the statistics into params, scaled by an exposure factor 2^EV applied before the tone map.
void applyToneMapStats(ToneMapParams& params,
                       const ToneMapStats& stats,
                       float exposureScale = 1.0f,
                       PeakMode peakMode = PeakMode::MaxChannel);

// Scalar reference implementation: one pixel, in and out Rec.709 linear.
void toneMapPixel(const ToneMapParams& p, float& r, float& g, float& b);

// In place over interleaved pixels (3 or 4 channels; alpha untouched). Non-finite input maps to
// 0 (NaN) or white (+Inf); negative components clamp to 0 first.
void toneMapPixels(const ToneMapParams& p, float* pixels, std::size_t count, int channels);

} // namespace hdr::core
