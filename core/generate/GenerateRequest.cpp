#include "generate/GenerateRequest.h"

#include "common/AtomicFile.h"
#include "common/ShareOfJob.h"
#include "diffusion/SafetensorsTorch.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/pipeline/RequestInputs.h"
#include "generate/PreparedGeneration.h"
#include "generate/PromptLoras.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <regex>

namespace hdr::diffusion {
namespace {

using core::ErrorCode;
using core::throwError;

spec::RequestSpec<GenerateRequest> makeSpec()
{
    spec::RequestSpec<GenerateRequest> s;
    s.include(diffusionSettingsSpec());
    s.add(&GenerateRequest::batchSize,
          {.key = "batch",
           .label = "Batch size",
           .valueName = "N",
           .help = "images per batch (one noise draw, as diffusers)",
           .group = "Sampling",
           .min = 1,
           .max = 64});
    s.add(&GenerateRequest::batchCount,
          {.key = "batch-count",
           .label = "Batch count",
           .valueName = "N",
           .help = "batches, seed + j each",
           .group = "Sampling",
           .min = 1,
           .max = 100000});
    return s;
}

// The SDXL refiner's part of a run: its own conditioning (bigG alone, aesthetic scores) and its
// own scheduler instance, continuing the base's latents at the hand-off index without re-encoding
// or re-noising them (diffusers denoising_end / denoising_start; oracle sdxl_refiner_handoff). The
// refiner borrows the base's VAE and text encoder when its files lack them.
class RefinerStage {
public:
    RefinerStage(const GenerateRequest& r,
                 StableDiffusionModel& base,
                 const PreparedGeneration& prepared,
                 core::JobContext& job)
        : m_request(r)
    {
        if (base.arch() != ModelArch::SDXL) {
            throwError(ErrorCode::InvalidArgument,
                       "A refiner works with an SDXL base model; this one is " +
                           std::string(nameOf(base.arch())));
        }
        job.setProgress(0.0, "Loading the refiner");
        m_model = openRequestModel(r.refiner, {}, r.tokenizerDir, r.dtype, r.device);
        if (m_model->arch() != ModelArch::SDXLRefiner) {
            throwError(ErrorCode::InvalidArgument,
                       "The refiner is a " + std::string(nameOf(m_model->arch())) +
                           " model, not an SDXL refiner",
                       r.refiner.string());
        }
        // The base outlives this stage (both live for one run()).
        core::unwrap(m_model->borrowMissingFrom(std::shared_ptr<StableDiffusionModel>(&base, [](auto*) {})));
        DiffusionSettings settings = r;
        settings.model = r.refiner;
        // LoRAs are trained for the base UNet: the refiner gets the prompt they leave.
        settings.prompt = core::unwrap(resolvePromptLoras(r)).prompt;
        settings.loras.clear();
        settings.loraPool = false;
        settings.initImage.clear();
        settings.width = prepared.width;
        settings.height = prepared.height;
        m_prepared = prepareGeneration(settings, *m_model, r.batchSize, job);
        m_unet = core::unwrap(m_model->unet());
    }

    at::Tensor finish(const at::Tensor& latents,
                      int handoff,
                      const StepCallback& onStep,
                      NoiseSource& noise,
                      core::JobContext& job)
    {
        auto scheduler = makeScheduler(m_prepared.scheduler);
        scheduler->setTimesteps(m_request.steps);
        DenoiseOptions options;
        options.guidanceScale = m_request.cfg;
        options.firstStepIndex = handoff;
        options.sizeConditioning = m_prepared.sizeConditioning;
        options.negativeSizeConditioning = m_prepared.negativeSizeConditioning;
        options.onStep = onStep;
        return denoise(*m_unet, *scheduler, latents, m_prepared.prompt, options, &noise, job);
    }

private:
    const GenerateRequest& m_request;
    std::shared_ptr<StableDiffusionModel> m_model;
    PreparedGeneration m_prepared;
    UNet2DConditionModel m_unet{nullptr};
};

std::vector<GeneratedImage> run(const GenerateRequest& r,
                                StableDiffusionModel& model,
                                core::JobContext& job,
                                const GeneratedImageCallback& onImage)
{
    if (auto ok = generateRequestSpec().validate(r); !ok) throw core::HdrError(ok.error());
    c10::InferenceMode guard;
    const std::string hash = !r.modelHash.empty() ? r.modelHash : modelHash(r.model).value_or("");
    PreparedGeneration prepared = prepareGeneration(r, model, r.batchSize, job, r.log);
    GenerationParameters base = prepared.record;
    base.batchSize = r.batchSize;
    base.modelHash = hash;
    const at::Device device = model.options().device;
    UNet2DConditionModel unet = take(model.unet());
    AutoencoderKL vae = take(model.vae());

    DenoiseOptions options;
    options.guidanceScale = r.cfg;
    options.sizeConditioning = prepared.sizeConditioning;
    options.negativeSizeConditioning = prepared.negativeSizeConditioning;
    std::optional<RefinerStage> refiner;
    if (!r.refiner.empty()) {
        refiner.emplace(r, model, prepared, job);
    }
    std::vector<GeneratedImage> out;
    for (int j = 0; j < r.batchCount; ++j) {
        core::ShareOfJob batchJob(job, double(j) / r.batchCount, 1.0 / r.batchCount);
        auto scheduler = makeScheduler(prepared.scheduler);
        scheduler->setTimesteps(r.steps);
        const std::uint64_t seed = r.seed + std::uint64_t(j);
        GeneratorNoise noise(makeCpuGenerator(seed));
        at::Tensor latents;
        options.firstStepIndex = 0;
        if (prepared.initImage.defined()) {
            options.firstStepIndex = img2imgFirstStep(*scheduler, r.strength);
            latents =
                prepareImg2ImgLatents(*vae, *scheduler, prepared.initImage, options.firstStepIndex, noise);
        } else {
            latents =
                initialLatents(*scheduler, latentShape(r.batchSize, prepared.width, prepared.height), noise)
                    .to(device);
        }
        options.onStep = [&](const StepProgress& step) {
            const at::Tensor& shown =
                step.predictedX0 && step.predictedX0->defined() ? *step.predictedX0 : *step.latents;
            batchJob.publishPreview(latentPreview(shown, prepared.latentFormat));
        };
        if (refiner) {
            options.endStepIndex =
                std::max(options.firstStepIndex, handoffStepIndex(*scheduler, r.refinerSwitch));
        }
        at::Tensor denoised = denoise(*unet, *scheduler, latents, prepared.prompt, options, &noise, batchJob);
        if (refiner) {
            denoised = refiner->finish(denoised, options.endStepIndex, options.onStep, noise, batchJob);
        }
        const at::Tensor final = denoised.to(at::kCPU, at::kFloat).contiguous();
        core::throwIfCancelled(job);
        batchJob.setProgress(1.0, "Decoding");
        const at::Tensor images = decodeLatents(*vae, final, &batchJob, prepared.vaeTileLatent)
                                      .to(at::kCPU, at::kFloat)
                                      .contiguous();
        for (int b = 0; b < r.batchSize; ++b) {
            GeneratedImage image;
            image.width = int(images.size(2));
            image.height = int(images.size(1));
            const at::Tensor one = images[b];
            image.srgb.assign(one.data_ptr<float>(), one.data_ptr<float>() + one.numel());
            const at::Tensor lat = final[b];
            image.latents.assign(lat.data_ptr<float>(), lat.data_ptr<float>() + lat.numel());
            image.latentShape = {1, lat.size(0), lat.size(1), lat.size(2)};
            image.parameters = base;
            image.parameters.seed = seed;
            image.parameters.batchPosition = b;
            image.batchIndex = j;
            if (onImage) onImage(image);
            out.push_back(std::move(image));
        }
    }
    job.setProgress(1.0, "Done");
    return out;
}

// Next free "<NNNNN>-<seed>" stem in `directory` (past every numbered file, like A1111).
std::string freeStem(const std::filesystem::path& directory, std::uint64_t seed)
{
    static const std::regex numbered(R"((\d{5,})-.*)");
    long long next = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, m, numbered)) next = std::max(next, std::stoll(m[1].str()) + 1);
    }
    for (;; ++next) {
        char number[32];
        std::snprintf(number, sizeof number, "%05lld", next);
        const std::string stem = std::string(number) + "-" + std::to_string(seed);
        bool taken = false;
        for (const char* ext : {".png", ".exr", ".json"})
            taken = taken || std::filesystem::exists(directory / (stem + ext), ec);
        if (!taken) return stem;
    }
}

} // namespace

core::Result<std::vector<GeneratedImage>> generate(const GenerateRequest& request,
                                                   StableDiffusionModel& model,
                                                   core::JobContext& job,
                                                   const GeneratedImageCallback& onImage)
{
    return core::guarded(
        ErrorCode::Internal, request.model.string(), [&] { return run(request, model, job, onImage); });
}

core::Result<std::vector<GeneratedImage>>
generate(const GenerateRequest& request, core::JobContext& job, const GeneratedImageCallback& onImage)
{
    return core::guarded(ErrorCode::Internal, request.model.string(), [&] {
        if (auto ok = generateRequestSpec().validate(request); !ok) throw core::HdrError(ok.error());
        configureTorch(request.threads);
        job.setProgress(0.0, "Loading model");
        auto model = openRequestModel(
            request.model, request.configDir, request.tokenizerDir, request.dtype, request.device);
        return run(request, *model, job, onImage);
    });
}

const spec::RequestSpec<GenerateRequest>& generateRequestSpec()
{
    static const spec::RequestSpec<GenerateRequest> spec = makeSpec();
    return spec;
}

GenerateRequest requestFromParameters(const GenerationParameters& p, const GenerateRequest& base)
{
    GenerateRequest r = base;
    static_cast<DiffusionSettings&>(r) = p;
    r.model = base.model;
    r.configDir = base.configDir;
    r.tokenizerDir = base.tokenizerDir;
    r.dtype = base.dtype;
    r.device = base.device;
    r.threads = base.threads;
    r.offload = base.offload;
    r.batchSize = std::max(1, p.batchSize);
    r.batchCount = 1;
    if (!base.loras.empty()) r.loras = base.loras;
    r.refiner = base.refiner; // the record names the refiner; the path is this machine's
    r.initImage = base.initImage;
    if (p.imageToImage && r.initImage.empty()) r.initImage = p.initImage;
    if (!p.imageToImage) r.strength = base.strength;
    return r;
}

core::Result<std::vector<std::filesystem::path>> writeGeneratedImage(const GeneratedImage& image,
                                                                     const std::filesystem::path& directory,
                                                                     const std::string& format)
{
    if (format != "png" && format != "exr") {
        return core::fail(ErrorCode::InvalidArgument, "unknown output format '" + format + "' (png or exr)");
    }
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    const std::string stem = freeStem(directory, image.parameters.seed);
    const std::string infotext = formatA1111Parameters(image.parameters);
    const std::size_t n = image.srgb.size();
    std::vector<std::filesystem::path> written;
    const auto imagePath = directory / (stem + "." + format);
    core::WriteOptions options;
    options.overwrite = false;
    if (format == "png") {
        core::DisplayImage16 display;
        display.width = image.width;
        display.height = image.height;
        display.channels = 3;
        display.pixels.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            display.pixels[i] = std::uint16_t(std::lround(std::clamp(image.srgb[i], 0.0f, 1.0f) * 65535.0f));
        }
        display.metadata.attributes["parameters"] = infotext;
        options.format = core::FileFormat::Png;
        options.sampleType = core::SampleType::U8;
        if (auto s = core::writeDisplayImage(display, imagePath, options); !s)
            return tl::unexpected(s.error());
    } else {
        core::ImageF linear(image.width, image.height, 3);
        const core::Transfer srgb = core::Transfer::srgb();
        float* dst = linear.data();
        for (std::size_t i = 0; i < n; ++i)
            dst[i] = core::decode(srgb, image.srgb[i]);
        linear.metadata.attributes["parameters"] = infotext;
        options.format = core::FileFormat::Exr;
        options.sampleType = core::SampleType::Float;
        if (auto s = core::writeImage(linear, imagePath, options); !s) return tl::unexpected(s.error());
    }
    written.push_back(imagePath);
    const auto jsonPath = directory / (stem + ".json");
    const std::string json = toJson(image.parameters) + "\n";
    const auto* bytes = reinterpret_cast<const std::byte*>(json.data());
    if (auto s = core::writeFileAtomically(jsonPath, {bytes, json.size()}, false); !s)
        return tl::unexpected(s.error());
    written.push_back(jsonPath);
    return written;
}

core::Status writeLatentsFile(const std::vector<GeneratedImage>& images, const std::filesystem::path& path)
{
    return core::guarded(ErrorCode::IoError, path.string(), [&] {
        if (images.empty()) throwError(ErrorCode::InvalidArgument, "no images to save latents of");
        std::vector<at::Tensor> parts;
        for (const auto& image : images) {
            if (image.latentShape != images.front().latentShape) {
                throwError(ErrorCode::InvalidArgument, "the images have different latent sizes");
            }
            parts.push_back(
                at::from_blob(const_cast<float*>(image.latents.data()), image.latentShape, at::kFloat));
        }
        const auto status = writeSafetensors(path, {{"latents", at::cat(parts, 0)}});
        if (!status) throw core::HdrError(status.error());
    });
}

} // namespace hdr::diffusion
