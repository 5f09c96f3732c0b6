#include "diffusion/pipeline/TextToImage.h"

#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/text/TextConditioning.h"

#include <c10/core/InferenceMode.h>

namespace hdr::diffusion {

core::Result<EncodedPromptBatch> encodePromptBatch(StableDiffusionModel& model,
                                                   const std::vector<std::string>& prompts,
                                                   const std::vector<std::optional<std::string>>& negatives,
                                                   bool classifierFree,
                                                   const std::string& promptStyle,
                                                   int clipSkip)
{
    const auto style = promptStyleFromName(promptStyle);
    if (!style) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "unknown prompt style '" + promptStyle + "' (a1111 or diffusers)");
    }
    c10::InferenceMode guard;
    TextEncoderSet encoders;
    ClipTextModel encoder{nullptr};
    if (model.arch() != ModelArch::SDXLRefiner) { // the refiner has no CLIP-L
        auto tokenizer = model.tokenizer();
        if (!tokenizer) return tl::unexpected(tokenizer.error());
        auto loaded = model.textEncoder();
        if (!loaded) return tl::unexpected(loaded.error());
        encoder = *loaded;
        encoders.tokenizer = *tokenizer;
        encoders.textEncoder = encoder.get();
    }
    ClipTextModel encoder2{nullptr};
    if (isSdxlFamily(model.arch())) {
        auto tokenizer2 = model.tokenizer2();
        if (!tokenizer2) return tl::unexpected(tokenizer2.error());
        auto loaded2 = model.textEncoder2();
        if (!loaded2) return tl::unexpected(loaded2.error());
        encoder2 = *loaded2;
        encoders.tokenizer2 = *tokenizer2;
        encoders.textEncoder2 = encoder2.get();
    }
    TextConditioningOptions options;
    options.style = *style;
    options.clipSkip = clipSkip;
    // SDXL base zeroes a missing negative prompt; the refiner encodes "" (its model_index.json
    // force_zeros_for_empty_prompt is false; oracle gotcha 22).
    options.forceZerosForEmptyNegative = model.arch() != ModelArch::SDXLRefiner;
    auto embeds = encodePrompts(encoders,
                                prompts,
                                classifierFree,
                                classifierFree ? negatives : std::vector<std::optional<std::string>>{},
                                options);
    if (!embeds) return tl::unexpected(embeds.error());
    return EncodedPromptBatch{embeds->promptEmbeds,
                              embeds->negativePromptEmbeds,
                              embeds->pooledPromptEmbeds,
                              embeds->negativePooledPromptEmbeds};
}

} // namespace hdr::diffusion
