#include "generate/PromptLoras.h"

#include "batch/LoraPool.h"
#include "batch/PromptLoraTags.h"

namespace hdr::diffusion {

core::Result<PromptWithLoras> resolvePromptLoras(const DiffusionSettings& s)
{
    PromptWithLoras out;
    out.prompt = s.prompt;
    out.loras = s.loras;
    const auto add = [&](const batch::LoraChoice& choice) {
        out.loras.push_back(LoraSpec{choice.path, float(choice.strength)});
    };
    if (auto tags = batch::parsePromptLoraTags(s.prompt); !tags) {
        return tl::unexpected(tags.error());
    } else if (!tags->tags.empty()) {
        if (s.loraDir.empty()) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "The prompt names LoRAs (" + tags->tags.front().text +
                                  ") but no LoRA folder is set; pass --lora-dir DIR");
        }
        auto resolved = batch::extractPromptLoras(s.prompt, {s.loraDir});
        if (!resolved) return tl::unexpected(resolved.error());
        out.prompt = resolved->prompt;
        for (const auto& choice : resolved->loras)
            add(choice);
    }
    if (s.loraPool) {
        if (s.loraDir.empty()) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "The LoRA pool needs a folder with character/ and style/; pass --lora-dir DIR");
        }
        auto pool = batch::LoraPool::scan(s.loraDir);
        if (!pool) return tl::unexpected(pool.error());
        const auto drawn = pool->draw(s.seed);
        for (const auto& choice : drawn) {
            add(choice);
            out.notes.push_back(std::string("LoRA pool: ") + batch::nameOf(choice.kind) + " " + choice.name);
        }
        out.prompt = batch::withTriggerWords(drawn, out.prompt);
    }
    return out;
}

} // namespace hdr::diffusion
