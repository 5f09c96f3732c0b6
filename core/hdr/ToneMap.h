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
enum class ToneMapOperator { Clip, Reinhard, Drago, AcesFitted, AgX, PbrNeutral, Hable };

const char* nameOf(ToneMapOperator op); // "clip", "reinhard", "drago", "aces", "agx", "pbr-neutral", "hable"
const char* displayName(ToneMapOperator op); // "Clip", "Reinhard (extended)", ...
std::optional<ToneMapOperator> toneMapOperatorFromString(const std::string& name);
std::vector<ToneMapOperator> allToneMapOperators();

struct ToneMapParams {
    ToneMapOperator op = ToneMapOperator::Clip;
    float whitePoint = 1e30f;          // Reinhard: luminance that maps to white (default: none)
    float dragoBias = 0.85f;           // Drago bias b in [0.5, 1]
    float logAverageLuminance = 0.18f; // Drago: La of the image (after exposure)
    float maxLuminance = 1.0f;         // Drago: Lmax of the image (after exposure)

    Status validate() const;
};

// Scalar reference implementation: one pixel, in and out Rec.709 linear.
void toneMapPixel(const ToneMapParams& p, float& r, float& g, float& b);

// In place over interleaved pixels (3 or 4 channels; alpha untouched). Non-finite input maps to
// 0 (NaN) or white (+Inf); negative components clamp to 0 first.
void toneMapPixels(const ToneMapParams& p, float* pixels, std::size_t count, int channels);

} // namespace hdr::core
