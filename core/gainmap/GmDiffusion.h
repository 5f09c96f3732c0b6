#pragma once

// The gain map of GM-Diffusion ("HDR Image Generation via Gain Map Decomposed Diffusion",
// Guan et al., ICCV 2025), as its code implements Eq. (1) (../shared/reference/hdr.md §2.7):
//
//   SDR_lin = clamp(SDR, 0, 1)^2.2                  (SDR = display-encoded sample in [0, 1])
//   HDR     = clamp((SDR_lin + ε) · (1 + GM · qmax) − ε, 0, qmax + 1),   ε = 1/64, per channel
//   inverse: GM = clamp(((HDR + ε) / (SDR_lin + ε) − 1) / qmax, 0, 1)
// GM itself is not clamped (gm_diffusion/stage1/tone_mapping.py::apply_gm_to_sdr; oracle kind
// gm_tone_mapping); the experiments' numpy copy leaves out the final clamp (unclamped variant).
//
// qmax: 9 (paper default, peak = 10x SDR white), 49 (stage-1 validation), 99 (inference).
// Its tone mappers (HDR -> [0, 1] display-linear; the same file):
//   hard clip     clamp(HDR, 0, 1)
//   linear scale  HDR / (qmax + 1)                                   (not clamped)
//   μ-log         clamp(log1p(μ · HDR / (qmax + 1)) / log1p(μ), 0, 1),  μ = 500 (random μ ∈
//                 [500, 5000] in the augmentation variant)
//   tmo_cuda      log1p(5000 · x) / log1p(5000), x = clamp(HDR / 10, 0, 1)   (ignores qmax)
//   gamut         clamp(M · rgb, 0, 1), M = BT.2020 -> BT.709 (gamut_compress)
//
// Conversion into a standard (Adobe / ISO 21496-1) gain map, exact at full headroom:
//   (SDR_lin + ε)(1 + GM·qmax) − ε = (SDR_lin + k_sdr) · 2^(Gmin + (Gmax − Gmin) · r^(1/γ)) − k_hdr
// holds for every GM with k_sdr = k_hdr = ε, Gmin = 0, Gmax = log2(1 + qmax), γ = 1 and
//   r = log2(1 + GM · qmax) / log2(1 + qmax),
// provided the reader linearises the base with the same pure 2.2 power (we tag the base JPEG with
// a gamma-2.2 ICC profile). γ = 1 spaces the 8-bit levels uniformly in log2 gain, which minimises
// the worst relative error after quantisation: |ΔHDR| / (HDR + ε) ≤ 2^(Gmax / 510) − 1
// (0.45 % for qmax 9, 0.77 % for 49, 0.91 % for 99). HDRCapacityMin = 0, HDRCapacityMax = Gmax.

#include "common/Error.h"
#include "gainmap/GainMapMath.h"
#include "image/Image.h"

namespace hdr::core {

struct GmDiffusionParams {
    float qmax = 9.0f;
    static constexpr float kEpsilon = 1.0f / 64.0f;
    static constexpr float kSdrGamma = 2.2f;
    // qmax must be a positive finite number (the paper uses 9, 49 or 99).
    Status validate() const;
};

// Scalar formulas (one sample). NaN SDR or GM samples count as 0.
float gmDiffusionHdr(float sdrEncoded, float gm, float qmax);
float gmDiffusionHdrUnclamped(float sdrEncoded, float gm, float qmax);
float gmDiffusionGain(float hdr, float sdrEncoded, float qmax);
float gmHardClip(float hdr);
float gmLinearScale(float hdr, float qmax);
float gmMuLog(float hdr, float qmax, float mu = 500.0f);
float gmTmoCuda(float hdr);
// BT.2020 -> BT.709 with GM-Diffusion's matrix, clamped to [0, 1]; rgb in place.
void gmGamutCompress(float* rgb);

enum class GmToneMapper { HardClip, LinearScale, MuLog };

// Images: `sdrEncoded` holds display-encoded values in [0, 1] (as read from the 8-bit PNG,
// NOT linearised), `gm` the map in [0, 1]; both RGB, same size. Output HDR is linear Rec.709
// (the paper's SDR is sRGB/BT.709), 1.0 = SDR white.
Result<ImageF> gmDiffusionToHdr(const ImageF& sdrEncoded, const ImageF& gm, const GmDiffusionParams& params);
Result<ImageF> hdrToGmDiffusion(const ImageF& hdr, const ImageF& sdrEncoded, const GmDiffusionParams& params);
ImageF gmToneMap(const ImageF& hdr, GmToneMapper mapper, const GmDiffusionParams& params);

// The exact standard gain map + metadata for a GM-Diffusion SDR + map (see the header comment):
// r = log2((HDR + ε) / (SDR_lin + ε)) / log2(1 + qmax) of the clamped Eq. (1), which is
// log2(1 + GM·qmax) / log2(1 + qmax) wherever the clamp does not bite. The map keeps full float
// precision (quantise with quantizeGainMap8 to store it in 8 bits).
Result<EncodedGainMap>
gmDiffusionToStandard(const ImageF& sdrEncoded, const ImageF& gm, const GmDiffusionParams& params);
// The base image that goes with it: SDR_lin = clamp(SDR, 0, 1)^2.2, as scene-linear Rec.709.
ImageF gmDiffusionLinearBase(const ImageF& sdrEncoded);

} // namespace hdr::core
