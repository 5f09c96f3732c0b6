#pragma once

// Camera response curves for bracket merging (../shared/reference/hdr.md §1.1, §1.4, §1.7).
//
// A camera maps sensor-linear exposure X (1.0 = the sensor clips) to a display-encoded code
// value v = f(X) in [0, 1] (v = k / 255 for 8-bit files). Merging needs the INVERSE response
// g = f^-1: v -> X. We store it per channel as a table sampled on a fine, uniform grid of v
// (kResponseTableSize entries; entry i is v = i / (kResponseTableSize - 1)). The grid is 16x
// the 8-bit code grid, so an 8-bit code k lands exactly on entry 16 k, and 16-bit inputs are
// interpolated linearly between entries.
//
// Sources of curves:
//   srgb / gamma / linear   analytic: X = srgbDecode(v), v^γ, v. X(1) = 1.
//   Debevec & Malik 1997    recovered from a bracket: least squares on 256 log-response values
//                           g(z) and log irradiances of sampled pixels, ln g(z_ij) = ln E_i + ln t_j,
//                           with a second-derivative smoothness term of weight λ and the
//                           Debevec triangle weights, fixed by g(128) = 0 — the system OpenCV's
//                           CalibrateDebevec builds (samples on a regular grid, 70 by default,
//                           λ = 10). Solved with our own Householder QR (no new dependency).
//   Robertson et al. 2003   recovered iteratively as OpenCV's CalibrateRobertson does: merge with
//                           the current curve, set g(z) = mean of t_j · X_i over all samples
//                           with code z, normalise, repeat until the mean change < threshold.
// Recovered curves have an arbitrary scale; we fix it so that the middle code (128/255) maps to
// the sRGB value of that code (0.2158), which puts them on the scale of the analytic curves.
// Recovered curves are made non-decreasing (running maximum) because a merge divides by them.
//
// Weighting functions w(v) on the same grid (how much a code value is trusted):
//   hat       1 − |2v − 1|             (0 at black and at clipping; luminance-hdr "triangular")
//   gaussian  exp(−(v − 0.5)² / (2 · 0.2²)), minus its value at 0 and 1, scaled to peak 1
//   debevec   OpenCV's triangle on 8-bit codes, (z + 1) / 128 below 128 and (256 − z) / 128 from
//             it: never zero, so every pixel gets an estimate even when clipped everywhere.
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hdr::core {

inline constexpr int kResponseTableSize = 255 * 16 + 1;

enum class ResponseModel { Srgb, Gamma, Linear, Debevec, Robertson };
enum class MergeWeighting { Hat, Gaussian, Debevec };

const char* nameOf(ResponseModel m);  // "srgb", "gamma", "linear", "debevec", "robertson"
const char* nameOf(MergeWeighting w); // "hat", "gaussian", "debevec"
std::optional<MergeWeighting> mergeWeightingFromString(const std::string& name);

// Inverse response per channel (R, G, B): sensor-linear X for each grid value of v.
struct CameraResponse {
    ResponseModel model = ResponseModel::Srgb;
    std::array<std::vector<float>, 3> inverse;

    // X for a code value in [0, 1] (clamped), linear interpolation between grid entries.
    float toLinear(int channel, float v) const;
};

CameraResponse analyticResponse(ResponseModel model, float gamma = 2.2f);

// w(v) sampled on the response grid (kResponseTableSize entries, values in [0, 1]).
std::vector<float> weightTable(MergeWeighting weighting);
float weightOf(MergeWeighting weighting, float v); // the scalar formula (reference)

struct DebevecParams {
    int samples = 70;     // pixels sampled on a regular grid (OpenCV's default and layout)
    float lambda = 10.0f; // smoothness weight
    Status validate() const;
};

struct RobertsonParams {
    int maxIterations = 30;
    float threshold = 0.01f; // stop when the mean absolute change of the curve is below this
    Status validate() const;
};

// Recover the inverse response from a bracket: display-encoded images of the same size (values
// in [0, 1], quantised to 8-bit codes for the fit) and their relative exposures (linear factors).
Result<CameraResponse> calibrateDebevec(std::span<const ImageF> displayEncoded,
                                        std::span<const double> relativeExposure,
                                        const DebevecParams& params,
                                        JobContext& ctx);
Result<CameraResponse> calibrateRobertson(std::span<const ImageF> displayEncoded,
                                          std::span<const double> relativeExposure,
                                          const RobertsonParams& params,
                                          JobContext& ctx);

// Least squares min |A x − b| for a dense row-major m x n matrix (m >= n) by Householder QR.
// Exposed for tests. Fails if A is rank-deficient (a zero pivot).
Result<std::vector<double>> solveLeastSquares(std::vector<double> a, std::vector<double> b, int m, int n);

} // namespace hdr::core
