#pragma once
// A1111's LoRA tags in a prompt: <lora:NAME> or <lora:NAME:WEIGHT> (weight default 1, -10..10;
// "lora" in any letter case). extractPromptLoras() removes the tags from the prompt (the
// remaining comma-separated parts are re-joined with ", ", double spaces closed) and resolves
// each NAME to NAME.safetensors or NAME.safetensor (or NAME itself when it has one of those
// extensions) in the given folders, the first folder that has it winning. NAME may name a
// subfolder ("style/ink") but never leave the folders (no "..", not absolute).
// A1111's second weight (<lora:name:te:unet>) is refused: our LoRAs have one strength.
// Torch-free, so generate, hdr, the batch and the Generate panel all parse prompts the same way.
#include "batch/LoraChoice.h"
#include "common/Error.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::batch {

struct PromptLoraTag {
    std::string name;
    double weight = 1.0;
    std::string text; // the tag as written, for messages
};

struct PromptLoras {
    std::string prompt;              // without the tags (unchanged when there are none)
    std::vector<PromptLoraTag> tags; // in prompt order
};

// Syntax only: InvalidArgument naming the malformed tag.
core::Result<PromptLoras> parsePromptLoraTags(std::string_view prompt);

struct ResolvedPromptLoras {
    std::string prompt;
    std::vector<LoraChoice> loras; // kind Prompt, in prompt order
};

// parsePromptLoraTags + resolution in `folders`; InvalidArgument naming the LoRA that is not found
// and the folders searched.
core::Result<ResolvedPromptLoras> extractPromptLoras(std::string_view prompt,
                                                     const std::vector<std::filesystem::path>& folders);

} // namespace hdr::batch
