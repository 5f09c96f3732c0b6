#pragma once

#include "common/Error.h"
#include "image/Image.h"

#include <optional>
#include <string>
#include <vector>

namespace hdr::core {

// Full-reference image-quality metrics. Sources: ../shared/reference/hdr.md §3.4 (metrics),
// §3.1 (μ-law), §0. Both images must have the same size; colour is R, G, B (alpha ignored);
// luminance is L = 0.2126 R + 0.7152 G + 0.0722 B of whatever values are given. Non-finite
// samples are refused (a NaN would silently poison the mean).
//
// Display-referred metrics (PSNR, SSIM) take signal values in [0, 1] (e.g. sRGB-encoded 8-bit
// code / 255): PSNR = 10 log10(peak² / MSE) over all R, G, B samples, peak 1 by default
// (= cv2.PSNR on 8-bit data with 255). Identical images give +inf.
// SSIM (Wang, Bovik, Sheikh, Simoncelli 2004): 11×11 Gaussian window σ = 1.5 (normalised),
// K1 = 0.01, K2 = 0.03, dynamic range L; mean of the SSIM map over the "valid" region (windows
// fully inside the image, as Wang's reference ssim_index.m). Identical images give 1.
//
// HDR metrics take scene-linear values (relative: 1.0 = diffuse / SDR white):
//   log-PSNR   v = (log10(max(x / peak_ref, 1e-4)) + 4) / 4, PSNR with peak 1 (4 decades below the
//              reference's brightest channel value map to [0, 1]).
//   μ-PSNR     v = log(1 + μ x / peak_ref) / log(1 + μ), μ = 5000 (Kalantari & Ramamoorthi 2017),
//              x clamped to [0, peak_ref]; PSNR with peak 1. peak_ref = the reference's max value.
//   PU21-PSNR  PU21 encoding (Mantiuk & Azimi 2021, "banding_glare" parameters) of absolute
//   PU21-SSIM  luminance Y = x · whiteNits cd/m², clamped to [0.005, 10000]:
//              V = p7 (((p1 + p2 Y^p4) / (1 + p3 Y^p4))^p5 − p6), per channel; PSNR with peak 256
//              and SSIM (on the encoded luminance) with L = 256, as gfxdisp/pu21 pu21_metric.
//              whiteNits defaults to 100: relative 1.0 = 100 cd/m², the peak of PU21's SDR display
//              range (PU 0-256 ≈ 0.1-100 cd/m²).
enum class Metric { Psnr, Ssim, LogPsnr, MuLawPsnr, Pu21Psnr, Pu21Ssim };

const char* nameOf(Metric m); // "psnr", "ssim", "log-psnr", "mulaw-psnr", "pu21-psnr", "pu21-ssim"
std::optional<Metric> metricFromString(const std::string& name);
std::vector<Metric> allMetrics();
bool isHdrMetric(Metric m); // true for the scene-linear metrics

struct MetricOptions {
    float psnrPeak = 1.0f;        // PSNR signal peak for display-referred input
    float ssimRange = 1.0f;       // SSIM dynamic range L for display-referred input
    bool ssimOnLuminance = true;  // false: mean of per-channel SSIM
    float muLaw = 5000.0f;        // μ
    float pu21WhiteNits = 100.0f; // cd/m² of relative 1.0
    std::optional<float> hdrPeak; // peak_ref override for log/μ-law (default: reference max)

    Status validate() const;
};

// PSNR in dB of `test` against `reference` (+inf when identical).
Result<double> psnr(const ImageF& test, const ImageF& reference, float peak = 1.0f);
// Mean SSIM (1 = identical).
Result<double> ssim(const ImageF& test, const ImageF& reference, float range = 1.0f, bool onLuminance = true);
// Any metric by name, with the HDR encodings applied first.
Result<double>
computeMetric(Metric metric, const ImageF& test, const ImageF& reference, const MetricOptions& options = {});

// Encodings the HDR metrics use (exposed for tests and plots).
float pu21Encode(float luminanceNits); // banding_glare parameter set
float muLawEncode(float normalised, float mu);

// SSIM map (valid region, (w − 10) × (h − 10)) of two single-channel planes.
std::vector<float>
ssimMap(const std::vector<float>& a, const std::vector<float>& b, int width, int height, float range);

} // namespace hdr::core
