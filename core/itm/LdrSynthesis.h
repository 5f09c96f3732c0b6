#pragma once

#include "common/Error.h"
#include "image/Image.h"

#include <cstdint>

namespace hdr::itm {

// One training pair made from an HDR image (scene-linear, relative units), as a camera would
// have recorded it (core/stacks SyntheticBrackets does the camera; ../shared/reference/hdr.md
// §1.7 has the recipe):
//   exposure  EV such that the luminance percentile p (random in [0.90, 0.995]) lands at code
//             value 1 − u, u random in [0, 0.15], so the brightest part of the frame clips
//   curve     one of `curves` at random: sRGB, gamma γ ∈ [1.8, 2.6], the film (ACES fit) S-curve
//   quantise  8-bit, and a JPEG round trip at quality 70-95 for half of the variants
//   input     the 8-bit code values decoded with the sRGB transfer (what `itm` does to any LDR file)
//   target    2^EV · scene: HDR in the input's units (1.0 = the LDR's white)
struct SynthesisedPair {
    core::ImageF ldrLinear; // RGB, [0, 1]
    core::ImageF hdr;       // RGB, ≥ 0
    float ev = 0;
    std::string recipe; // "film ev=-1.23 jpeg=85" (for logs)
};

enum class CameraCurves { All, SrgbOnly };

core::Result<SynthesisedPair>
synthesisePair(const core::ImageF& scene, std::uint64_t seed, CameraCurves curves = CameraCurves::All);

// The baseline `itm` must beat: the LDR's sRGB-decoded values taken as the HDR.
core::ImageF inverseGammaExpansion(const core::ImageF& ldrLinear);

} // namespace hdr::itm
