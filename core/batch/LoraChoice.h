#pragma once
// A LoRA used for one image, as the metadata records it ("loras": [{kind, name, path, strength,
// trigger}]): drawn from the character or style pool (LoraPool.h), or named in the prompt with
// <lora:name:weight> (PromptLoraTags.h).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hdr::batch {

enum class LoraKind { Character, Style, Prompt };

const char* nameOf(LoraKind kind); // "character", "style", "prompt"
std::optional<LoraKind> loraKindFromName(std::string_view name);

struct LoraChoice {
    LoraKind kind = LoraKind::Prompt;
    std::string name; // file name without extension
    std::filesystem::path path;
    double strength = 1.0;
    std::string trigger; // trigger words (pool LoRAs: the same-named .txt), prepended to the prompt
    bool operator==(const LoraChoice&) const = default;
};

// Strengths beyond this are refused, as generate --lora does (diffusion/lora/LoraSpec.h).
inline constexpr double kMaxLoraStrength = 10.0;

} // namespace hdr::batch
