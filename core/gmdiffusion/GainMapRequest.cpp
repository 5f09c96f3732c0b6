#include "gmdiffusion/GainMapRequest.h"

#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/RequestInputs.h"
#include "gainmap/GmDiffusion.h"
#include "generate/GenerationMetadata.h"
#include "generate/PreparedGeneration.h"
#include "gmdiffusion/DualBranchSampler.h"
#include "gmdiffusion/GainMapOutput.h"
#include "modelsettings/ModelSettingInfo.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace hdr::diffusion {

using core::ErrorCode;
using core::ImageF;

namespace {

// Both branches side by side (SDR | gain map), so one preview frame shows the two.
core::PreviewFrame sideBySide(const core::PreviewFrame& left, const core::PreviewFrame& right)
{
    core::PreviewFrame frame;
    frame.width = left.width + right.width;
    frame.height = std::max(left.height, right.height);
    frame.rgb.assign(std::size_t(frame.width) * frame.height * 3, 0);
    for (int y = 0; y < frame.height; ++y) {
        for (int part = 0; part < 2; ++part) {
            const core::PreviewFrame& p = part == 0 ? left : right;
            if (y >= p.height) continue;
            std::memcpy(frame.rgb.data() + (std::size_t(y) * frame.width + (part ? left.width : 0)) * 3,
                        p.rgb.data() + std::size_t(y) * p.width * 3,
                        std::size_t(p.width) * 3);
        }
    }
    return frame;
}

spec::RequestSpec<GainMapRequest> makeSpec()
{
    spec::RequestSpec<GainMapRequest> s;
    s.include(diffusionSettingsSpec());
    s.adjust("model", [](spec::SettingInfo& info) {
        info.help = "the SDR model: an SD 1.5 single file, diffusers folder or flat folder";
    });
    s.add(&GainMapRequest::gmModel,
          {.key = "gm-model",
           .label = "Gain-map UNet",
           .valueName = "PATH",
           .help = "GM-Diffusion's gain-map UNet (8 input channels): single file or folder",
           .group = "Model"},
          [](const GainMapRequest& r) -> std::optional<std::string> {
              if (r.gmModel.empty()) return "Choose the gain-map UNet (--gm-model).";
              return std::nullopt;
          });
    s.add(&GainMapRequest::sdrImage,
          {.key = "sdr-image",
           .label = "SDR image",
           .valueName = "PATH",
           .help = "SDR -> HDR: the picture to expand (empty: text -> HDR)",
           .group = "Image to image",
           .cli = false},
          [](const GainMapRequest& r) -> std::optional<std::string> {
              std::error_code ec;
              if (!r.sdrImage.empty() && !std::filesystem::is_regular_file(r.sdrImage, ec)) {
                  return "The SDR image " + r.sdrImage.string() + " does not exist.";
              }
              return std::nullopt;
          });
    s.add(&GainMapRequest::qmax,
          {.key = "qmax",
           .label = "qmax",
           .valueName = "Q",
           .help = "peak gain - 1 of Eq. (1): the HDR peak is qmax + 1 times SDR white (research: 9, 49, 99)",
           .group = "HDR",
           .min = 0,
           .max = 100000,
           .minExclusive = true});
    s.add(&GainMapRequest::outputDir, modelsettings::outputFolder(), [](const GainMapRequest& r) {
        return modelsettings::checkOutputFolder(r.outputDir);
    });
    s.add(&GainMapRequest::formats,
          {.key = "format",
           .label = "Outputs",
           .valueName = "LIST",
           .help = "exr (scene-linear), hdr (the research code's HDR/(qmax+1)), sdr (PNG), gainmap (PNG), "
                   "jpg (Ultra HDR)",
           .group = "Output",
           .choices = {"exr", "hdr", "sdr", "gainmap", "jpg"},
           .minCount = 1});
    s.add(&GainMapRequest::jpegQuality,
          {.key = "quality",
           .label = "JPEG quality",
           .valueName = "Q",
           .help = "Ultra HDR JPEG quality",
           .group = "Output",
           .min = 1,
           .max = 100});
    s.add(&GainMapRequest::json, modelsettings::jsonSidecar());
    s.add(&GainMapRequest::overwrite, modelsettings::overwrite());
    s.rule([](const GainMapRequest& r) -> std::optional<std::string> {
        if (!r.initImage.empty()) {
            return "Gain-map diffusion takes no init image; for SDR -> HDR give the SDR image instead.";
        }
        return std::nullopt;
    });
    return s;
}

GainMapOutcome run(const GainMapRequest& r, core::JobContext& job, const GainMapCallbacks& callbacks)
{
    const auto start = std::chrono::steady_clock::now();
    core::unwrap(gainMapRequestSpec().validate(r));
    configureTorch(r.threads);
    c10::InferenceMode guard;
    job.setProgress(0.0, "Loading models");
    auto sdrModel = openRequestModel(r.model, r.configDir, r.tokenizerDir, r.dtype, r.device);
    if (sdrModel->arch() != ModelArch::SD15) {
        core::throwError(
            ErrorCode::InvalidArgument,
            std::string("the SDR model must be Stable Diffusion 1.5 (GM-Diffusion's base), not ") +
                nameOf(sdrModel->arch()),
            r.model.string());
    }
    auto gmModel = openRequestModel(r.gmModel, r.configDir, r.tokenizerDir, r.dtype, r.device);
    if (gmModel->arch() != ModelArch::SD15GM) {
        core::throwError(ErrorCode::InvalidArgument,
                         "the gain-map model is not a GM-Diffusion UNet (it must take 8 input channels)",
                         r.gmModel.string());
    }
    const bool fromSdr = !r.sdrImage.empty();
    PreparedGeneration prepared = prepareGeneration(r, *sdrModel, 1, job);
    int width = prepared.width, height = prepared.height;
    at::Tensor sdrInput;
    if (fromSdr) {
        sdrInput = readInitImage(r.sdrImage, width, height).to(sdrModel->options().device);
        prepared.record.width = width;
        prepared.record.height = height;
    }
    UNet2DConditionModel gmUnet = core::unwrap(gmModel->unet());
    AutoencoderKL vae = core::unwrap(sdrModel->vae());
    auto sdrScheduler = makeScheduler(prepared.scheduler);
    sdrScheduler->setTimesteps(r.steps);
    auto gmScheduler = makeScheduler(prepared.scheduler);
    gmScheduler->setTimesteps(r.steps);
    GeneratorNoise noise(makeCpuGenerator(r.seed));

    GainMapOutcome outcome;
    DualBranchOptions options;
    options.guidanceScale = r.cfg;
    at::Tensor sdrLatents, gmLatents;
    if (fromSdr) {
        // generate_hdr.py draws the posterior sample first, then the initial noise.
        const at::Tensor sdrLatent = encodeSdrLatent(*vae, sdrInput, noise);
        const at::Tensor start0 =
            initialLatents(*gmScheduler, latentShape(1, width, height), noise).to(sdrLatent.device());
        options.onStep = [&](const DualBranchStep& step) {
            ++outcome.gmUnetCalls;
            job.publishPreview(latentPreview(step.gmLatents, LatentFormat::SD15));
        };
        gmLatents = denoiseGainMapFromSdr(
            *gmUnet, *gmScheduler, sdrLatent, start0, prepared.prompt, options, &noise, job);
        sdrLatents = sdrLatent;
    } else {
        UNet2DConditionModel sdrUnet = core::unwrap(sdrModel->unet());
        const at::Tensor start0 = initialLatents(*sdrScheduler, latentShape(1, width, height), noise)
                                      .to(sdrModel->options().device);
        options.onStep = [&](const DualBranchStep& step) {
            ++outcome.sdrUnetCalls;
            ++outcome.gmUnetCalls;
            job.publishPreview(sideBySide(latentPreview(step.sdrX0, LatentFormat::SD15),
                                          latentPreview(step.gmLatents, LatentFormat::SD15)));
        };
        DualBranchLatents both = denoiseDualBranch(*sdrUnet,
                                                   *gmUnet,
                                                   *sdrScheduler,
                                                   *gmScheduler,
                                                   start0,
                                                   start0.clone(),
                                                   prepared.prompt,
                                                   options,
                                                   &noise,
                                                   job);
        sdrLatents = both.sdr;
        gmLatents = both.gm;
    }
    outcome.steps = r.steps;
    core::throwIfCancelled(job);
    job.setProgress(1.0, "Decoding");
    if (r.offload) {
        sdrModel->release(Component::Unet);
        gmModel->release(Component::Unet);
    }
    GainMapImages images;
    images.sdr = imageFromDisplayTensor(decodeLatents(*vae, sdrLatents, &job, prepared.vaeTileLatent)[0]);
    images.gainMap = imageFromDisplayTensor(decodeLatents(*vae, gmLatents, &job, prepared.vaeTileLatent)[0]);
    images.hdr = core::unwrap(
        core::gmDiffusionToHdr(images.sdr, images.gainMap, core::GmDiffusionParams{float(r.qmax)}));
    for (std::size_t i = 0, n = std::size_t(images.hdr.pixelCount()) * 3; i < n; ++i) {
        outcome.peak = std::max(outcome.peak, double(images.hdr.data()[i]));
    }
    if (callbacks.onImages) {
        callbacks.onImages(images);
    }

    GainMapOutputSettings out;
    out.directory = r.outputDir;
    out.formats = r.formats;
    out.qmax = r.qmax;
    out.jpegQuality = r.jpegQuality;
    out.json = r.json;
    out.overwrite = r.overwrite;
    out.stamp = r.stamp.empty() ? freeGainMapStamp(out) : r.stamp;
    nlohmann::json record = metadataJson(prepared.record);
    record.update(gainMapRequestSpec().toJson(r));
    record["mode"] = fromSdr ? "sdr-to-hdr" : "text-to-hdr";
    record["width"] = width;
    record["height"] = height;
    record["peak"] = outcome.peak;
    record["sdrUnetCalls"] = outcome.sdrUnetCalls;
    record["gmUnetCalls"] = outcome.gmUnetCalls;
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record["generationSeconds"] = outcome.seconds;
    outcome.files =
        core::unwrap(writeGainMapOutputs(images.sdr, images.gainMap, images.hdr, record, out, job));
    outcome.stamp = out.stamp;
    return outcome;
}

} // namespace

GainMapRequest::GainMapRequest()
{
    sampler = "ddpm";
    steps = 50;
    cfg = 7.5;
    width = height = 512;
    promptStyle = "diffusers";
}

const spec::RequestSpec<GainMapRequest>& gainMapRequestSpec()
{
    static const spec::RequestSpec<GainMapRequest> spec = makeSpec();
    return spec;
}

core::Result<GainMapOutcome>
runGainMapDiffusion(const GainMapRequest& request, core::JobContext& job, const GainMapCallbacks& callbacks)
{
    return core::guarded(
        ErrorCode::Internal, request.model.string(), [&] { return run(request, job, callbacks); });
}

} // namespace hdr::diffusion
