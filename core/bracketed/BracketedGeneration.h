#pragma once
// Exposure-bracketed generation on loaded networks (issue 6; docs/bracketed-generation.md).
// The denoising loop runs once up to a threshold, the latents there are kept, and N branches
// (one per exposure) continue from them as ONE batch through the UNet (batch N, 2N with CFG), or
// one branch at a time when asked (memory). After every remaining step the exposure strategy
// (BracketStrategy.h) corrects each branch. Cost in UNet sample evaluations (without CFG):
// base + N * branch steps = (1 - t) S + N t S at threshold fraction t.
//
// Scheduler state: every sampler keeps its history as tensors of the sample's batch; at the
// branch point the history has batch 1 and broadcasts against the batch-N sample, which is
// exactly what N clones of the state would compute; from then on the history has batch N.
// Stochastic samplers draw their noise per step; by default one draw is shared by all branches
// (sd-hdr re-seeds every pass, and shared noise keeps the branches' details aligned for the
// merge); sharedBranchNoise = false draws independent noise per branch from the same generator.
//
// Latents: UNet space, float32 [B, 4, H/8, W/8]; images: sRGB display values in [0, 1], NHWC.
#include "bracketed/BracketStrategy.h"
#include "diffusion/pipeline/Pipeline.h"

#include <functional>

namespace hdr::diffusion {

struct BracketedOptions {
    std::vector<double> evs{-1.0, 0.0, 1.0}; // nominal stops per branch, ascending
    BracketStrategy strategy = BracketStrategy::Reference;
    int branchStartIndex = 0; // schedule index of the first branch step
    double guidanceScale = 7.0;
    int firstStepIndex = 0;                                       // img2img
    std::optional<SdxlSizeConditioning> sizeConditioning;         // SDXL
    std::optional<SdxlSizeConditioning> negativeSizeConditioning; // SDXL; default = sizeConditioning
    bool sequentialBranches = false;                              // UNet one branch at a time (less memory)
    bool sharedBranchNoise = true;
    bool previews = true;      // publish latent previews to the job
    int64_t vaeTileLatent = 0; // tiled decode of the branches (decodeLatents); 0 = one piece
    // Called after each branch is decoded (UI strip): branch index, [1, H, W, 3] sRGB in [0, 1].
    std::function<void(int branch, const at::Tensor& image)> onBranchDecoded;
    // Called once at the threshold with the base latents (tests, debug output).
    std::function<void(const at::Tensor& latents)> onThreshold;
};

// First schedule index whose timestep is below `timestep` (sd-hdr: branches run t < 200),
// clamped to [firstStep, steps].
int branchStartForTimestep(const Scheduler& scheduler, double timestep, int firstStep);
// Branches take round(fraction * steps in this run) of the run's steps.
int branchStartForFraction(const Scheduler& scheduler, double fraction, int firstStep);

struct BracketedLatents {
    at::Tensor thresholdLatents;   // [1, ...] base latents at the branch point
    at::Tensor thresholdImage;     // [1, H, W, 3] decode of the base x0 estimate there (calibration)
    at::Tensor calibrationOffsets; // [N, C] (calibrated strategy)
    at::Tensor branchLatents;      // [N, ...] final
    at::Tensor images;             // [N, H, W, 3] sRGB in [0, 1]
    int baseSteps = 0;
    int branchSteps = 0;
    int unetCalls = 0;            // forward() calls
    std::int64_t unetSamples = 0; // samples through the UNet (CFG counts 2 per image)
    double unetSeconds = 0.0;     // time spent in UNet forward()
    double totalSeconds = 0.0;
};

// initial: [1, ...] txt2img noise * initNoiseSigma or prepareImg2ImgLatents; prompt: batch 1.
// Throws HdrError (Cancelled when the job is cancelled).
BracketedLatents generateBrackets(UNet2DConditionModelImpl& unet,
                                  AutoencoderKLImpl& vae,
                                  Scheduler& scheduler,
                                  const at::Tensor& initial,
                                  const PromptEmbeddings& prompt,
                                  const BracketedOptions& options,
                                  NoiseSource* noise,
                                  core::JobContext& job);

} // namespace hdr::diffusion
