#include "diffusion/pipeline/BracketedRequest.h"

#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/BracketedGeneration.h"
#include "diffusion/pipeline/BracketedOutput.h"
#include "diffusion/pipeline/RequestInputs.h"
#include "diffusion/pipeline/TextToImage.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>

namespace hdr::diffusion {

using core::ErrorCode;
using core::ImageF;
using core::throwError;

namespace {

// Display sRGB [H, W, 3] tensor (values in [0, 1]) <-> ImageF holding display values.
ImageF displayImageOf(const at::Tensor& nhwc)
{
    const at::Tensor t = nhwc.to(at::kCPU, at::kFloat).contiguous();
    ImageF image(int(t.size(1)), int(t.size(0)), 3);
    std::memcpy(image.data(), t.data_ptr<float>(), std::size_t(t.numel()) * sizeof(float));
    return image;
}

std::string freeStamp(const BracketOutputSettings& settings, int brackets, bool debug)
{
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string base = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    BracketOutputSettings probe = settings;
    for (int suffix = 0;; ++suffix) {
        probe.stamp = suffix == 0 ? base : base + "-" + std::to_string(suffix);
        bool taken = false;
        for (const auto& p : plannedOutputPaths(probe, brackets, debug)) {
            taken = taken || std::filesystem::exists(p);
        }
        if (!taken) {
            return probe.stamp;
        }
    }
}

BracketedOutcome run(const BracketedRequest& r, core::JobContext& job, const BracketedCallbacks& callbacks)
{
    const auto start = std::chrono::steady_clock::now();
    const auto strategy = bracketStrategyFromName(r.strategy);
    if (!strategy) {
        throwError(ErrorCode::InvalidArgument,
                   "unknown strategy '" + r.strategy + "' (reference or calibrated)");
    }
    if (r.evs.size() < 2) {
        throwError(ErrorCode::InvalidArgument, "two or more brackets are needed");
    }
    if (r.steps < 1 || r.steps > 1000) {
        throwError(ErrorCode::InvalidArgument, "steps must be 1..1000");
    }
    const int64_t tileLatent = vaeTileLatent(r.vaeTile);
    configureTorch(r.threads);
    c10::InferenceMode guard;
    job.setProgress(0.0, "Loading model");
    auto model = openRequestModel(r.model, r.configDir, r.tokenizerDir, r.dtype, r.device);

    const bool cfg = r.cfg > 1.0;
    const EncodedPromptBatch text =
        take(encodePromptBatch(*model, {r.prompt}, {r.negative}, cfg, r.promptStyle, 0));
    if (r.offload) {
        model->release(Component::TextEncoder);
        model->release(Component::TextEncoder2);
    }
    PromptEmbeddings prompt{text.cond, text.uncond, text.pooled, text.uncondPooled};

    const SchedulerConfig modelScheduler =
        take(SchedulerConfig::fromJsonText(model->schedulerConfigJson(), "scheduler"));
    auto scheduler = makeScheduler(take(configForSampler(r.sampler, modelScheduler)));
    scheduler->setTimesteps(r.steps);
    GeneratorNoise noise(makeCpuGenerator(r.seed));

    UNet2DConditionModel unet = take(model->unet());
    AutoencoderKL vae = take(model->vae());
    int width = r.width, height = r.height;
    BracketedOptions options;
    at::Tensor initial;
    if (!r.image.empty()) {
        const at::Tensor input = readInitImage(r.image, width, height);
        options.firstStepIndex = img2imgFirstStep(*scheduler, r.strength);
        initial = prepareImg2ImgLatents(
            *vae, *scheduler, input.to(model->options().device), options.firstStepIndex, noise);
    } else {
        initial =
            initialLatents(*scheduler, latentShape(1, width, height), noise).to(model->options().device);
    }
    options.evs = r.evs;
    options.strategy = *strategy;
    options.guidanceScale = r.cfg;
    options.sequentialBranches = r.sequentialBranches;
    options.vaeTileLatent = tileLatent;
    options.sharedBranchNoise = r.sharedBranchNoise;
    options.branchStartIndex =
        r.branchFraction
            ? branchStartForFraction(*scheduler, *r.branchFraction, options.firstStepIndex)
            : branchStartForTimestep(*scheduler, r.timestep.value_or(200.0), options.firstStepIndex);
    if (model->arch() == ModelArch::SDXL) {
        options.sizeConditioning = SdxlSizeConditioning::forSize(width, height);
    }
    std::vector<ImageF> display(r.evs.size());
    options.onBranchDecoded = [&](int index, const at::Tensor& image) {
        display[std::size_t(index)] = displayImageOf(image[0]);
        if (callbacks.onBracket) {
            callbacks.onBracket(index, r.evs[std::size_t(index)], display[std::size_t(index)]);
        }
    };
    BracketedLatents latents =
        generateBrackets(*unet, *vae, *scheduler, initial, prompt, options, &noise, job);
    unet = UNet2DConditionModel{nullptr};

    ImageF thresholdImage;
    if (r.debug) {
        const at::Tensor image = latents.thresholdImage.defined()
                                     ? latents.thresholdImage
                                     : decodeLatents(*vae, latents.thresholdLatents, &job);
        thresholdImage = displayImageOf(image[0]);
    }
    core::throwIfCancelled(job);
    job.setProgress(1.0, "Merging");
    MergedBrackets merged = take(mergeGeneratedBrackets(display, r.evs, job));

    BracketOutputSettings out;
    out.directory = r.outputDir;
    out.formats = r.formats;
    out.saveBrackets = r.saveBrackets;
    out.ldr = r.ldr;
    out.json = r.json;
    out.overwrite = r.overwrite;
    out.stamp = r.stamp.empty() ? freeStamp(out, int(display.size()), r.debug) : r.stamp;

    nlohmann::json params{
        {"model", r.model.string()},
        {"arch", nameOf(model->arch())},
        {"dtype", r.dtype},
        {"device", r.device},
        {"width", width},
        {"height", height},
        {"steps", r.steps},
        {"seed", r.seed},
        {"cfg", r.cfg},
        {"sampler", r.sampler},
        {"prompt", r.prompt},
        {"negative", r.negative ? nlohmann::json(*r.negative) : nlohmann::json()},
        {"promptStyle", r.promptStyle},
        {"image", r.image.string()},
        {"strength", r.image.empty() ? nlohmann::json() : nlohmann::json(r.strength)},
        {"evs", r.evs},
        {"exp", r.exposureStep},
        {"gamma", r.gamma},
        {"strategy", r.strategy},
        {"vaeTile", r.vaeTile},
        {"timestep", r.timestep ? nlohmann::json(*r.timestep) : nlohmann::json()},
        {"branchFraction", r.branchFraction ? nlohmann::json(*r.branchFraction) : nlohmann::json()},
        {"branchStartIndex", options.branchStartIndex},
        {"branchTimestep",
         options.branchStartIndex < int(scheduler->timesteps().size())
             ? nlohmann::json(scheduler->timesteps()[std::size_t(options.branchStartIndex)])
             : nlohmann::json()},
        {"baseSteps", latents.baseSteps},
        {"branchSteps", latents.branchSteps},
        {"unetCalls", latents.unetCalls},
        {"unetSamples", latents.unetSamples},
        {"sequentialBranches", r.sequentialBranches},
        {"sharedBranchNoise", r.sharedBranchNoise},
        {"generationSeconds", latents.totalSeconds},
        {"unetSeconds", latents.unetSeconds}};
    if (latents.calibrationOffsets.defined()) {
        const at::Tensor o = latents.calibrationOffsets.to(at::kCPU, at::kDouble).contiguous();
        std::vector<std::vector<double>> rows;
        for (int64_t i = 0; i < o.size(0); ++i) {
            rows.emplace_back(o[i].data_ptr<double>(), o[i].data_ptr<double>() + o.size(1));
        }
        params["calibrationOffsets"] = rows;
    }
    auto files = take(writeBracketOutputs(merged, display, thresholdImage, params, out, job));

    BracketedOutcome outcome;
    outcome.files = std::move(files);
    outcome.nominalEv = r.evs;
    for (const auto& b : merged.branches) {
        outcome.estimatedEv.push_back(b.estimatedEv);
    }
    outcome.evsEstimated = merged.evsEstimated;
    outcome.baseSteps = latents.baseSteps;
    outcome.branchSteps = latents.branchSteps;
    outcome.unetCalls = latents.unetCalls;
    outcome.unetSamples = latents.unetSamples;
    outcome.unetSeconds = latents.unetSeconds;
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    outcome.stamp = out.stamp;
    return outcome;
}

} // namespace

core::Result<BracketedOutcome> runBracketedGeneration(const BracketedRequest& request,
                                                      core::JobContext& job,
                                                      const BracketedCallbacks& callbacks)
{
    return core::guarded(
        ErrorCode::Internal, request.model.string(), [&] { return run(request, job, callbacks); });
}

std::vector<std::string> expandListArgument(const std::string& value, bool isImageArgument)
{
    std::error_code ec;
    if (value.empty() || !std::filesystem::is_regular_file(value, ec)) {
        return {value};
    }
    if (isImageArgument && core::sniffFormat(value) != core::FileFormat::Unknown) {
        return {value};
    }
    if (!isImageArgument && std::filesystem::file_size(value, ec) > (1u << 20)) {
        return {value};
    }
    std::ifstream in(value);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!line.empty()) {
            lines.push_back(line);
        }
    }
    return lines.empty() ? std::vector<std::string>{value} : lines;
}

} // namespace hdr::diffusion
