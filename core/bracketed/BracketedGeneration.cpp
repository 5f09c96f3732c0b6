#include "bracketed/BracketedGeneration.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

namespace hdr::diffusion {

using core::ErrorCode;
using core::throwError;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Draws noise for one branch-shaped sample and repeats it over the batch (all branches get the
// same ancestral noise), or passes through (independent noise per branch).
class SharedBranchNoise final : public NoiseSource {
public:
    explicit SharedBranchNoise(NoiseSource* inner)
        : m_inner(inner)
    {
    }
    at::Tensor randn(at::IntArrayRef shape, const at::TensorOptions& options) override
    {
        std::vector<int64_t> one(shape.begin(), shape.end());
        if (!one.empty()) {
            one[0] = 1;
        }
        return m_inner->randn(one, options).expand(shape).contiguous();
    }

private:
    NoiseSource* m_inner;
};

// Text/time conditioning of the batch, repeated for any micro-batch size.
struct Conditioning {
    at::Tensor cond, uncond;           // [1, L, C] in the UNet dtype
    at::Tensor pooled, uncondPooled;   // SDXL [1, P]
    at::Tensor timeIds, uncondTimeIds; // SDXL [1, 6]
    bool cfg = false;
};

class StepRunner {
public:
    StepRunner(UNet2DConditionModelImpl& unet,
               Scheduler& scheduler,
               Conditioning conditioning,
               double guidance,
               BracketedLatents& stats)
        : m_unet(unet)
        , m_scheduler(scheduler)
        , m_cond(std::move(conditioning))
        , m_guidance(guidance)
        , m_stats(stats)
    {
    }

    // One step at schedule index i on latents [B, ...], UNet in chunks of `microBatch` images.
    SchedulerStep step(const at::Tensor& latents, int i, int64_t microBatch, NoiseSource* noise)
    {
        const int64_t batch = latents.size(0);
        std::vector<at::Tensor> eps;
        for (int64_t start = 0; start < batch; start += microBatch) {
            eps.push_back(evaluate(latents.slice(0, start, std::min(batch, start + microBatch)), i));
        }
        const at::Tensor modelOutput = eps.size() == 1 ? eps.front() : at::cat(eps);
        return m_scheduler.step(modelOutput, i, latents, noise);
    }

private:
    at::Tensor evaluate(const at::Tensor& x, int i)
    {
        const int64_t m = x.size(0);
        const auto dtype = m_unet.dtype();
        const auto rep = [&](const at::Tensor& t) { return t.expand({m, -1}).contiguous(); };
        const auto rep3 = [&](const at::Tensor& t) { return t.expand({m, -1, -1}).contiguous(); };
        const at::Tensor input = m_scheduler.scaleModelInput(m_cond.cfg ? at::cat({x, x}) : x, i);
        const at::Tensor context =
            m_cond.cfg ? at::cat({rep3(m_cond.uncond), rep3(m_cond.cond)}) : rep3(m_cond.cond);
        std::optional<AddedCond> added;
        if (m_cond.pooled.defined()) {
            const at::Tensor ids = rep(m_cond.timeIds);
            added = AddedCond{m_cond.cfg ? at::cat({rep(m_cond.uncondPooled), rep(m_cond.pooled)})
                                         : rep(m_cond.pooled),
                              m_cond.cfg ? at::cat({rep(m_cond.uncondTimeIds), ids}) : ids};
        }
        const at::Tensor t =
            at::scalar_tensor(m_scheduler.timesteps()[i], at::TensorOptions().dtype(at::kFloat));
        const auto start = Clock::now();
        at::Tensor out =
            m_unet.forward(input.to(x.device(), dtype), t, context, added ? &*added : nullptr).to(at::kFloat);
        m_stats.unetSeconds += secondsSince(start);
        m_stats.unetCalls += 1;
        m_stats.unetSamples += input.size(0);
        if (m_cond.cfg) {
            const auto halves = out.chunk(2);
            out = halves[0] + m_guidance * (halves[1] - halves[0]);
        }
        return out;
    }

    UNet2DConditionModelImpl& m_unet;
    Scheduler& m_scheduler;
    Conditioning m_cond;
    double m_guidance;
    BracketedLatents& m_stats;
};

Conditioning makeConditioning(UNet2DConditionModelImpl& unet,
                              const PromptEmbeddings& prompt,
                              const BracketedOptions& options,
                              const at::Device& device)
{
    Conditioning c;
    c.cfg = options.guidanceScale > 1.0;
    if (prompt.cond.size(0) != 1) {
        throwError(ErrorCode::InvalidArgument, "bracketed generation takes one prompt at a time");
    }
    if (c.cfg && !prompt.uncond.defined()) {
        throwError(ErrorCode::InvalidArgument,
                   "guidance > 1 needs unconditional (negative) prompt embeddings");
    }
    const auto toModel = [&](const at::Tensor& t) { return t.to(device, unet.dtype()); };
    c.cond = toModel(prompt.cond);
    if (c.cfg) {
        c.uncond = toModel(prompt.uncond);
    }
    if (unet.config().hasTextTime()) {
        if (!prompt.pooled.defined() || !options.sizeConditioning) {
            throwError(ErrorCode::InvalidArgument,
                       "an SDXL UNet needs pooled text embeddings and size conditioning (time ids)");
        }
        c.pooled = toModel(prompt.pooled);
        c.uncondPooled =
            toModel(prompt.uncondPooled.defined() ? prompt.uncondPooled : at::zeros_like(prompt.pooled));
        c.timeIds = toModel(options.sizeConditioning->timeIds(1));
        c.uncondTimeIds =
            toModel(options.negativeSizeConditioning.value_or(*options.sizeConditioning).timeIds(1));
    }
    return c;
}

} // namespace

int branchStartForTimestep(const Scheduler& scheduler, double timestep, int firstStep)
{
    const auto& ts = scheduler.timesteps();
    int index = firstStep;
    while (index < int(ts.size()) && ts[index] >= timestep) {
        ++index;
    }
    return index;
}

int branchStartForFraction(const Scheduler& scheduler, double fraction, int firstStep)
{
    if (!(fraction >= 0.0 && fraction <= 1.0)) {
        throwError(ErrorCode::InvalidArgument, "the branch fraction must be in [0, 1]");
    }
    const int total = int(scheduler.timesteps().size());
    const int branch = int(std::lround(fraction * double(total - firstStep)));
    return total - branch;
}

BracketedLatents generateBrackets(UNet2DConditionModelImpl& unet,
                                  AutoencoderKLImpl& vae,
                                  Scheduler& scheduler,
                                  const at::Tensor& initial,
                                  const PromptEmbeddings& prompt,
                                  const BracketedOptions& options,
                                  NoiseSource* noise,
                                  core::JobContext& job)
{
    c10::InferenceMode guard;
    const auto startTime = Clock::now();
    const int total = int(scheduler.timesteps().size());
    const int first = options.firstStepIndex;
    const int branchStart = std::clamp(options.branchStartIndex, first, total);
    const int64_t n = int64_t(options.evs.size());
    if (n < 1) {
        throwError(ErrorCode::InvalidArgument, "bracketed generation needs at least one exposure");
    }
    if (first < 0 || first >= total) {
        throwError(ErrorCode::InvalidArgument,
                   "first step index " + std::to_string(first) + " leaves no step");
    }
    if (initial.dim() != 4 || initial.size(0) != 1) {
        throwError(ErrorCode::InvalidArgument, "bracketed generation starts from one latent [1, C, h, w]");
    }
    BracketedLatents result;
    result.baseSteps = branchStart - first;
    result.branchSteps = total - branchStart;
    StepRunner runner(unet,
                      scheduler,
                      makeConditioning(unet, prompt, options, initial.device()),
                      options.guidanceScale,
                      result);
    const LatentFormat format = unet.config().hasTextTime() ? LatentFormat::SDXL : LatentFormat::SD15;

    // Progress in UNet image evaluations, plus one unit per decode.
    const double work = double(result.baseSteps + n * result.branchSteps + n + 1);
    double done = 0.0;
    const auto progress = [&](double units, const std::string& stage) {
        done += units;
        job.setProgress(std::min(1.0, done / work), stage);
    };

    // 1. The shared prefix, once.
    at::Tensor latents = initial.to(at::kFloat);
    at::Tensor x0;
    for (int i = first; i < branchStart; ++i) {
        core::throwIfCancelled(job);
        SchedulerStep out = runner.step(latents, i, 1, noise);
        latents = std::move(out.prevSample);
        x0 = out.predOriginalSample;
        progress(1.0, "Base step " + std::to_string(i - first + 1) + "/" + std::to_string(result.baseSteps));
        if (options.previews) {
            job.publishPreview(latentPreview(latents, format));
        }
    }
    result.thresholdLatents = latents.clone();
    if (options.onThreshold) {
        options.onThreshold(result.thresholdLatents);
    }

    // 2. Calibration (once per run) from the base's current estimate of the final image.
    if (options.strategy == BracketStrategy::Calibrated) {
        core::throwIfCancelled(job);
        result.thresholdImage = decodeLatents(vae, x0.defined() ? x0 : latents, &job);
        result.calibrationOffsets = calibrateExposureOffsets(vae, result.thresholdImage, options.evs);
    }
    progress(1.0, "Branching");

    // 3. The branches, as one batch (or one branch at a time through the UNet).
    at::Tensor branches = latents.expand({n, -1, -1, -1}).contiguous();
    SharedBranchNoise shared(noise);
    NoiseSource* branchNoise = noise && options.sharedBranchNoise ? &shared : noise;
    const int64_t microBatch = options.sequentialBranches ? 1 : n;
    for (int i = branchStart; i < total; ++i) {
        core::throwIfCancelled(job);
        at::Tensor next = runner.step(branches, i, microBatch, branchNoise).prevSample.contiguous();
        if (options.strategy == BracketStrategy::Reference) {
            applyReferenceStrategy(next, options.evs);
        } else {
            applyCalibratedStrategy(next, result.calibrationOffsets);
        }
        branches = std::move(next);
        progress(double(n),
                 "Brackets step " + std::to_string(i - branchStart + 1) + "/" +
                     std::to_string(result.branchSteps));
        if (options.previews) {
            job.publishPreview(latentPreview(branches[n - 1], format));
        }
    }
    result.branchLatents = branches;

    // 4. Decode each branch on its own (the VAE decoder is the memory peak).
    std::vector<at::Tensor> images;
    for (int64_t b = 0; b < n; ++b) {
        core::throwIfCancelled(job);
        images.push_back(decodeLatents(vae, branches.slice(0, b, b + 1), &job, options.vaeTileLatent));
        if (options.onBranchDecoded) {
            options.onBranchDecoded(int(b), images.back());
        }
        progress(1.0, "Decoded bracket " + std::to_string(b + 1) + "/" + std::to_string(n));
    }
    result.images = at::cat(images);
    result.totalSeconds = secondsSince(startTime);
    return result;
}

} // namespace hdr::diffusion
