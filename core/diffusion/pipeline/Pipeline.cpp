#include "diffusion/pipeline/Pipeline.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>

namespace hdr::diffusion {

using core::ErrorCode;
using core::throwError;

SdxlSizeConditioning SdxlSizeConditioning::forSize(int width, int height)
{
    return {height, width, 0, 0, height, width};
}

at::Tensor SdxlSizeConditioning::timeIds(int64_t batch) const
{
    std::vector<float> ids{float(originalHeight), float(originalWidth), float(cropTop), float(cropLeft)};
    if (aestheticScore) {
        ids.push_back(float(*aestheticScore));
    } else {
        ids.push_back(float(targetHeight));
        ids.push_back(float(targetWidth));
    }
    return at::tensor(ids, at::kFloat).unsqueeze(0).repeat({batch, 1});
}

int handoffStepIndex(const Scheduler& scheduler, double fraction)
{
    if (!(fraction > 0.0 && fraction < 1.0)) {
        throwError(ErrorCode::InvalidArgument, "the refiner hand-off must be a fraction between 0 and 1");
    }
    const double train = double(scheduler.config().numTrainTimesteps);
    const double cutoff = std::nearbyint(train - fraction * train); // Python round(): half to even
    const auto& timesteps = scheduler.timesteps();
    return int(std::count_if(timesteps.begin(), timesteps.end(), [&](double t) { return t >= cutoff; }));
}

std::vector<int64_t> latentShape(int64_t batch, int width, int height, int64_t latentChannels)
{
    if (width <= 0 || height <= 0 || width % 8 != 0 || height % 8 != 0) {
        throwError(ErrorCode::InvalidArgument,
                   "image size " + std::to_string(width) + "x" + std::to_string(height) +
                       " must be positive multiples of 8");
    }
    return {batch, latentChannels, height / 8, width / 8};
}

at::Tensor initialLatents(const Scheduler& scheduler, at::IntArrayRef shape, NoiseSource& noise)
{
    return noise.randn(shape, at::TensorOptions().dtype(at::kFloat)) * scheduler.initNoiseSigma();
}

int img2imgFirstStep(const Scheduler& scheduler, double strength)
{
    if (!(strength > 0.0 && strength <= 1.0)) {
        throwError(ErrorCode::InvalidArgument, "strength must be in (0, 1], got " + std::to_string(strength));
    }
    const int n = scheduler.numInferenceSteps();
    const int used = std::min(int(double(n) * strength), n);
    if (used < 1) {
        throwError(ErrorCode::InvalidArgument,
                   "strength " + std::to_string(strength) + " with " + std::to_string(n) +
                       " steps runs no step; raise the strength or the steps");
    }
    return n - used; // diffusers: t_start * scheduler.order, order 1 for every sampler here
}

at::Tensor prepareImg2ImgLatents(AutoencoderKLImpl& vae,
                                 const Scheduler& scheduler,
                                 const at::Tensor& imageNhwc01,
                                 int firstStepIndex,
                                 NoiseSource& noise)
{
    c10::InferenceMode guard;
    if (imageNhwc01.dim() != 4 || imageNhwc01.size(3) != 3) {
        throwError(ErrorCode::InvalidArgument, "img2img image must be [B, H, W, 3]");
    }
    at::Tensor image = imageNhwc01.to(at::kFloat).permute({0, 3, 1, 2}).contiguous() * 2.0 - 1.0;
    const int64_t f = vae.config().downscale();
    if (image.size(2) % f != 0 || image.size(3) % f != 0) {
        // diffusers' VaeImageProcessor: round each side down to a multiple of 8 and resize there
        // with torch's default (nearest) interpolation.
        const int64_t h = image.size(2) / f * f, w = image.size(3) / f * f;
        if (h == 0 || w == 0) {
            throwError(ErrorCode::InvalidArgument, "img2img images must be at least 8x8 pixels");
        }
        image = at::upsample_nearest2d(image, {h, w});
    }
    const LatentDist dist = vae.encode(image);
    const at::Tensor sampleNoise = noise.randn(dist.mean.sizes(), dist.mean.options());
    const at::Tensor z = dist.sample(sampleNoise) * vae.config().scalingFactor;
    const at::Tensor addNoise = noise.randn(z.sizes(), z.options());
    return scheduler.addNoise(z, addNoise, firstStepIndex);
}

namespace {

// Lets the tiled decode see the caller's Cancel without moving the caller's progress bar (the
// tiles report 0..1 of the decode, not of the whole job).
class CancelOnlyJob final : public core::JobContext {
public:
    explicit CancelOnlyJob(const core::JobContext* parent)
        : m_parent(parent)
    {
    }
    bool isCancelled() const override { return m_parent && m_parent->isCancelled(); }
    void setProgress(double, std::string_view) override {}

private:
    const core::JobContext* m_parent;
};

} // namespace

at::Tensor decodeLatents(AutoencoderKLImpl& vae,
                         const at::Tensor& latents,
                         const core::JobContext* job,
                         int64_t tileLatent)
{
    c10::InferenceMode guard;
    const at::Tensor z = latents.to(at::kFloat) / vae.config().scalingFactor;
    at::Tensor decoded;
    if (tileLatent > 0) {
        CancelOnlyJob cancelOnly(job);
        decoded = vae.decodeTiled(z, VaeTiling::withQuarterOverlap(tileLatent), cancelOnly);
    } else {
        decoded = vae.decode(z, job);
    }
    return (decoded.to(at::kFloat) / 2.0 + 0.5).clamp(0.0, 1.0).permute({0, 2, 3, 1}).contiguous();
}

at::Tensor denoise(UNet2DConditionModelImpl& unet,
                   Scheduler& scheduler,
                   at::Tensor latents,
                   const PromptEmbeddings& prompt,
                   const DenoiseOptions& options,
                   NoiseSource* noise,
                   core::JobContext& job)
{
    c10::InferenceMode guard;
    const auto& timesteps = scheduler.timesteps();
    const int first = options.firstStepIndex;
    const int end = options.endStepIndex < 0 ? int(timesteps.size())
                                             : std::min(options.endStepIndex, int(timesteps.size()));
    const int count = end - first;
    if (first < 0 || count < 1) {
        throwError(ErrorCode::InvalidArgument,
                   "first step index " + std::to_string(first) + " leaves no step of the " +
                       std::to_string(timesteps.size()) + "-step schedule");
    }
    const bool cfg = options.guidanceScale > 1.0;
    if (cfg && !prompt.uncond.defined()) {
        throwError(ErrorCode::InvalidArgument,
                   "guidance > 1 needs unconditional (negative) prompt embeddings");
    }
    const int64_t batch = latents.size(0);
    const auto modelDtype = unet.dtype();
    const auto toModel = [&](const at::Tensor& t) { return t.to(latents.device(), modelDtype); };
    const at::Tensor context = toModel(cfg ? at::cat({prompt.uncond, prompt.cond}) : prompt.cond);

    std::optional<AddedCond> added;
    if (unet.config().hasTextTime()) {
        if (!prompt.pooled.defined() || !options.sizeConditioning) {
            throwError(ErrorCode::InvalidArgument,
                       "an SDXL UNet needs pooled text embeddings and size conditioning (time ids)");
        }
        const at::Tensor ids = options.sizeConditioning->timeIds(batch);
        const at::Tensor negIds =
            options.negativeSizeConditioning ? options.negativeSizeConditioning->timeIds(batch) : ids;
        const at::Tensor uncondPooled =
            prompt.uncondPooled.defined() ? prompt.uncondPooled : at::zeros_like(prompt.pooled);
        added = AddedCond{toModel(cfg ? at::cat({uncondPooled, prompt.pooled}) : prompt.pooled),
                          toModel(cfg ? at::cat({negIds, ids}) : ids)};
    }

    for (int i = first; i < end; ++i) {
        core::throwIfCancelled(job);
        const at::Tensor input = scheduler.scaleModelInput(cfg ? at::cat({latents, latents}) : latents, i);
        const at::Tensor t = at::scalar_tensor(timesteps[i], at::TensorOptions().dtype(at::kFloat));
        at::Tensor eps = unet.forward(toModel(input), t, context, added ? &*added : nullptr).to(at::kFloat);
        if (options.onUnet) {
            options.onUnet(input, eps);
        }
        if (cfg) {
            const auto halves = eps.chunk(2);
            eps = halves[0] + options.guidanceScale * (halves[1] - halves[0]);
        }
        SchedulerStep out = scheduler.step(eps, i, latents, noise);
        latents = std::move(out.prevSample);
        const int done = i - first + 1;
        if (options.onStep) {
            options.onStep(StepProgress{done - 1, count, i, timesteps[i], &latents, &out.predOriginalSample});
        }
        job.setProgress(double(done) / count, "Denoising");
    }
    return latents;
}

namespace {

// Approximate latent -> sRGB([-1,1]) projections: each row is one latent channel's mean colour
// contribution through the VAE decoder (the linear preview of reference/diffusion.md §5.6).
constexpr float kSd15Rgb[4][3] = {{0.3512f, 0.2297f, 0.3227f},
                                  {0.3250f, 0.4974f, 0.2350f},
                                  {-0.2829f, 0.1762f, 0.2721f},
                                  {-0.2120f, -0.2616f, -0.7177f}};
constexpr float kSd15Bias[3] = {0.0f, 0.0f, 0.0f};
constexpr float kSdxlRgb[4][3] = {{0.3651f, 0.4232f, 0.4341f},
                                  {-0.2533f, -0.0042f, 0.1068f},
                                  {0.1076f, 0.1111f, -0.0362f},
                                  {-0.3165f, -0.2492f, -0.2188f}};
constexpr float kSdxlBias[3] = {0.1084f, -0.0175f, -0.0011f};

} // namespace

core::PreviewFrame latentPreview(const at::Tensor& latentsIn, LatentFormat format)
{
    c10::InferenceMode guard;
    at::Tensor latents = latentsIn.dim() == 4 ? latentsIn[0] : latentsIn;
    latents = latents.detach().to(at::kCPU, at::kFloat).contiguous();
    if (latents.dim() != 3 || latents.size(0) != 4) {
        throwError(ErrorCode::InvalidArgument, "latent preview needs 4-channel latents");
    }
    const auto& m = format == LatentFormat::SDXL ? kSdxlRgb : kSd15Rgb;
    const auto& bias = format == LatentFormat::SDXL ? kSdxlBias : kSd15Bias;
    const int h = int(latents.size(1)), w = int(latents.size(2));
    core::PreviewFrame frame;
    frame.width = w;
    frame.height = h;
    frame.rgb.resize(std::size_t(w) * h * 3);
    const float* src = latents.data_ptr<float>();
    const std::size_t plane = std::size_t(w) * h;
    for (std::size_t p = 0; p < plane; ++p) {
        for (int c = 0; c < 3; ++c) {
            float v = bias[c];
            for (int k = 0; k < 4; ++k) {
                v += m[k][c] * src[k * plane + p];
            }
            const float unit = std::clamp((v + 1.0f) * 0.5f, 0.0f, 1.0f);
            frame.rgb[p * 3 + c] = std::uint8_t(std::lround(unit * 255.0f));
        }
    }
    return frame;
}

} // namespace hdr::diffusion
