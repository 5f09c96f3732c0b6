// Oracle kind "scheduler": runs our scheduler exactly like the case's "call" and compares
// timesteps, sigmas, init_noise_sigma, scaled model inputs, prev samples and pred_original
// samples (atol 1e-5 + rtol 1e-5, README "Tolerances"). scheduler_train_schedule checks the
// training betas and alphas_cumprod.
#include "OracleHarness.h"
#include "diffusion/sampling/Scheduler.h"

namespace {

using namespace hdr::test::oracle;
using hdr::diffusion::ExplicitNoise;
using hdr::diffusion::SchedulerConfig;

constexpr double kAtol = 1e-5;
constexpr double kRtol = 1e-5;

at::Tensor toTensor(const std::vector<double>& v)
{
    return at::tensor(at::ArrayRef<double>(v), at::kDouble);
}

SchedulerConfig configOf(const OracleCase& c)
{
    nlohmann::json j = c.meta.at("config");
    if (c.meta.contains("scheduler")) {
        j["_class_name"] = c.meta.at("scheduler");
    }
    auto config = SchedulerConfig::fromJsonText(j.dump(), c.name);
    if (!config) {
        throw std::runtime_error(config.error().describe());
    }
    return *config;
}

void runScheduler(const OracleCase& c, OracleReport& report)
{
    const SchedulerConfig config = configOf(c);
    auto scheduler = hdr::diffusion::makeScheduler(config);
    if (!c.meta.contains("scheduler")) { // scheduler_train_schedule
        report.expectClose("betas", toTensor(scheduler->betas()), c.tensor("out.betas"), kAtol, kRtol);
        report.expectClose("alphas_cumprod",
                           toTensor(scheduler->alphasCumprod()),
                           c.tensor("out.alphas_cumprod"),
                           kAtol,
                           kRtol);
        return;
    }
    const int steps = c.meta.at("num_inference_steps").get<int>();
    scheduler->setTimesteps(steps);
    report.expectClose(
        "timesteps", toTensor(scheduler->timesteps()), c.tensor("out.timesteps"), kAtol, kRtol);
    if (c.has("out.sigmas")) {
        report.expectClose("sigmas", toTensor(scheduler->sigmas()), c.tensor("out.sigmas"), kAtol, kRtol);
    }
    report.expectClose("init_noise_sigma",
                       at::scalar_tensor(scheduler->initNoiseSigma(), at::kDouble),
                       c.tensor("out.init_noise_sigma"),
                       kAtol,
                       kRtol);

    std::unique_ptr<ExplicitNoise> noise;
    if (c.has("in.noise")) {
        noise = std::make_unique<ExplicitNoise>(c.tensor("in.noise").unbind(0));
    }
    const at::Tensor outputs = c.tensor("in.model_outputs");
    std::vector<at::Tensor> scaled, prev, pred;
    at::Tensor x = c.tensor("in.sample0") * scheduler->initNoiseSigma();
    for (int i = 0; i < int(scheduler->timesteps().size()); ++i) {
        scaled.push_back(scheduler->scaleModelInput(x, i));
        auto out = scheduler->step(outputs[i], i, x, noise.get());
        x = out.prevSample;
        prev.push_back(x);
        pred.push_back(out.predOriginalSample);
    }
    report.expectClose(
        "scaled_model_input", at::stack(scaled), c.tensor("out.scaled_model_input"), kAtol, kRtol);
    report.expectClose("prev_sample", at::stack(prev), c.tensor("out.prev_sample"), kAtol, kRtol);
    if (c.has("out.pred_original_sample")) {
        report.expectClose(
            "pred_original_sample", at::stack(pred), c.tensor("out.pred_original_sample"), kAtol, kRtol);
    }
}

} // namespace

HDR_ORACLE_KIND("scheduler", runScheduler);
