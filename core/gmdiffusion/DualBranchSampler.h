#pragma once
// Internal, libtorch: the sampling loops of GM-Diffusion ("HDR Image Generation via Gain Map
// Decomposed Diffusion", ICCV 2025; code github Guanys-dar/GM-Diffusion, pipelines
// stable_diffusion_dual_unet.py and the SDR->HDR pipeline of scripts/inference/generate_hdr.py),
// matching its numbers (oracle kinds gm_txt2hdr, gm_sdr2hdr; ../shared/oracle/README.md batch 2,
// gotchas 17-18; ../shared/reference/diffusion.md §4.1).
//
// Text to HDR, per step i at timestep t:
//   1. SDR UNet with classifier-free guidance on [uncond, cond] x scale(x_t): eps = u + g (c - u)
//   2. x0 = the SDR scheduler's estimate from eps at t (Scheduler::predictOriginal), taken BEFORE
//      the SDR step: (x_t - sqrt(1 - acp_t) eps) / sqrt(acp_t) for DDPM-family schedulers
//   3. x_{t-1} = SDR scheduler step
//   4. GM UNet on cat([x0, scale(gm_t)]) (channels 0-3 the clean SDR estimate, 4-7 the noisy gain
//      map latent), same t, the conditional text embedding only: no CFG on this branch
//   5. gm_{t-1} = the GM branch's own scheduler step (a separate instance: multistep solvers keep
//      their own history)
// The GM latents start as a copy of the SDR initial noise. Stochastic schedulers draw the SDR
// branch's noise first, then the GM branch's, from one noise source (as diffusers shares one
// generator).
//
// Generalisation beyond the research code (documented in docs/gainmap-diffusion.md, tested in
// tst_gmdiffusion_sampling): the research pipeline indexes alphas_cumprod with t, so it runs only on
// integer-timestep alpha schedulers (DDPM, DDIM, PNDM). Here x0 comes from the scheduler itself,
// and the GM latents are scaled like the SDR input, so sigma-space samplers (Euler family, whose
// samples are x0 + sigma eps) and VP multistep solvers condition the GM UNet on the same clean x0
// and the same VP-scaled noisy gain map the research code builds; on DDPM both agree exactly.
//
// SDR to HDR: only the GM branch runs, on cat([sdr_latent, scale(gm_t)]) with classifier-free
// guidance over the GM UNet ([uncond, cond]), conditioned on the VAE encoding of the SDR image.
#include "common/JobContext.h"
#include "diffusion/nets/UNet2DConditionModel.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/sampling/Scheduler.h"

#include <functional>

namespace hdr::diffusion {

// What one step computed, for previews and the oracle.
struct DualBranchStep {
    int index = 0; // schedule index
    double timestep = 0.0;
    at::Tensor sdrUnetInput, sdrNoisePred; // CFG batch input; guided eps  (text to HDR only)
    at::Tensor sdrX0, sdrLatents;          // x0 estimate before the step; x_{t-1} (text to HDR only)
    at::Tensor gmUnetInput, gmNoisePred, gmLatents;
};

struct DualBranchOptions {
    double guidanceScale = 7.5; // > 1: CFG on the SDR branch (text to HDR) or the GM branch (SDR to HDR)
    int firstStepIndex = 0;
    std::function<void(const DualBranchStep&)> onStep;
};

struct DualBranchLatents {
    at::Tensor sdr, gm; // UNet latent space, [B, 4, h, w] float32
};

DualBranchLatents denoiseDualBranch(UNet2DConditionModelImpl& sdrUnet,
                                    UNet2DConditionModelImpl& gmUnet,
                                    Scheduler& sdrScheduler,
                                    Scheduler& gmScheduler,
                                    at::Tensor sdrLatents,
                                    at::Tensor gmLatents,
                                    const PromptEmbeddings& prompt,
                                    const DualBranchOptions& options,
                                    NoiseSource* noise,
                                    core::JobContext& job);

// sdrLatent: the clean SDR latent (VAE posterior sample * scaling factor), fixed for every step.
at::Tensor denoiseGainMapFromSdr(UNet2DConditionModelImpl& gmUnet,
                                 Scheduler& scheduler,
                                 const at::Tensor& sdrLatent,
                                 at::Tensor gmLatents,
                                 const PromptEmbeddings& prompt,
                                 const DualBranchOptions& options,
                                 NoiseSource* noise,
                                 core::JobContext& job);

// SDR image (NHWC display sRGB in [0, 1]) -> the clean latent the SDR->HDR pipeline conditions on:
// (posterior mean + std * noise) * scaling factor, as generate_hdr.py's latent_dist.sample().
at::Tensor encodeSdrLatent(AutoencoderKLImpl& vae, const at::Tensor& imageNhwc01, NoiseSource& noise);

} // namespace hdr::diffusion
