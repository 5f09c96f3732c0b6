#pragma once
// Internal, libtorch: the run-preparation step every generation workflow shares (txt2img,
// exposure brackets, gain-map diffusion, batch stages), so that a setting in DiffusionSettings
// means the same in each of them: validation, LoRAs merged for the run (restored when the prepared
// run is destroyed), prompts encoded in the request's style, the sampler's scheduler config, the
// size resolved (an init image's size wins), the init image read, SDXL micro-conditioning from the
// request, and the metadata record.
#include "diffusion/lora/LoraMerge.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/sampling/SchedulerConfig.h"
#include "generate/DiffusionSettings.h"
#include "generate/GenerationMetadata.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hdr::diffusion {

// LoRAs merged into a model for one run: restore() on destruction, also when the run throws.
class ScopedLoras {
public:
    ScopedLoras() = default;
    ScopedLoras(ScopedLoras&&) noexcept = default;
    ScopedLoras& operator=(ScopedLoras&&) noexcept;
    ~ScopedLoras();
    void merge(StableDiffusionModel& model,
               const std::vector<LoraSpec>& loras,
               const std::function<void(const std::string&)>& log);

private:
    std::unique_ptr<LoraMerger> m_merger;
};

struct PreparedGeneration {
    ScopedLoras loras;
    PromptEmbeddings prompt;   // batch B, classifier-free guidance halves when cfg > 1
    SchedulerConfig scheduler; // makeScheduler(scheduler) once per batch
    int width = 0, height = 0; // pixels
    at::Tensor initImage;      // [B, H, W, 3] display sRGB in [0, 1] on the model's device; or none
    std::optional<SdxlSizeConditioning> sizeConditioning;         // SDXL only
    std::optional<SdxlSizeConditioning> negativeSizeConditioning; // SDXL only (unconditional pass)
    LatentFormat latentFormat = LatentFormat::SD15;
    int64_t vaeTileLatent = 0;   // tiled decode, latent pixels (0: one piece)
    GenerationParameters record; // what runs (seed = the request's; per image: adjust it)
};

// Throws HdrError (InvalidArgument for settings, the loader's errors otherwise). `batch` copies of
// the prompt are encoded (diffusers draws one batch of noise for them).
PreparedGeneration prepareGeneration(const DiffusionSettings& settings,
                                     StableDiffusionModel& model,
                                     int batch,
                                     core::JobContext& job,
                                     const std::function<void(const std::string&)>& log = {});

} // namespace hdr::diffusion
