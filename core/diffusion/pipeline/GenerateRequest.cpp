#include "diffusion/pipeline/GenerateRequest.h"

#include "common/AtomicFile.h"
#include "diffusion/SafetensorsTorch.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/lora/LoraMerge.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/pipeline/RequestInputs.h"
#include "diffusion/pipeline/TextToImage.h"
#include "diffusion/sampling/SchedulerConfig.h"
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

// Maps one batch's 0..1 progress into its share of the whole request.
class BatchJob final : public core::JobContext {
public:
    BatchJob(core::JobContext& parent, double base, double span)
        : m_parent(parent)
        , m_base(base)
        , m_span(span)
    {
    }
    bool isCancelled() const override { return m_parent.isCancelled(); }
    void setProgress(double f, std::string_view stage) override
    {
        m_parent.setProgress(m_base + m_span * f, stage);
    }
    void publishPreview(const core::PreviewFrame& frame) override { m_parent.publishPreview(frame); }

private:
    core::JobContext& m_parent;
    double m_base, m_span;
};

std::string sizeText(const std::array<int, 2>& wh)
{
    return std::to_string(wh[0]) + "x" + std::to_string(wh[1]);
}

void validate(const GenerateRequest& r)
{
    const auto bad = [](const std::string& m) { throwError(ErrorCode::InvalidArgument, m); };
    if (r.steps < 1 || r.steps > 1000) bad("steps must be 1..1000");
    if (r.batchSize < 1 || r.batchSize > 64) bad("batch size must be 1..64");
    if (r.batchCount < 1 || r.batchCount > 100000) bad("batch count must be at least 1");
    if (!std::isfinite(r.cfg) || r.cfg < 0 || r.cfg > 100) bad("CFG scale must be 0..100");
    if (r.initImage.empty() &&
        (r.width < 8 || r.height < 8 || r.width % 8 || r.height % 8 || r.width > 8192 || r.height > 8192)) {
        bad("width and height must be multiples of 8 in 8..8192");
    }
    if (!r.initImage.empty() && !(r.strength > 0.0 && r.strength <= 1.0)) bad("strength must be in (0, 1]");
    if (r.clipSkip < 0 || r.clipSkip > 10) bad("clip skip must be 0..10");
    vaeTileLatent(r.vaeTile);
}

std::vector<GeneratedImage> run(const GenerateRequest& r,
                                StableDiffusionModel& model,
                                core::JobContext& job,
                                const GeneratedImageCallback& onImage)
{
    const bool sdxl = model.arch() == ModelArch::SDXL;
    GenerateRequest sized = r; // width/height 0: the architecture's native size
    if (sized.width <= 0) sized.width = sdxl ? 1024 : 512;
    if (sized.height <= 0) sized.height = sdxl ? 1024 : 512;
    validate(sized);
    c10::InferenceMode guard;
    const std::string hash = !r.modelHash.empty() ? r.modelHash : modelHash(r.modelPath).value_or("");

    // LoRAs: merged for this call, restored on every way out.
    std::unique_ptr<LoraMerger> merger;
    struct Restore {
        std::unique_ptr<LoraMerger>& m;
        ~Restore()
        {
            if (m) m->restore();
        }
    } restore{merger};
    if (!r.loras.empty()) {
        job.setProgress(0.0, "Applying LoRAs");
        std::map<LoraComponent, TensorMap> targets;
        targets[LoraComponent::Unet] = parametersOf(*take(model.unet()));
        targets[LoraComponent::TextEncoder] = parametersOf(*take(model.textEncoder()));
        if (model.arch() == ModelArch::SDXL) {
            targets[LoraComponent::TextEncoder2] = parametersOf(*take(model.textEncoder2()));
        }
        merger = std::make_unique<LoraMerger>(std::move(targets));
        for (const LoraSpec& spec : r.loras) {
            const LoraReport report = take(merger->add(spec));
            if (!report.clean() && r.log) r.log(report.summary());
        }
    }

    const bool classifierFree = r.cfg > 1.0;
    job.setProgress(0.0, "Encoding prompt");
    const std::vector<std::string> prompts(std::size_t(r.batchSize), r.prompt);
    const std::vector<std::optional<std::string>> negatives(std::size_t(r.batchSize), r.negative);
    const EncodedPromptBatch text =
        take(encodePromptBatch(model, prompts, negatives, classifierFree, r.promptStyle, r.clipSkip));
    const PromptEmbeddings embeds{text.cond, text.uncond, text.pooled, text.uncondPooled};

    const SchedulerConfig modelScheduler =
        take(SchedulerConfig::fromJsonText(model.schedulerConfigJson(), "scheduler"));
    const SchedulerConfig samplerConfig = take(configForSampler(r.sampler, modelScheduler));
    UNet2DConditionModel unet = take(model.unet());
    AutoencoderKL vae = take(model.vae());
    const at::Device device = model.options().device;

    int width = sized.width, height = sized.height;
    at::Tensor initImage;
    if (!r.initImage.empty()) {
        initImage = readInitImage(r.initImage, width, height).repeat({r.batchSize, 1, 1, 1}).to(device);
    }
    const LatentFormat latentFormat = sdxl ? LatentFormat::SDXL : LatentFormat::SD15;

    GenerationParameters base;
    base.prompt = r.prompt;
    base.negative = r.negative;
    base.sampler = r.sampler;
    base.steps = r.steps;
    base.cfg = r.cfg;
    base.width = width;
    base.height = height;
    base.batchSize = r.batchSize;
    base.modelName = r.modelPath.filename().string();
    base.modelHash = hash;
    for (const auto& l : r.loras)
        base.loras.push_back(formatLoraSpec(l));
    base.promptStyle = r.promptStyle;
    base.clipSkip = r.clipSkip;
    base.vaeTile = r.vaeTile;
    if (!r.initImage.empty()) {
        base.strength = r.strength;
        base.initImage = r.initImage.string();
    }
    DenoiseOptions options;
    options.guidanceScale = r.cfg;
    if (sdxl) {
        SdxlSizeConditioning size = SdxlSizeConditioning::forSize(width, height);
        if (r.originalSize) {
            size.originalWidth = (*r.originalSize)[0];
            size.originalHeight = (*r.originalSize)[1];
            base.originalSize = sizeText(*r.originalSize);
        }
        if (r.cropTopLeft) {
            size.cropTop = (*r.cropTopLeft)[0];
            size.cropLeft = (*r.cropTopLeft)[1];
            base.cropTopLeft = std::to_string(size.cropTop) + "," + std::to_string(size.cropLeft);
        }
        if (r.targetSize) {
            size.targetWidth = (*r.targetSize)[0];
            size.targetHeight = (*r.targetSize)[1];
            base.targetSize = sizeText(*r.targetSize);
        }
        options.sizeConditioning = size;
    }

    std::vector<GeneratedImage> out;
    for (int j = 0; j < r.batchCount; ++j) {
        BatchJob batchJob(job, double(j) / r.batchCount, 1.0 / r.batchCount);
        auto scheduler = makeScheduler(samplerConfig);
        scheduler->setTimesteps(r.steps);
        const std::uint64_t seed = r.seed + std::uint64_t(j);
        GeneratorNoise noise(makeCpuGenerator(seed));
        at::Tensor latents;
        options.firstStepIndex = 0;
        if (initImage.defined()) {
            options.firstStepIndex = img2imgFirstStep(*scheduler, r.strength);
            latents = prepareImg2ImgLatents(*vae, *scheduler, initImage, options.firstStepIndex, noise);
        } else {
            latents = initialLatents(*scheduler, latentShape(r.batchSize, width, height), noise).to(device);
        }
        options.onStep = [&](const StepProgress& step) {
            const at::Tensor& shown =
                step.predictedX0 && step.predictedX0->defined() ? *step.predictedX0 : *step.latents;
            batchJob.publishPreview(latentPreview(shown, latentFormat));
        };
        const at::Tensor final = denoise(*unet, *scheduler, latents, embeds, options, &noise, batchJob)
                                     .to(at::kCPU, at::kFloat)
                                     .contiguous();
        core::throwIfCancelled(job);
        batchJob.setProgress(1.0, "Decoding");
        const at::Tensor images = decodeLatents(*vae, final, &batchJob, vaeTileLatent(r.vaeTile))
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

std::optional<std::array<int, 2>> pairOf(const std::optional<std::string>& text, char separator)
{
    if (!text) return std::nullopt;
    const auto pos = text->find(separator);
    if (pos == std::string::npos) return std::nullopt;
    try {
        return std::array<int, 2>{std::stoi(text->substr(0, pos)), std::stoi(text->substr(pos + 1))};
    } catch (const std::logic_error&) {
        return std::nullopt;
    }
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
        ErrorCode::Internal, request.modelPath.string(), [&] { return run(request, model, job, onImage); });
}

core::Result<std::vector<GeneratedImage>>
generate(const GenerateRequest& request, core::JobContext& job, const GeneratedImageCallback& onImage)
{
    return core::guarded(ErrorCode::Internal, request.modelPath.string(), [&] {
        configureTorch(request.threads);
        job.setProgress(0.0, "Loading model");
        auto model = openRequestModel(
            request.modelPath, request.configDir, request.tokenizerDir, request.dtype, request.device);
        return run(request, *model, job, onImage);
    });
}

GenerateRequest requestFromParameters(const GenerationParameters& p, const GenerateRequest& base)
{
    GenerateRequest r = base;
    r.prompt = p.prompt;
    r.negative = p.negative;
    r.seed = p.seed;
    r.sampler = p.sampler;
    r.steps = p.steps;
    r.cfg = p.cfg;
    r.width = p.width;
    r.height = p.height;
    r.batchSize = std::max(1, p.batchSize);
    r.batchCount = 1;
    r.promptStyle = p.promptStyle;
    r.clipSkip = p.clipSkip;
    r.vaeTile = p.vaeTile;
    if (p.strength) {
        r.strength = *p.strength;
        if (r.initImage.empty()) r.initImage = p.initImage;
    }
    r.originalSize = pairOf(p.originalSize, 'x');
    r.cropTopLeft = pairOf(p.cropTopLeft, ',');
    r.targetSize = pairOf(p.targetSize, 'x');
    if (r.loras.empty()) {
        for (const auto& l : p.loras) {
            if (auto spec = parseLoraSpec(l)) r.loras.push_back(*spec);
        }
    }
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
