#include "gmdiffusion/DualBranchSampler.h"

#include "diffusion/nets/AutoencoderKL.h"

#include <c10/core/InferenceMode.h>

namespace hdr::diffusion {

using core::ErrorCode;
using core::throwError;

namespace {

void checkFirstStep(const Scheduler& scheduler, int first)
{
    if (first < 0 || first >= int(scheduler.timesteps().size())) {
        throwError(ErrorCode::InvalidArgument,
                   "first step index " + std::to_string(first) + " leaves no step of the " +
                       std::to_string(scheduler.timesteps().size()) + "-step schedule");
    }
}

void checkGainMapUnet(const UNet2DConditionModelImpl& gmUnet)
{
    if (gmUnet.config().inChannels != 8) {
        throwError(ErrorCode::InvalidArgument,
                   "the gain-map UNet must take 8 input channels (a GM-Diffusion GM UNet), this one takes " +
                       std::to_string(gmUnet.config().inChannels));
    }
}

at::Tensor timestepTensor(double t)
{
    return at::scalar_tensor(t, at::TensorOptions().dtype(at::kFloat));
}

at::Tensor guided(const at::Tensor& eps, double scale)
{
    const auto halves = eps.chunk(2);
    return halves[0] + scale * (halves[1] - halves[0]);
}

} // namespace

DualBranchLatents denoiseDualBranch(UNet2DConditionModelImpl& sdrUnet,
                                    UNet2DConditionModelImpl& gmUnet,
                                    Scheduler& sdrScheduler,
                                    Scheduler& gmScheduler,
                                    at::Tensor sdrLatents,
                                    at::Tensor gmLatents,
                                    const PromptEmbeddings& prompt,
                                    const DualBranchOptions& options,
                                    NoiseSource* noise,
                                    core::JobContext& job)
{
    c10::InferenceMode guard;
    checkGainMapUnet(gmUnet);
    checkFirstStep(sdrScheduler, options.firstStepIndex);
    if (sdrScheduler.timesteps() != gmScheduler.timesteps()) {
        throwError(ErrorCode::Internal, "the SDR and gain-map schedulers must share one schedule");
    }
    const bool cfg = options.guidanceScale > 1.0;
    if (cfg && !prompt.uncond.defined()) {
        throwError(ErrorCode::InvalidArgument,
                   "guidance > 1 needs unconditional (negative) prompt embeddings");
    }
    const auto& timesteps = sdrScheduler.timesteps();
    const auto sdrDtype = sdrUnet.dtype(), gmDtype = gmUnet.dtype();
    const at::Tensor sdrContext =
        (cfg ? at::cat({prompt.uncond, prompt.cond}) : prompt.cond).to(sdrLatents.device(), sdrDtype);
    const at::Tensor gmContext = prompt.cond.to(sdrLatents.device(), gmDtype);
    const int first = options.firstStepIndex;
    const int count = int(timesteps.size()) - first;
    for (int i = first; i < int(timesteps.size()); ++i) {
        core::throwIfCancelled(job);
        const at::Tensor t = timestepTensor(timesteps[i]);
        DualBranchStep step;
        step.index = i;
        step.timestep = timesteps[i];
        step.sdrUnetInput =
            sdrScheduler.scaleModelInput(cfg ? at::cat({sdrLatents, sdrLatents}) : sdrLatents, i);
        at::Tensor eps = sdrUnet.forward(step.sdrUnetInput.to(sdrDtype), t, sdrContext).to(at::kFloat);
        step.sdrNoisePred = cfg ? guided(eps, options.guidanceScale) : eps;
        step.sdrX0 = sdrScheduler.predictOriginal(step.sdrNoisePred, i, sdrLatents);
        sdrLatents = sdrScheduler.step(step.sdrNoisePred, i, sdrLatents, noise).prevSample;

        step.gmUnetInput = at::cat({step.sdrX0, gmScheduler.scaleModelInput(gmLatents, i)}, 1);
        step.gmNoisePred = gmUnet.forward(step.gmUnetInput.to(gmDtype), t, gmContext).to(at::kFloat);
        gmLatents = gmScheduler.step(step.gmNoisePred, i, gmLatents, noise).prevSample;
        step.sdrLatents = sdrLatents;
        step.gmLatents = gmLatents;
        if (options.onStep) {
            options.onStep(step);
        }
        job.setProgress(double(i - first + 1) / count, "Denoising (SDR + gain map)");
    }
    return {sdrLatents, gmLatents};
}

at::Tensor denoiseGainMapFromSdr(UNet2DConditionModelImpl& gmUnet,
                                 Scheduler& scheduler,
                                 const at::Tensor& sdrLatent,
                                 at::Tensor gmLatents,
                                 const PromptEmbeddings& prompt,
                                 const DualBranchOptions& options,
                                 NoiseSource* noise,
                                 core::JobContext& job)
{
    c10::InferenceMode guard;
    checkGainMapUnet(gmUnet);
    checkFirstStep(scheduler, options.firstStepIndex);
    const bool cfg = options.guidanceScale > 1.0;
    if (cfg && !prompt.uncond.defined()) {
        throwError(ErrorCode::InvalidArgument,
                   "guidance > 1 needs unconditional (negative) prompt embeddings");
    }
    const auto& timesteps = scheduler.timesteps();
    const auto dtype = gmUnet.dtype();
    const at::Tensor context =
        (cfg ? at::cat({prompt.uncond, prompt.cond}) : prompt.cond).to(gmLatents.device(), dtype);
    const at::Tensor sdr = sdrLatent.to(gmLatents.device(), at::kFloat);
    const int first = options.firstStepIndex;
    const int count = int(timesteps.size()) - first;
    for (int i = first; i < int(timesteps.size()); ++i) {
        core::throwIfCancelled(job);
        DualBranchStep step;
        step.index = i;
        step.timestep = timesteps[i];
        const at::Tensor one = at::cat({sdr, scheduler.scaleModelInput(gmLatents, i)}, 1);
        step.gmUnetInput = cfg ? at::cat({one, one}) : one;
        const at::Tensor eps =
            gmUnet.forward(step.gmUnetInput.to(dtype), timestepTensor(timesteps[i]), context).to(at::kFloat);
        step.gmNoisePred = cfg ? guided(eps, options.guidanceScale) : eps;
        gmLatents = scheduler.step(step.gmNoisePred, i, gmLatents, noise).prevSample;
        step.gmLatents = gmLatents;
        if (options.onStep) {
            options.onStep(step);
        }
        job.setProgress(double(i - first + 1) / count, "Denoising (gain map)");
    }
    return gmLatents;
}

at::Tensor encodeSdrLatent(AutoencoderKLImpl& vae, const at::Tensor& imageNhwc01, NoiseSource& noise)
{
    c10::InferenceMode guard;
    if (imageNhwc01.dim() != 4 || imageNhwc01.size(3) != 3) {
        throwError(ErrorCode::InvalidArgument, "the SDR image must be [B, H, W, 3]");
    }
    const at::Tensor image = imageNhwc01.to(at::kFloat).permute({0, 3, 1, 2}).contiguous() * 2.0 - 1.0;
    const LatentDist dist = vae.encode(image.to(vae.dtype()));
    const at::Tensor sampleNoise = noise.randn(dist.mean.sizes(), dist.mean.options());
    return (dist.sample(sampleNoise) * vae.config().scalingFactor).to(at::kFloat);
}

} // namespace hdr::diffusion
