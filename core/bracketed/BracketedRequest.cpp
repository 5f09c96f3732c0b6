#include "bracketed/BracketedRequest.h"

#include "bracketed/BracketedGeneration.h"
#include "bracketed/BracketedOutput.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/RequestInputs.h"
#include "generate/GenerationMetadata.h"
#include "generate/PreparedGeneration.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "modelsettings/ModelSettingInfo.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace hdr::diffusion {

using core::ErrorCode;
using core::ImageF;
using core::throwError;

namespace {

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

spec::RequestSpec<BracketedRequest> makeSpec()
{
    spec::RequestSpec<BracketedRequest> s;
    s.include(diffusionSettingsSpec());
    s.add(&BracketedRequest::evs,
          {.key = "evs",
           .label = "Brackets",
           .valueName = "EV,..",
           .help = "exposures in stops, e.g. -2,0,2 (on the command line: --brackets N|EV,..)",
           .group = "Brackets",
           .min = -10,
           .max = 10,
           .minCount = 2,
           .maxCount = 15,
           .cli = false},
          [](const BracketedRequest& r) -> std::optional<std::string> {
              std::vector<double> sorted = r.evs;
              std::sort(sorted.begin(), sorted.end());
              if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
                  return "The EV list repeats a value.";
              }
              return std::nullopt;
          });
    s.add(&BracketedRequest::exposureStep,
          {.key = "exp",
           .label = "Exposure step",
           .valueName = "STOPS",
           .help = "EV step between brackets for a count",
           .group = "Brackets",
           .min = 0,
           .max = 8,
           .minExclusive = true});
    s.add(&BracketedRequest::strategy,
          {.key = "strategy",
           .label = "Strategy",
           .valueName = "NAME",
           .help = "reference (sd-hdr's latent re-centring) or calibrated (offsets measured through the VAE)",
           .group = "Brackets",
           .choices = {"reference", "calibrated"}});
    s.add(&BracketedRequest::timestep,
          {.key = "timestep",
           .label = "Branch timestep",
           .valueName = "T",
           .help = "branch below this timestep",
           .group = "Brackets",
           .min = 0,
           .max = 1000});
    s.add(&BracketedRequest::branchFraction,
          {.key = "fraction",
           .label = "Branch fraction",
           .valueName = "F",
           .help = "instead of --timestep: the fraction of the steps run as branches",
           .group = "Brackets",
           .min = 0,
           .max = 1,
           .minExclusive = true});
    s.add(&BracketedRequest::sequentialBranches,
          {.key = "sequential",
           .label = "Branches one at a time",
           .help = "run the branches one at a time through the UNet (less memory)",
           .group = "Memory"});
    s.add(&BracketedRequest::sharedBranchNoise,
          {.key = "shared-noise",
           .label = "Shared branch noise",
           .help = "the branches share ancestral noise (--independent-noise: each draws its own)",
           .group = "Brackets",
           .cli = false});
    s.add(&BracketedRequest::gamma,
          {.key = "gamma",
           .label = "Gamma",
           .valueName = "G",
           .help = "recorded for sd-hdr compatibility; HDR files here are scene-linear",
           .group = "Output",
           .min = 0.1,
           .max = 10,
           .gui = false});
    s.add(&BracketedRequest::outputDir, modelsettings::outputFolder(), [](const BracketedRequest& r) {
        return modelsettings::checkOutputFolder(r.outputDir);
    });
    s.addCustom(
        {.key = "format",
         .label = "Formats",
         .valueName = "LIST",
         .help = "png, tiff, exr, hdr, dng or all, comma separated",
         .group = "Output",
         .choices = {"png", "tiff", "exr", "hdr", "dng"},
         .minCount = 1,
         .kind = spec::SettingKind::TextList},
        [](const BracketedRequest& r) -> spec::SettingValue {
            return std::vector<std::string>(r.formats.begin(), r.formats.end());
        },
        [](BracketedRequest& r, const spec::SettingValue& v) {
            std::string joined;
            if (const auto* list = std::get_if<std::vector<std::string>>(&v)) {
                for (const auto& f : *list)
                    joined += (joined.empty() ? "" : ",") + f;
            }
            r.formats = take(parseOutputFormats(joined));
        });
    s.add(&BracketedRequest::saveBrackets,
          {.key = "save",
           .label = "Save brackets",
           .help = "also save every bracket (16-bit PNG)",
           .group = "Output"});
    s.add(&BracketedRequest::ldr,
          {.key = "ldr",
           .label = "8-bit fusion",
           .help = "also save an 8-bit PNG of the fusion",
           .group = "Output"});
    s.add(&BracketedRequest::json, modelsettings::jsonSidecar());
    s.add(&BracketedRequest::debug,
          {.key = "debug",
           .label = "Threshold image",
           .help = "also save the image at the threshold",
           .group = "Output",
           .json = false});
    s.add(&BracketedRequest::overwrite, modelsettings::overwrite());
    return s;
}

BracketedOutcome run(const BracketedRequest& r, core::JobContext& job, const BracketedCallbacks& callbacks)
{
    const auto start = std::chrono::steady_clock::now();
    if (auto ok = bracketedRequestSpec().validate(r); !ok) throw core::HdrError(ok.error());
    const BracketStrategy strategy = *bracketStrategyFromName(r.strategy);
    configureTorch(r.threads);
    c10::InferenceMode guard;
    job.setProgress(0.0, "Loading model");
    auto model = openRequestModel(r.model, r.configDir, r.tokenizerDir, r.dtype, r.device);
    PreparedGeneration prepared = prepareGeneration(r, *model, 1, job);

    auto scheduler = makeScheduler(prepared.scheduler);
    scheduler->setTimesteps(r.steps);
    GeneratorNoise noise(makeCpuGenerator(r.seed));

    UNet2DConditionModel unet = take(model->unet());
    AutoencoderKL vae = take(model->vae());
    BracketedOptions options;
    at::Tensor initial;
    if (prepared.initImage.defined()) {
        options.firstStepIndex = img2imgFirstStep(*scheduler, r.strength);
        initial = prepareImg2ImgLatents(*vae, *scheduler, prepared.initImage, options.firstStepIndex, noise);
    } else {
        initial = initialLatents(*scheduler, latentShape(1, prepared.width, prepared.height), noise)
                      .to(model->options().device);
    }
    options.evs = r.evs;
    options.strategy = strategy;
    options.guidanceScale = r.cfg;
    options.sequentialBranches = r.sequentialBranches;
    options.vaeTileLatent = prepared.vaeTileLatent;
    options.sharedBranchNoise = r.sharedBranchNoise;
    options.branchStartIndex =
        r.branchFraction
            ? branchStartForFraction(*scheduler, *r.branchFraction, options.firstStepIndex)
            : branchStartForTimestep(*scheduler, r.timestep.value_or(200.0), options.firstStepIndex);
    options.sizeConditioning = prepared.sizeConditioning;
    options.negativeSizeConditioning = prepared.negativeSizeConditioning;
    std::vector<ImageF> display(r.evs.size());
    options.onBranchDecoded = [&](int index, const at::Tensor& image) {
        display[std::size_t(index)] = imageFromDisplayTensor(image[0]);
        if (callbacks.onBracket) {
            callbacks.onBracket(index, r.evs[std::size_t(index)], display[std::size_t(index)]);
        }
    };
    BracketedLatents latents =
        generateBrackets(*unet, *vae, *scheduler, initial, prepared.prompt, options, &noise, job);
    unet = UNet2DConditionModel{nullptr};

    ImageF thresholdImage;
    if (r.debug) {
        const at::Tensor image = latents.thresholdImage.defined()
                                     ? latents.thresholdImage
                                     : decodeLatents(*vae, latents.thresholdLatents, &job);
        thresholdImage = imageFromDisplayTensor(image[0]);
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

    // One record for every generation (generate/GenerationMetadata.h), the bracket settings from
    // this request's spec, then what the run measured.
    nlohmann::json params = metadataJson(prepared.record);
    params.update(bracketedRequestSpec().toJson(r));
    params["width"] = prepared.width;
    params["height"] = prepared.height;
    params["arch"] = nameOf(model->arch());
    params["branchStartIndex"] = options.branchStartIndex;
    params["branchTimestep"] =
        options.branchStartIndex < int(scheduler->timesteps().size())
            ? nlohmann::json(scheduler->timesteps()[std::size_t(options.branchStartIndex)])
            : nlohmann::json();
    params["baseSteps"] = latents.baseSteps;
    params["branchSteps"] = latents.branchSteps;
    params["unetCalls"] = latents.unetCalls;
    params["unetSamples"] = latents.unetSamples;
    params["generationSeconds"] = latents.totalSeconds;
    params["unetSeconds"] = latents.unetSeconds;
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

BracketedRequest::BracketedRequest()
{
    sampler = "euler_a";
    width = height = 1024;
    promptStyle = "diffusers";
}

const spec::RequestSpec<BracketedRequest>& bracketedRequestSpec()
{
    static const spec::RequestSpec<BracketedRequest> spec = makeSpec();
    return spec;
}

core::Result<BracketedOutcome> runBracketedGeneration(const BracketedRequest& request,
                                                      core::JobContext& job,
                                                      const BracketedCallbacks& callbacks)
{
    return core::guarded(
        ErrorCode::Internal, request.model.string(), [&] { return run(request, job, callbacks); });
}

} // namespace hdr::diffusion
