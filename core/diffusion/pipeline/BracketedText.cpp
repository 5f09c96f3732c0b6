#include "diffusion/pipeline/BracketedText.h"

#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/text/TextConditioning.h"

#include <c10/core/InferenceMode.h>

namespace hdr::diffusion {

core::Result<EncodedPromptTensors> encodePromptForBrackets(StableDiffusionModel& model,
                                                           const std::string& prompt,
                                                           const std::optional<std::string>& negative,
                                                           bool classifierFree)
{
    c10::InferenceMode guard;
    TextEncoderSet encoders;
    auto tokenizer = model.tokenizer();
    if (!tokenizer) {
        return tl::unexpected(tokenizer.error());
    }
    auto encoder = model.textEncoder();
    if (!encoder) {
        return tl::unexpected(encoder.error());
    }
    encoders.tokenizer = *tokenizer;
    encoders.textEncoder = encoder->get();
    ClipTextModel encoder2{nullptr};
    if (model.arch() == ModelArch::SDXL) {
        auto tokenizer2 = model.tokenizer2();
        if (!tokenizer2) {
            return tl::unexpected(tokenizer2.error());
        }
        auto loaded2 = model.textEncoder2();
        if (!loaded2) {
            return tl::unexpected(loaded2.error());
        }
        encoder2 = *loaded2;
        encoders.tokenizer2 = *tokenizer2;
        encoders.textEncoder2 = encoder2.get();
    }
    std::vector<std::optional<std::string>> negatives;
    if (classifierFree) {
        negatives.push_back(negative);
    }
    auto embeds = encodePrompts(encoders, {prompt}, classifierFree, negatives);
    if (!embeds) {
        return tl::unexpected(embeds.error());
    }
    EncodedPromptTensors out;
    out.cond = embeds->promptEmbeds;
    out.uncond = embeds->negativePromptEmbeds;
    out.pooled = embeds->pooledPromptEmbeds;
    out.uncondPooled = embeds->negativePooledPromptEmbeds;
    return out;
}

} // namespace hdr::diffusion
