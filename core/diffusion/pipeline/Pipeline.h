#pragma once
// The Stable Diffusion sampling loop (txt2img and img2img) on already-loaded networks, matching
// diffusers v0.30.3's StableDiffusion(XL)(Img2Img)Pipeline __call__ numerically (oracle README
// gotchas 6, 7, 13-15). Text encoding is done beforehand (PromptEmbeddings), so this layer has no
// tokenizer or model-file dependency; GenerateRequest.h is the torch-free entry point that
// loads a model and runs all of it.
//
// Latents are in UNet space (VAE latents * scaling factor), float32 [B, 4, H/8, W/8]; images are
// display-referred sRGB values in [0, 1], NHWC float32.
#include "common/JobContext.h"
#include "diffusion/nets/AutoencoderKL.h"
#include "diffusion/nets/UNet2DConditionModel.h"
#include "diffusion/sampling/Scheduler.h"

#include <functional>
#include <optional>

namespace hdr::diffusion {

// Text conditioning of one batch (already repeated per image: batch B).
struct PromptEmbeddings {
    at::Tensor cond;         // [B, 77, C]
    at::Tensor uncond;       // [B, 77, C]; required when guidance > 1
    at::Tensor pooled;       // SDXL: [B, P] (text_encoder_2 text_embeds)
    at::Tensor uncondPooled; // SDXL
};

// SDXL micro-conditioning in pixels: add_time_ids = (orig_h, orig_w, crop_top, crop_left,
// target_h, target_w), height first (gotcha 7; reference/diffusion.md §5.1). The SDXL refiner
// replaces the target size by an aesthetic score: (orig_h, orig_w, crop_top, crop_left, score)
// (oracle gotcha 22).
struct SdxlSizeConditioning {
    int originalHeight = 1024;
    int originalWidth = 1024;
    int cropTop = 0;
    int cropLeft = 0;
    int targetHeight = 1024;
    int targetWidth = 1024;
    std::optional<double> aestheticScore; // set: the refiner's 5 ids

    static SdxlSizeConditioning forSize(int width, int height);
    at::Tensor timeIds(int64_t batch) const; // [B, 6] float32, or [B, 5] with an aesthetic score
};

struct StepProgress {
    int step = 0;          // 0-based among the steps this run takes
    int stepCount = 0;     // steps this run takes (fewer than the schedule for img2img)
    int scheduleIndex = 0; // index into scheduler.timesteps()
    double timestep = 0.0;
    const at::Tensor* latents = nullptr;     // after this step
    const at::Tensor* predictedX0 = nullptr; // the scheduler's x0 estimate (may be undefined)
};
using StepCallback = std::function<void(const StepProgress&)>;

struct DenoiseOptions {
    double guidanceScale = 7.5; // <= 1: no unconditional pass (gotcha 6)
    int firstStepIndex = 0;     // img2img starts later in the schedule
    int endStepIndex = -1;      // exclusive; -1: to the end (an SDXL base hands off to the refiner earlier)
    std::optional<SdxlSizeConditioning> sizeConditioning;         // SDXL (required by its UNet)
    std::optional<SdxlSizeConditioning> negativeSizeConditioning; // SDXL, default = sizeConditioning
    StepCallback onStep;
    // Diagnostics (oracle): when set, receives every UNet input/output.
    std::function<void(const at::Tensor& unetInput, const at::Tensor& unetOutput)> onUnet;
};

// Runs the scheduler from options.firstStepIndex to options.endStepIndex on `latents` (already scaled:
// txt2img noise * initNoiseSigma, img2img prepareImg2ImgLatents). Polls `job` every step
// (throws HdrError Cancelled) and reports progress. `noise` feeds stochastic samplers.
at::Tensor denoise(UNet2DConditionModelImpl& unet,
                   Scheduler& scheduler,
                   at::Tensor latents,
                   const PromptEmbeddings& prompt,
                   const DenoiseOptions& options,
                   NoiseSource* noise,
                   core::JobContext& job);

// SDXL base -> refiner (diffusers denoising_end = denoising_start = fraction): the schedule index
// where the refiner takes over. The base runs the timesteps >= round(T - fraction * T) (T the
// training steps), the refiner the rest of the same schedule from the base's latents
// (oracle sdxl_refiner_handoff).
int handoffStepIndex(const Scheduler& scheduler, double fraction);

// Latent shape for an image size (multiples of 8 required).
std::vector<int64_t> latentShape(int64_t batch, int width, int height, int64_t latentChannels = 4);

// txt2img start: N(0,1) noise of latentShape drawn from `noise`, times initNoiseSigma().
at::Tensor initialLatents(const Scheduler& scheduler, at::IntArrayRef shape, NoiseSource& noise);

// img2img: index of the first schedule step for `strength` (last int(N*strength) steps run).
int img2imgFirstStep(const Scheduler& scheduler, double strength);
// img2img start: z = VAE latent_dist sample (noise drawn first) * scaling factor, then
// scheduler.addNoise(z, noise, firstStep) (noise drawn second); gotcha 15.
// imageNhwc01: [B, H, W, 3] float in [0, 1] (H, W multiples of 8).
at::Tensor prepareImg2ImgLatents(AutoencoderKLImpl& vae,
                                 const Scheduler& scheduler,
                                 const at::Tensor& imageNhwc01,
                                 int firstStepIndex,
                                 NoiseSource& noise);

// Final latents -> [B, H, W, 3] float sRGB in [0, 1]: clamp(decode(latents/sf)/2 + 0.5, 0, 1).
// tileLatent > 0: tiled decode (tiles of that many latent pixels, overlapping by a quarter, seams
// blended): the memory peak of one tile instead of the whole image (SDXL 1024x1024 fp32: 8.4 GB
// in one piece), at the price of slightly different pixels near the seams.
at::Tensor decodeLatents(AutoencoderKLImpl& vae,
                         const at::Tensor& latents,
                         const core::JobContext* job = nullptr,
                         int64_t tileLatent = 0);

// Cheap preview: a fixed linear latent -> sRGB projection (no VAE), 1/8 of the image size.
enum class LatentFormat { SD15, SDXL };
core::PreviewFrame latentPreview(const at::Tensor& latents /*[4,h,w] or [B,4,h,w] (first)*/,
                                 LatentFormat format);

} // namespace hdr::diffusion
