#include "batch/PromptLoraTags.h"

#include "batch/LoraPool.h"
#include "batch/PhraseFile.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace hdr::batch {
namespace fs = std::filesystem;

namespace {

using core::ErrorCode;
using core::throwError;

std::string_view trimmed(std::string_view s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// Position of the next "<lora:" (any letter case) at or after `from`.
std::size_t findTag(std::string_view text, std::size_t from)
{
    static constexpr std::string_view kOpen = "<lora:";
    for (std::size_t i = text.find('<', from); i != std::string_view::npos; i = text.find('<', i + 1)) {
        if (text.size() - i < kOpen.size()) return std::string_view::npos;
        bool same = true;
        for (std::size_t k = 0; k < kOpen.size() && same; ++k)
            same = std::tolower(static_cast<unsigned char>(text[i + k])) == kOpen[k];
        if (same) return i;
    }
    return std::string_view::npos;
}

PromptLoraTag parseTag(std::string_view tag, std::string_view inner)
{
    PromptLoraTag out;
    out.text = std::string(tag);
    const auto colon = inner.find(':');
    out.name = std::string(trimmed(inner.substr(0, colon)));
    if (out.name.empty())
        throwError(ErrorCode::InvalidArgument, "The prompt tag " + out.text + " names no LoRA.");
    if (colon == std::string_view::npos) return out;
    const std::string_view weight = trimmed(inner.substr(colon + 1));
    if (weight.find(':') != std::string_view::npos) {
        throwError(ErrorCode::InvalidArgument,
                   "The prompt tag " + out.text +
                       " has two weights; write <lora:name:weight> (one strength).");
    }
    const auto [ptr, ec] = std::from_chars(weight.data(), weight.data() + weight.size(), out.weight);
    if (weight.empty() || ec != std::errc() || ptr != weight.data() + weight.size() ||
        !std::isfinite(out.weight) || std::abs(out.weight) > kMaxLoraStrength) {
        throwError(ErrorCode::InvalidArgument,
                   "The weight in the prompt tag " + out.text + " must be a number from -10 to 10.");
    }
    return out;
}

// The prompt after the tags were cut out: comma-separated parts trimmed and re-joined, runs of
// spaces closed.
std::string tidyPrompt(const std::string& text)
{
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == ',') {
            parts.emplace_back(trimmed(current));
            current.clear();
        } else if (!(c == ' ' && !current.empty() && current.back() == ' ')) {
            current += c;
        }
    }
    parts.emplace_back(trimmed(current));
    return joinPhrases(parts);
}

bool staysInside(const fs::path& name)
{
    if (name.is_absolute() || name.has_root_name()) return false;
    for (const auto& part : name) {
        if (part == "..") return false;
    }
    return true;
}

} // namespace

core::Result<PromptLoras> parsePromptLoraTags(std::string_view prompt)
{
    return core::guarded(ErrorCode::InvalidArgument, {}, [&] {
        PromptLoras out;
        std::string rest;
        std::size_t at = 0;
        for (std::size_t open = findTag(prompt, 0); open != std::string_view::npos;
             open = findTag(prompt, at)) {
            const std::size_t close = prompt.find('>', open);
            if (close == std::string_view::npos) {
                throwError(ErrorCode::InvalidArgument,
                           "The prompt tag " + std::string(prompt.substr(open, 40)) + " has no closing '>'.");
            }
            const std::string_view tag = prompt.substr(open, close - open + 1);
            out.tags.push_back(parseTag(tag, prompt.substr(open + 6, close - open - 6)));
            rest += prompt.substr(at, open - at);
            at = close + 1;
        }
        if (out.tags.empty()) {
            out.prompt = std::string(prompt);
            return out;
        }
        rest += prompt.substr(at);
        out.prompt = tidyPrompt(rest);
        return out;
    });
}

core::Result<ResolvedPromptLoras> extractPromptLoras(std::string_view prompt,
                                                     const std::vector<fs::path>& folders)
{
    auto parsed = parsePromptLoraTags(prompt);
    if (!parsed) return tl::unexpected(parsed.error());
    ResolvedPromptLoras out;
    out.prompt = std::move(parsed->prompt);
    for (const PromptLoraTag& tag : parsed->tags) {
        const fs::path name(tag.name);
        if (!staysInside(name)) {
            return core::fail(ErrorCode::InvalidArgument,
                              "The LoRA name in " + tag.text + " must be a name inside the LoRA folders.");
        }
        std::vector<fs::path> candidates;
        for (const fs::path& folder : folders) {
            if (isLoraFileName(name)) candidates.push_back(folder / name);
            candidates.push_back(folder / (tag.name + ".safetensors"));
            candidates.push_back(folder / (tag.name + ".safetensor"));
        }
        std::error_code ec;
        const fs::path* found = nullptr;
        for (const fs::path& c : candidates) {
            if (fs::is_regular_file(c, ec)) {
                found = &c;
                break;
            }
        }
        if (!found) {
            std::string searched;
            for (const fs::path& folder : folders)
                searched += (searched.empty() ? "" : ", ") + folder.string();
            return core::fail(
                ErrorCode::InvalidArgument,
                "The LoRA '" + tag.name + "' of the prompt tag " + tag.text + " is not in " +
                    (searched.empty() ? std::string("any LoRA folder (none is set)") : searched) +
                    "; add the file or fix the name.",
                tag.name);
        }
        LoraChoice lora;
        lora.kind = LoraKind::Prompt;
        lora.name = found->stem().string();
        lora.path = *found;
        lora.strength = tag.weight;
        out.loras.push_back(std::move(lora));
    }
    return out;
}

} // namespace hdr::batch
