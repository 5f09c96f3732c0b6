#include "generate/PreparedGeneration.h"

#include "diffusion/pipeline/RequestInputs.h"
#include "diffusion/pipeline/SdxlMicroConditioning.h"
#include "diffusion/pipeline/TextToImage.h"
#include "generate/PromptLoras.h"

namespace hdr::diffusion {

ScopedLoras& ScopedLoras::operator=(ScopedLoras&& other) noexcept
{
    if (this != &other) {
        if (m_merger) m_merger->restore();
        m_merger = std::move(other.m_merger);
    }
    return *this;
}

ScopedLoras::~ScopedLoras()
{
    if (m_merger) m_merger->restore();
}

void ScopedLoras::merge(StableDiffusionModel& model,
                        const std::vector<LoraSpec>& loras,
                        const std::function<void(const std::string&)>& log)
{
    if (loras.empty()) return;
    std::map<LoraComponent, TensorMap> targets;
    targets[LoraComponent::Unet] = parametersOf(*take(model.unet()));
    if (hasComponent(model.arch(), Component::TextEncoder)) {
        targets[LoraComponent::TextEncoder] = parametersOf(*take(model.textEncoder()));
    }
    if (isSdxlFamily(model.arch())) {
        targets[LoraComponent::TextEncoder2] = parametersOf(*take(model.textEncoder2()));
    }
    m_merger = std::make_unique<LoraMerger>(std::move(targets));
    for (const LoraSpec& spec : loras) {
        const LoraReport report = take(m_merger->add(spec));
        if (!report.clean() && log) log(report.summary());
    }
}

PreparedGeneration prepareGeneration(const DiffusionSettings& s,
                                     StableDiffusionModel& model,
                                     int batch,
                                     core::JobContext& job,
                                     const std::function<void(const std::string&)>& log)
{
    if (auto ok = diffusionSettingsSpec().validate(s); !ok) throw core::HdrError(ok.error());
    const bool sdxl = isSdxlFamily(model.arch());
    PreparedGeneration run;
    run.record = parametersOf(s, sdxl);
    run.latentFormat = sdxl ? LatentFormat::SDXL : LatentFormat::SD15;
    run.vaeTileLatent = vaeTileLatent(s.vaeTile);

    const PromptWithLoras resolved = take(resolvePromptLoras(s));
    if (log) {
        for (const std::string& note : resolved.notes)
            log(note);
    }
    if (!resolved.loras.empty()) {
        job.setProgress(0.0, "Applying LoRAs");
        run.loras.merge(model, resolved.loras, log);
    }
    job.setProgress(0.0, "Encoding prompt");
    const std::vector<std::string> prompts(std::size_t(batch), resolved.prompt);
    const std::vector<std::optional<std::string>> negatives(std::size_t(batch), s.negative);
    const EncodedPromptBatch text =
        take(encodePromptBatch(model, prompts, negatives, s.cfg > 1.0, s.promptStyle, s.clipSkip));
    run.prompt = PromptEmbeddings{text.cond, text.uncond, text.pooled, text.uncondPooled};
    if (s.offload) {
        model.release(Component::TextEncoder);
        model.release(Component::TextEncoder2);
    }

    const SchedulerConfig modelScheduler =
        take(SchedulerConfig::fromJsonText(model.schedulerConfigJson(), "scheduler"));
    run.scheduler = take(configForSampler(s.sampler, modelScheduler));

    run.width = run.record.width;
    run.height = run.record.height;
    if (s.initPixels || !s.initImage.empty()) {
        run.initImage = (s.initPixels ? initImageFromDisplay(*s.initPixels, run.width, run.height)
                                      : readInitImage(s.initImage, run.width, run.height))
                            .repeat({batch, 1, 1, 1})
                            .to(model.options().device);
        run.record.width = run.width;
        run.record.height = run.height;
    }
    if (isSdxlFamily(model.arch())) {
        const auto heightWidth = [](const std::optional<std::array<int, 2>>& wh) {
            return wh ? std::optional<std::array<int, 2>>(std::array<int, 2>{(*wh)[1], (*wh)[0]})
                      : std::nullopt;
        };
        SdxlMicroConditioning micro;
        micro.originalSize = heightWidth(s.originalSize);
        micro.cropTopLeft = s.cropTopLeft;
        micro.targetSize = heightWidth(s.targetSize);
        micro.negativeOriginalSize = heightWidth(s.negativeOriginalSize);
        micro.negativeCropTopLeft = s.negativeCropTopLeft;
        micro.negativeTargetSize = heightWidth(s.negativeTargetSize);
        micro.aestheticScore = s.aestheticScore;
        micro.negativeAestheticScore = s.negativeAestheticScore;
        const bool refiner = model.arch() == ModelArch::SDXLRefiner;
        const auto ids =
            resolveSdxlConditioning(micro,
                                    run.width,
                                    run.height,
                                    refiner || run.initImage.defined() ? SdxlPipelineKind::ImageToImage
                                                                       : SdxlPipelineKind::TextToImage,
                                    refiner);
        run.sizeConditioning = ids.positive;
        run.negativeSizeConditioning = ids.negative;
    }
    return run;
}

} // namespace hdr::diffusion
