// Oracle kinds "pipeline_txt2img", "pipeline_img2img", "sdxl_refiner_img2img" and
// "sdxl_refiner_handoff": whole pipelines run through the product code from the case's prompts
// (StableDiffusionModel, encodePromptBatch, resolveSdxlConditioning, denoise, decodeLatents), fed
// only with the case's latents / noise. Every stored embedding, time id, timestep, UNet call, step
// latent, final latent and image is compared (latents atol 5e-4, image 1e-4, README tolerances).
#include "OraclePipelineSupport.h"

namespace {

using namespace hdr::test::oracle;
using namespace hdr::diffusion;

constexpr double kLatentTol = 5e-4;
constexpr double kImageTol = 1e-4;
constexpr double kSchedTol = 1e-5;

at::Tensor timestepsTensor(const Scheduler& scheduler, int first, int end)
{
    const auto& all = scheduler.timesteps();
    const std::vector<double> used(all.begin() + first, all.begin() + end);
    return at::tensor(at::ArrayRef<double>(used), at::kDouble);
}

// Records what a denoise run did, for comparison with the case's debug/out tensors.
struct DenoiseTrace {
    std::vector<at::Tensor> stepLatents, unetInputs, unetOutputs;

    void attach(DenoiseOptions& options)
    {
        options.onStep = [this](const StepProgress& p) { stepLatents.push_back(p.latents->clone()); };
        options.onUnet = [this](const at::Tensor& in, const at::Tensor& out) {
            unetInputs.push_back(in.clone());
            unetOutputs.push_back(out.clone());
        };
    }
    void check(const OracleCase& c,
               OracleReport& report,
               const std::string& debugPrefix,
               const std::string& stepsName)
    {
        if (c.has(debugPrefix + "unet_input")) {
            report.expectClose(debugPrefix + "unet_input",
                               stackSteps(unetInputs),
                               c.tensor(debugPrefix + "unet_input"),
                               kLatentTol);
            report.expectClose(debugPrefix + "unet_output",
                               stackSteps(unetOutputs),
                               c.tensor(debugPrefix + "unet_output"),
                               kLatentTol);
        }
        report.expectClose(stepsName, stackSteps(stepLatents), c.tensor(stepsName), kLatentTol);
    }
};

// Stochastic samplers take the case's per-step noise (in.noise for txt2img, in.noise.2.. after
// img2img's two); deterministic ones never ask.
std::vector<at::Tensor> stepNoiseOf(const OracleCase& c, bool img2img)
{
    std::vector<at::Tensor> noise;
    if (!img2img && c.has("in.noise")) {
        const at::Tensor all = c.tensor("in.noise");
        for (int64_t i = 0; i < all.size(0); ++i)
            noise.push_back(all[i]);
        return noise;
    }
    for (int i = img2img ? 2 : 0; c.has("in.noise." + std::to_string(i)); ++i) {
        noise.push_back(c.tensor("in.noise." + std::to_string(i)));
    }
    return noise;
}

void runPipeline(const OracleCase& c, OracleReport& report)
{
    const bool img2img = c.kind != "pipeline_txt2img";
    const bool refiner = c.kind == "sdxl_refiner_img2img";
    const nlohmann::json* family = caseValue(c, refiner ? "model" : "family");
    auto model =
        openOracleModel(c, family ? family->get<std::string>() : c.meta.at("family").get<std::string>());
    auto scheduler = oracleScheduler(c);
    const double guidance = c.meta.at("guidance_scale").get<double>();
    const PromptEmbeddings prompt = encodeAndCheckPrompts(c, report, *model, guidance);

    DenoiseOptions options;
    options.guidanceScale = guidance;
    const int width = c.meta.at("width").get<int>(), height = c.meta.at("height").get<int>();
    if (isSdxlFamily(model->arch())) {
        const auto ids =
            resolveSdxlConditioning(caseMicroConditioning(c),
                                    width,
                                    height,
                                    img2img ? SdxlPipelineKind::ImageToImage : SdxlPipelineKind::TextToImage,
                                    model->arch() == ModelArch::SDXLRefiner);
        checkTimeIds(c, report, ids);
        options.sizeConditioning = ids.positive;
        options.negativeSizeConditioning = ids.negative;
    }
    AutoencoderKL vae = unwrap(model->vae());
    at::Tensor latents;
    if (img2img) {
        const nlohmann::json* strength = caseValue(c, "strength");
        options.firstStepIndex = img2imgFirstStep(*scheduler, strength->get<double>());
        report.expectClose("timesteps_full_schedule",
                           timestepsTensor(*scheduler, 0, int(scheduler->timesteps().size())),
                           c.tensor("out.timesteps_full_schedule"),
                           kSchedTol,
                           kSchedTol);
        ExplicitNoise noise({c.tensor("in.noise.0"), c.tensor("in.noise.1")});
        const at::Tensor image = c.tensor("in.image_nhwc01");
        latents = prepareImg2ImgLatents(*vae, *scheduler, image, options.firstStepIndex, noise);
        if (c.has("out.latent_mean")) {
            const LatentDist dist = vae->encode(image.permute({0, 3, 1, 2}).contiguous() * 2.0 - 1.0);
            report.expectClose("latent_mean", dist.mean, c.tensor("out.latent_mean"), kLatentTol);
            report.expectClose("latent_std", dist.std, c.tensor("out.latent_std"), kLatentTol);
        }
    } else {
        latents = c.tensor("in.latents") * scheduler->initNoiseSigma();
        report.expectClose("init_noise_sigma",
                           at::scalar_tensor(scheduler->initNoiseSigma(), at::kDouble),
                           c.tensor("out.init_noise_sigma"),
                           kSchedTol,
                           kSchedTol);
    }
    const std::string timestepsName = c.has("out.timesteps_used") ? "out.timesteps_used" : "out.timesteps";
    report.expectClose(
        timestepsName,
        timestepsTensor(*scheduler, options.firstStepIndex, int(scheduler->timesteps().size())),
        c.tensor(timestepsName),
        kSchedTol,
        kSchedTol);

    DenoiseTrace trace;
    trace.attach(options);
    ExplicitNoise stepNoise(stepNoiseOf(c, img2img));
    UNet2DConditionModel unet = unwrap(model->unet());
    const at::Tensor final =
        denoise(*unet, *scheduler, latents, prompt, options, &stepNoise, hdr::core::nullJobContext());
    trace.check(c, report, "debug.", "out.step_latents");
    report.expectClose("final_latents", final, c.tensor("out.final_latents"), kLatentTol);
    report.expectClose("image", decodeLatents(*vae, final), c.tensor("out.image"), kImageTol);
}

// SDXL base -> refiner: the base denoises the timesteps >= cutoff of the N-step schedule, the
// refiner continues from its latents (no re-encode, no re-noise) at the matching schedule index.
void runRefinerHandoff(const OracleCase& c, OracleReport& report)
{
    auto base = openOracleModel(c, c.meta.at("config").at("base").get<std::string>());
    auto refiner = openOracleModel(c, c.meta.at("config").at("refiner").get<std::string>());
    const double guidance = c.meta.at("guidance_scale").get<double>();
    const double fraction = c.meta.at("denoising_end").get<double>();
    const int width = c.meta.at("width").get<int>(), height = c.meta.at("height").get<int>();

    auto baseScheduler = oracleScheduler(c);
    auto refinerScheduler = oracleScheduler(c);
    const int steps = int(baseScheduler->timesteps().size());
    const int handoff = handoffStepIndex(*baseScheduler, fraction);
    report.expectClose("timesteps_full_schedule",
                       timestepsTensor(*baseScheduler, 0, steps),
                       c.tensor("out.timesteps_full_schedule"),
                       kSchedTol,
                       kSchedTol);
    report.expectClose("base_timesteps",
                       timestepsTensor(*baseScheduler, 0, handoff),
                       c.tensor("out.base_timesteps"),
                       kSchedTol,
                       kSchedTol);
    report.expectClose("refiner_timesteps",
                       timestepsTensor(*refinerScheduler, handoff, steps),
                       c.tensor("out.refiner_timesteps"),
                       kSchedTol,
                       kSchedTol);
    report.expectClose("base_init_noise_sigma",
                       at::scalar_tensor(baseScheduler->initNoiseSigma(), at::kDouble),
                       c.tensor("out.base_init_noise_sigma"),
                       kSchedTol,
                       kSchedTol);

    DenoiseOptions baseOptions;
    baseOptions.guidanceScale = guidance;
    baseOptions.endStepIndex = handoff;
    const auto micro = caseMicroConditioning(c);
    const auto baseIds = resolveSdxlConditioning(micro, width, height, SdxlPipelineKind::TextToImage, false);
    baseOptions.sizeConditioning = baseIds.positive;
    baseOptions.negativeSizeConditioning = baseIds.negative;
    const PromptEmbeddings basePrompt = encodeAndCheckPrompts(c, report, *base, guidance, "out.base_");
    DenoiseTrace baseTrace;
    baseTrace.attach(baseOptions);
    const at::Tensor handoffLatents = denoise(*unwrap(base->unet()),
                                              *baseScheduler,
                                              c.tensor("in.latents") * baseScheduler->initNoiseSigma(),
                                              basePrompt,
                                              baseOptions,
                                              nullptr,
                                              hdr::core::nullJobContext());
    baseTrace.check(c, report, "debug.base_", "out.base_step_latents");
    report.expectClose("handoff_latents", handoffLatents, c.tensor("out.handoff_latents"), kLatentTol);

    DenoiseOptions refinerOptions;
    refinerOptions.guidanceScale = guidance;
    refinerOptions.firstStepIndex = handoff;
    const auto refinerIds =
        resolveSdxlConditioning(micro, width, height, SdxlPipelineKind::ImageToImage, true);
    checkTimeIds(c, report, refinerIds, "out.refiner_");
    refinerOptions.sizeConditioning = refinerIds.positive;
    refinerOptions.negativeSizeConditioning = refinerIds.negative;
    const PromptEmbeddings refinerPrompt =
        encodeAndCheckPrompts(c, report, *refiner, guidance, "out.refiner_");
    DenoiseTrace refinerTrace;
    refinerTrace.attach(refinerOptions);
    const at::Tensor final = denoise(*unwrap(refiner->unet()),
                                     *refinerScheduler,
                                     handoffLatents,
                                     refinerPrompt,
                                     refinerOptions,
                                     nullptr,
                                     hdr::core::nullJobContext());
    refinerTrace.check(c, report, "debug.refiner_", "out.refiner_step_latents");
    report.expectClose("final_latents", final, c.tensor("out.final_latents"), kLatentTol);
    report.expectClose(
        "image", decodeLatents(*unwrap(refiner->vae()), final), c.tensor("out.image"), kImageTol);
}

} // namespace

HDR_ORACLE_KIND("pipeline_txt2img", runPipeline);
HDR_ORACLE_KIND("pipeline_img2img", runPipeline);
HDR_ORACLE_KIND("sdxl_refiner_img2img", runPipeline);
HDR_ORACLE_KIND("sdxl_refiner_handoff", runRefinerHandoff);
