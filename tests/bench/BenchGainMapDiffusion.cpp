// `hdrstudio-bench gm`: one dual-branch step (core/gmdiffusion/DualBranchSampler.h) against one
// plain classifier-free-guidance step (core/diffusion/pipeline/Pipeline.h denoise) on SD 1.5's
// real UNet shapes with random weights: the method adds one batch-1 pass of a second UNet to the
// batch-2 CFG pass, so the goal is <= 1.55x.
#include "BenchGainMapDiffusion.h"

#include "BenchSupport.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/sampling/SchedulerConfig.h"
#include "gmdiffusion/DualBranchSampler.h"

#include <c10/core/InferenceMode.h>

#include <cstdio>

namespace hdr::cli {

int benchGainMapDiffusion(const Args& args, int repeat)
{
    std::string error;
    const int64_t latent = int64_t(args.number("latent", error).value_or(64));
    const int steps = int(args.number("steps", error).value_or(2));
    const int threads = int(args.number("threads", error).value_or(0));
    if (!error.empty()) {
        return usageError(error);
    }
    if (latent < 8 || latent > 256 || steps < 1 || steps > 50) {
        return usageError("--latent must be 8..256 and --steps 1..50");
    }
    diffusion::configureTorch(threads);
    c10::InferenceMode guard;
    at::manual_seed(1);
    const auto options = at::TensorOptions().dtype(at::kFloat);
    diffusion::UNetConfig sdrConfig = diffusion::UNetConfig::sd15();
    diffusion::UNetConfig gmConfig = sdrConfig;
    gmConfig.inChannels = 8;
    diffusion::UNet2DConditionModel sdr(sdrConfig, options), gm(gmConfig, options);
    for (auto* net : {&sdr, &gm}) {
        for (auto& p : (*net)->parameters())
            p.normal_(0.0, 0.02);
        (*net)->setChannelsLast(true);
    }
    diffusion::PromptEmbeddings prompt;
    prompt.cond = at::randn({1, 77, sdrConfig.crossAttentionDim});
    prompt.uncond = at::randn({1, 77, sdrConfig.crossAttentionDim});
    const auto schedulerConfig = *diffusion::configForSampler(
        "ddpm",
        *diffusion::SchedulerConfig::fromJsonText(R"({"_class_name": "PNDMScheduler", "beta_start": 0.00085,
            "beta_end": 0.012, "beta_schedule": "scaled_linear", "steps_offset": 1})"));
    const at::Tensor start = at::randn({1, 4, latent, latent});
    const auto freshScheduler = [&] {
        auto s = diffusion::makeScheduler(schedulerConfig);
        s->setTimesteps(steps);
        return s;
    };
    std::printf("gain-map diffusion step vs plain CFG step: SD 1.5 shapes, latent %lldx%lld (%lldx%lld px), "
                "%d steps, %d threads, fp32\n",
                static_cast<long long>(latent),
                static_cast<long long>(latent),
                static_cast<long long>(latent * 8),
                static_cast<long long>(latent * 8),
                steps,
                at::get_num_threads());
    std::fflush(stdout);
    diffusion::GeneratorNoise noise(diffusion::makeCpuGenerator(7));
    const auto plain = [&] {
        auto scheduler = freshScheduler();
        diffusion::DenoiseOptions o;
        o.guidanceScale = 7.5;
        diffusion::denoise(*sdr, *scheduler, start, prompt, o, &noise, core::nullJobContext());
    };
    const auto dual = [&] {
        auto a = freshScheduler(), b = freshScheduler();
        diffusion::DualBranchOptions o;
        o.guidanceScale = 7.5;
        diffusion::denoiseDualBranch(
            *sdr, *gm, *a, *b, start, start.clone(), prompt, o, &noise, core::nullJobContext());
    };
    plain(); // warm-up (oneDNN primitive caches, allocator)
    const double plainSeconds = bestOf(repeat, plain) / steps;
    dual();
    const double dualSeconds = bestOf(repeat, dual) / steps;
    std::printf("  plain CFG step (UNet batch 2):             %8.3f s\n", plainSeconds);
    std::printf("  gain-map step (batch 2 + GM UNet batch 1): %8.3f s\n", dualSeconds);
    std::printf("  ratio %.3f (goal <= 1.55)\n", dualSeconds / plainSeconds);
    return kExitOk;
}

} // namespace hdr::cli
