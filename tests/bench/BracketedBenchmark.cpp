#include "BracketedBenchmark.h"

#include "bracketed/BracketedGeneration.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/nets/Layers.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>

namespace hdr::diffusion {

namespace {

template <typename T> T take(core::Result<T> r)
{
    if (!r) {
        throw core::HdrError(r.error());
    }
    return std::move(*r);
}

template <typename Fn> double best(int repeat, Fn&& fn)
{
    double b = 1e30;
    for (int i = 0; i < repeat; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        b = std::min(b, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return b;
}

BracketBenchResult run(const BracketBenchSettings& s)
{
    configureTorch(s.threads);
    c10::InferenceMode guard;
    auto model = take(StableDiffusionModel::open(s.model));
    UNet2DConditionModel unet{nullptr};
    AutoencoderKL vae{nullptr};
    BracketBenchResult r;
    if (s.randomSd15) {
        const auto options = at::TensorOptions().dtype(at::kFloat);
        unet = UNet2DConditionModel(UNetConfig::sd15(), options);
        vae = AutoencoderKL(VaeConfig::sd15(), options);
        initRandomWeights(*unet, 1);
        initRandomWeights(*vae, 2);
        r.label = "random-weight SD1.5";
    } else {
        unet = take(model->unet());
        vae = take(model->vae());
        r.label = s.model.filename().string();
    }
    r.label += " " + std::to_string(s.width) + "x" + std::to_string(s.height) + ", " +
               std::to_string(s.steps) + " steps, CFG";
    at::manual_seed(1);
    PromptEmbeddings prompt;
    prompt.cond = at::randn({1, 77, unet->config().crossAttentionDim});
    prompt.uncond = at::randn({1, 77, unet->config().crossAttentionDim});
    const auto schedulerConfig = take(SchedulerConfig::fromJsonText(model->schedulerConfigJson()));
    const auto makeSched = [&] {
        auto sched = makeScheduler(take(configForSampler("euler_a", schedulerConfig)));
        sched->setTimesteps(s.steps);
        return sched;
    };
    const auto shape = latentShape(1, s.width, s.height);

    // One evaluation: a CFG pair at batch 1, as the plain loop runs it.
    {
        const at::Tensor x = at::randn({2, shape[1], shape[2], shape[3]});
        const at::Tensor context = at::cat({prompt.uncond, prompt.cond});
        const at::Tensor t = at::scalar_tensor(500.0, at::kFloat);
        unet->forward(x, t, context); // warm-up
        std::vector<double> times;
        for (int i = 0; i < std::max(3, s.repeat * 2); ++i) {
            times.push_back(best(1, [&] { unet->forward(x, t, context); }));
        }
        std::sort(times.begin(), times.end());
        r.oneEvaluation = times[times.size() / 2];
        const at::Tensor z = at::randn(shape);
        r.oneDecode = best(s.repeat, [&] { decodeLatents(*vae, z); });
    }
    r.plain = best(s.repeat, [&] {
        auto sched = makeSched();
        GeneratorNoise noise(makeCpuGenerator(3));
        DenoiseOptions o;
        o.guidanceScale = s.cfg;
        const at::Tensor out = denoise(
            *unet, *sched, initialLatents(*sched, shape, noise), prompt, o, &noise, core::nullJobContext());
        decodeLatents(*vae, out);
    });
    for (int sequential = 0; sequential < 2; ++sequential) {
        double unetSeconds = 0.0;
        const double t = best(s.repeat, [&] {
            auto sched = makeSched();
            GeneratorNoise noise(makeCpuGenerator(3));
            BracketedOptions o;
            o.evs = evenBracketEvs(s.brackets, 1.0);
            o.guidanceScale = s.cfg;
            o.previews = false;
            o.sequentialBranches = sequential == 1;
            o.branchStartIndex = branchStartForTimestep(*sched, s.timestep, 0);
            const BracketedLatents out = generateBrackets(*unet,
                                                          *vae,
                                                          *sched,
                                                          initialLatents(*sched, shape, noise),
                                                          prompt,
                                                          o,
                                                          &noise,
                                                          core::nullJobContext());
            r.baseSteps = out.baseSteps;
            r.branchSteps = out.branchSteps;
            unetSeconds = out.unetSeconds;
        });
        (sequential ? r.sequential : r.batched) = t;
        if (!sequential) {
            r.batchedUnet = unetSeconds;
        }
    }
    r.brackets = s.brackets;
    r.evaluations = double(r.baseSteps + s.brackets * r.branchSteps);
    return r;
}

} // namespace

core::Result<BracketBenchResult> benchmarkBrackets(const BracketBenchSettings& settings)
{
    return core::guarded(core::ErrorCode::Internal, settings.model.string(), [&] { return run(settings); });
}

} // namespace hdr::diffusion
