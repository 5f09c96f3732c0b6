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
    auto tokenizer = model.tokenizer();
    if (!tokenizer) return tl::unexpected(tokenizer.error());
    auto encoder = model.textEncoder();
    if (!encoder) return tl::unexpected(encoder.error());
    TextEncoderSet encoders;
    encoders.tokenizer = *tokenizer;
    encoders.textEncoder = encoder->get();
    ClipTextModel encoder2{nullptr};
    if (model.arch() == ModelArch::SDXL) {
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
