#pragma once
// The LoRAs a request asks for besides --lora: `<lora:name:weight>` tags in the prompt (A1111's
// syntax; the tags are removed from the text the encoders see) resolved in lora-dir, and with
// lora-pool one character and one style LoRA drawn from lora-dir/character and lora-dir/style by
// the request's seed, their trigger words put in front of the prompt (the batch workflow's pools,
// batch/LoraPool.h). Used by every generation workflow through prepareGeneration().
#include "common/Error.h"
#include "generate/DiffusionSettings.h"

#include <string>
#include <vector>

namespace hdr::diffusion {

struct PromptWithLoras {
    std::string prompt;          // what the text encoders get
    std::vector<LoraSpec> loras; // --lora first, then the prompt's tags, then the pool's draw
    std::vector<std::string> notes;
};

core::Result<PromptWithLoras> resolvePromptLoras(const DiffusionSettings& settings);

} // namespace hdr::diffusion
