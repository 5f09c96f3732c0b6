#pragma once
// Exposure strategies for bracketed generation (docs/bracketed-generation.md): how a branch's
// latents are corrected after every remaining denoising step so that its decoded image looks like
// the same scene at another exposure. Latents are in UNet space (VAE latents * scaling factor),
// [N, C, h, w] float, one branch per batch entry; EVs are stops, one per branch.
//
//   Reference (vladmandic/sd-hdr, reference/diffusion.md §1.3): latent channel 0 of each branch
//     is re-centred so its spatial mean becomes EV_i / 2; with EV_i = exp * (i - (N-1)/2) this is
//     the tool's exp * (i - (N-1)/2) / 2 (for 3 brackets and exp 1: -0.5, 0, +0.5). The middle
//     branch is re-centred to 0 as well, exactly as the tool does.
//   Calibrated (ours): the VAE is asked, once per run, what an exposure change does to the latent:
//     the threshold image is re-exposed in linear light (x 2^EV_i, clipped like a sensor, sRGB
//     encoded again) and encoded; offset_i = channel means of that encoding minus those of the
//     unchanged image (all 4 channels, clipping included, no linearity assumed). After each step
//     every branch's channel means are set to (mean over the branches) + offset_i - mean_j offset_j,
//     so the branches keep their relative exposure while the common drift of the denoiser stays.
#include "bracketed/BracketSettings.h"

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

class AutoencoderKLImpl;

// Reference strategy, in place: latents[i, 0] += EV_i / 2 - mean(latents[i, 0]).
void applyReferenceStrategy(at::Tensor& latents, const std::vector<double>& evs);

// Calibrated strategy offsets: [N, C] float, UNet latent space, per branch and channel.
// imageNhwc01: the threshold image, [1, H, W, 3] sRGB in [0, 1]; it is reduced to at most
// `maxSide` pixels first (channel means need no detail and the encoder is the cost).
at::Tensor calibrateExposureOffsets(AutoencoderKLImpl& vae,
                                    const at::Tensor& imageNhwc01,
                                    const std::vector<double>& evs,
                                    int maxSide = 256);
// Calibrated strategy, in place: per branch and channel, mean := mean over branches + offset_i
// - mean_j offset_j.
void applyCalibratedStrategy(at::Tensor& latents, const at::Tensor& offsets);

// sRGB <-> linear on tensors (IEC 61966-2-1 piecewise curve).
at::Tensor srgbToLinear(const at::Tensor& encoded);
at::Tensor linearToSrgb(const at::Tensor& linear);

} // namespace hdr::diffusion
