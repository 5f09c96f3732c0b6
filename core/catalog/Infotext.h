#pragma once
// Reads the A1111 "parameters" infotext of a generated PNG for display and search (the gallery
// shows any folder of generated images, ours or another tool's). Rules of A1111's
// infotext_utils.py::parse_generation_parameters (../shared/reference/diffusion.md §5.4): the last
// line is the parameters line when it has at least three "Key: value" entries; "Negative prompt:"
// starts the negative prompt; everything before is the prompt. Values may be JSON-quoted.
// A hand-written scanner instead of the regex: std::regex recurses per character and overflows
// the stack on long hostile lines.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hdr::catalog {

struct LoraUse {
    std::string kind; // "character", "style", "prompt" (from the batch metadata); empty when unknown
    std::string name; // file name without extension
    std::string path; // empty when only the name is known
    double strength = 1.0;

    bool operator==(const LoraUse&) const = default;
};

struct Infotext {
    std::string prompt;
    std::optional<std::string> negative;
    std::vector<std::pair<std::string, std::string>> values; // the parameters line, in order

    const std::string* find(std::string_view key) const;
};

// Never fails: text without a parameters line is all prompt.
Infotext parseInfotext(std::string_view text);

// LoRAs an infotext names: "<lora:name:0.8>" tags in the prompt (A1111), our "LoRA: path:0.8; ..."
// entry, and "Lora hashes" names when nothing else names them.
std::vector<LoraUse> lorasOf(const Infotext& info);

// "name" of "/loras/style/name.safetensors".
std::string loraNameOf(std::string_view path);

} // namespace hdr::catalog
