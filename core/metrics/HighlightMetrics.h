#pragma once
// No-reference HDR highlight metrics FHLP and EHL (Guo et al., "Learning a Practical SDR-to-HDRTV
// Up-conversion using New Dataset and Degradation Models", CVPR 2023; as implemented in HDRTVDM
// metrics/HDRdegreeAssessment.m; ../shared/reference/diffusion.md §4.1), the metrics GM-Diffusion's
// README names for generated HDR.
//
// The image is scene-linear, relative (1.0 = diffuse / SDR white). It is shown on a display whose
// diffuse white is `diffuseWhiteNits` and whose peak is `peakNits` (the reference's defaults 100
// and 1000): x = value · diffuseWhiteNits / peakNits, clamped to [0, 1] (the display's range; the
// reference takes input already normalised to it), per R, G, B sample. With DW = diffuseWhite /
// peak:
//   FHLP = (number of samples with x >= DW) / (number of samples)      fraction of highlights
//   EHL  = mean(x − min(x, DW)) / (1 − DW)                                extent of highlights
// Higher means more / stronger highlights; an SDR image (x <= DW everywhere but at white) has
// EHL 0. Non-finite samples are refused.
#include "common/Error.h"
#include "image/Image.h"

namespace hdr::core {

struct HighlightMetricOptions {
    float diffuseWhiteNits = 100.0f;
    float peakNits = 1000.0f;
    Status validate() const; // 0 < diffuse white < peak
};

struct HighlightMetrics {
    double fhlp = 0.0;
    double ehl = 0.0;
};

Result<HighlightMetrics> highlightMetrics(const ImageF& sceneLinear,
                                          const HighlightMetricOptions& options = {});

} // namespace hdr::core
