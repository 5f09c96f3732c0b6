#pragma once
// The LoRA pools of a batch: <root>/character/ and <root>/style/ hold LoRA files (.safetensors, or
// .safetensor as some download sites name them); each image gets one of each (when the folder has
// any), drawn from its seed (SplitMix64.h streams "character-lora" and "style-lora"), at the pool
// strengths (default 1.0 and 0.85). A same-named .txt next to a LoRA holds its trigger words
// (PhraseFile.h rules, joined with ", "), prepended to the image's prompt. Files are taken in name
// order, so a seed draws the same LoRA on every filesystem.
#include "batch/LoraChoice.h"
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hdr::batch {

// .safetensors / .safetensor (any letter case), the extensions the pools and <lora:> tags accept.
bool isLoraFileName(const std::filesystem::path& path);

class LoraPool {
public:
    // `root` must exist; a missing character/ or style/ folder is an empty pool of that kind.
    static core::Result<LoraPool>
    scan(const std::filesystem::path& root, double characterStrength = 1.0, double styleStrength = 0.85);

    // One character and one style LoRA (those pools that are not empty), character first.
    std::vector<LoraChoice> draw(std::uint64_t imageSeed) const;

    const std::vector<LoraChoice>& characters() const { return m_characters; }
    const std::vector<LoraChoice>& styles() const { return m_styles; }
    bool empty() const { return m_characters.empty() && m_styles.empty(); }

private:
    std::vector<LoraChoice> m_characters, m_styles;
};

// The trigger words of `loras` (in order), then `prompt`, joined with ", ".
std::string withTriggerWords(const std::vector<LoraChoice>& loras, const std::string& prompt);

} // namespace hdr::batch
