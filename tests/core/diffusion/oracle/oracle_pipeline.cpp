// Oracle kinds "pipeline_txt2img" and "pipeline_img2img": the whole sampling loop on the tiny
// models (diffusers-named files of the case's family), fed with the case's prompt embeddings, its
// latents (txt2img) or its VAE/add_noise noise (img2img). Compares timesteps, init_noise_sigma,
// every UNet input, step latents and final latents (atol 5e-4), and the decoded image (1e-4).
#include "OracleHarness.h"
#include "diffusion/pipeline/Pipeline.h"

#include <fstream>

namespace {

using namespace hdr::test::oracle;
using namespace hdr::diffusion;

constexpr double kLatentTol = 5e-4;
constexpr double kImageTol = 1e-4;
constexpr double kSchedTol = 1e-5;

nlohmann::json readJson(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot open " + path.string());
    }
    return nlohmann::json::parse(in);
}

// Copies a diffusers-named file into the module's parameters (the test-side loader the contract
// allows until model/StateDictLoader is used here).
void loadInto(torch::nn::Module& module, const std::filesystem::path& file)
{
    auto tensors = loadSafetensors(file);
    if (!tensors) {
        throw std::runtime_error(tensors.error().describe());
    }
    at::NoGradGuard noGrad;
    for (auto& p : module.named_parameters()) {
        auto it = tensors->find(p.key());
        if (it == tensors->end()) {
            throw std::runtime_error("missing " + p.key() + " in " + file.string());
        }
        p.value().copy_(it->second);
    }
}

template <typename T> T unwrap(hdr::core::Result<T> r)
{
    if (!r) {
        throw std::runtime_error(r.error().describe());
    }
    return std::move(*r);
}

void runPipeline(const OracleCase& c, OracleReport& report)
{
    const bool img2img = c.kind == "pipeline_img2img";
    const auto dir = c.familyDir();
    const auto options = at::TensorOptions().dtype(at::kFloat);
    UNet2DConditionModel unet(unwrap(UNetConfig::fromJson(readJson(dir / "unet_config.json"))), options);
    AutoencoderKL vae(unwrap(VaeConfig::fromJson(readJson(dir / "vae_config.json"))), options);
    loadInto(*unet, dir / "unet.safetensors");
    loadInto(*vae, dir / "vae.safetensors");

    nlohmann::json schedJson = c.meta.at("scheduler_config");
    schedJson["_class_name"] = c.meta.at("scheduler");
    auto scheduler = makeScheduler(unwrap(SchedulerConfig::fromJsonText(schedJson.dump(), c.name)));
    const int steps = c.meta.at("num_inference_steps").get<int>();
    scheduler->setTimesteps(steps);

    PromptEmbeddings prompt;
    prompt.cond = c.tensor("out.prompt_embeds");
    if (c.has("out.negative_prompt_embeds")) {
        prompt.uncond = c.tensor("out.negative_prompt_embeds");
    }
    if (c.has("out.pooled_prompt_embeds")) {
        prompt.pooled = c.tensor("out.pooled_prompt_embeds");
    }
    if (c.has("out.negative_pooled_prompt_embeds")) {
        prompt.uncondPooled = c.tensor("out.negative_pooled_prompt_embeds");
    }
    DenoiseOptions denoiseOptions;
    denoiseOptions.guidanceScale = c.meta.at("guidance_scale").get<double>();
    const int width = c.meta.at("width").get<int>(), height = c.meta.at("height").get<int>();
    if (unet->config().hasTextTime()) {
        denoiseOptions.sizeConditioning = SdxlSizeConditioning::forSize(width, height);
        if (c.has("out.add_time_ids")) {
            const at::Tensor expected = c.tensor("out.add_time_ids");
            const at::Tensor ours = denoiseOptions.sizeConditioning->timeIds(1).expand(expected.sizes());
            report.expectEqual("add_time_ids", ours.round(), expected.round());
        }
    }

    at::Tensor latents;
    if (img2img) {
        const double strength = c.meta.contains("strength") ? c.meta.at("strength").get<double>()
                                                            : c.meta.at("extra").at("strength").get<double>();
        denoiseOptions.firstStepIndex = img2imgFirstStep(*scheduler, strength);
        if (c.has("out.timesteps_full_schedule")) {
            report.expectClose("timesteps_full_schedule",
                               at::tensor(at::ArrayRef<double>(scheduler->timesteps()), at::kDouble),
                               c.tensor("out.timesteps_full_schedule"),
                               kSchedTol,
                               kSchedTol);
        }
        ExplicitNoise noise({c.tensor("in.noise.0"), c.tensor("in.noise.1")});
        latents = prepareImg2ImgLatents(
            *vae, *scheduler, c.tensor("in.image_nhwc01"), denoiseOptions.firstStepIndex, noise);
    } else {
        latents = c.tensor("in.latents") * scheduler->initNoiseSigma();
        report.expectClose("init_noise_sigma",
                           at::scalar_tensor(scheduler->initNoiseSigma(), at::kDouble),
                           c.tensor("out.init_noise_sigma"),
                           kSchedTol,
                           kSchedTol);
    }
    const std::vector<double> used(scheduler->timesteps().begin() + denoiseOptions.firstStepIndex,
                                   scheduler->timesteps().end());
    const at::Tensor usedTensor = at::tensor(at::ArrayRef<double>(used), at::kDouble);
    report.expectClose(
        img2img && c.has("out.timesteps_used") ? "timesteps_used" : "timesteps",
        usedTensor,
        c.tensor(img2img && c.has("out.timesteps_used") ? "out.timesteps_used" : "out.timesteps"),
        kSchedTol,
        kSchedTol);

    std::vector<at::Tensor> stepLatents, unetInputs, unetOutputs;
    denoiseOptions.onStep = [&](const StepProgress& p) { stepLatents.push_back(p.latents->clone()); };
    denoiseOptions.onUnet = [&](const at::Tensor& in, const at::Tensor& out) {
        unetInputs.push_back(in.clone());
        unetOutputs.push_back(out.clone());
    };
    std::unique_ptr<NoiseSource> stepNoise; // no public case uses a stochastic sampler in a pipeline
    const at::Tensor final = denoise(
        *unet, *scheduler, latents, prompt, denoiseOptions, stepNoise.get(), hdr::core::nullJobContext());
    if (c.has("debug.unet_input")) {
        report.expectClose("unet_input", at::stack(unetInputs), c.tensor("debug.unet_input"), kLatentTol);
        report.expectClose("unet_output", at::stack(unetOutputs), c.tensor("debug.unet_output"), kLatentTol);
    }
    report.expectClose("step_latents", at::stack(stepLatents), c.tensor("out.step_latents"), kLatentTol);
    report.expectClose("final_latents", final, c.tensor("out.final_latents"), kLatentTol);
    report.expectClose("image", decodeLatents(*vae, final), c.tensor("out.image"), kImageTol);
}

} // namespace

HDR_ORACLE_KIND("pipeline_txt2img", runPipeline);
HDR_ORACLE_KIND("pipeline_img2img", runPipeline);
