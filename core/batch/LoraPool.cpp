#include "batch/LoraPool.h"

#include "batch/PhraseFile.h"
#include "batch/SplitMix64.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace hdr::batch {
namespace fs = std::filesystem;

namespace {

core::Result<std::vector<LoraChoice>> scanFolder(const fs::path& folder, LoraKind kind, double strength)
{
    std::vector<LoraChoice> out;
    std::error_code ec;
    if (!fs::exists(folder, ec)) return out;
    if (!fs::is_directory(folder, ec)) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "The LoRA pool " + folder.string() + " is not a folder.",
                          folder.string());
    }
    fs::directory_iterator it(folder, ec);
    if (ec)
        return core::fail(
            core::ErrorCode::IoError, "cannot list the LoRA pool: " + ec.message(), folder.string());
    for (const fs::directory_entry& entry : it) {
        if (!isLoraFileName(entry.path()) || !entry.is_regular_file(ec)) continue;
        LoraChoice lora;
        lora.kind = kind;
        lora.name = entry.path().stem().string();
        lora.path = entry.path();
        lora.strength = strength;
        fs::path triggerFile = entry.path();
        triggerFile.replace_extension(".txt");
        if (fs::is_regular_file(triggerFile, ec)) {
            auto lines = readPhraseFile(triggerFile);
            if (!lines) return tl::unexpected(lines.error());
            lora.trigger = joinPhrases(*lines);
        }
        out.push_back(std::move(lora));
    }
    std::sort(out.begin(), out.end(), [](const LoraChoice& a, const LoraChoice& b) {
        return a.path.filename().string() < b.path.filename().string();
    });
    return out;
}

} // namespace

bool isLoraFileName(const fs::path& path)
{
    std::string ext = path.extension().string();
    std::transform(
        ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".safetensors" || ext == ".safetensor";
}

core::Result<LoraPool> LoraPool::scan(const fs::path& root, double characterStrength, double styleStrength)
{
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "The LoRA folder " + root.string() +
                              " does not exist; create it or clear lora-dir.",
                          root.string());
    }
    for (double s : {characterStrength, styleStrength}) {
        if (!(std::abs(s) <= kMaxLoraStrength)) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "A LoRA pool strength must be within -10..10.");
        }
    }
    LoraPool pool;
    auto characters = scanFolder(root / "character", LoraKind::Character, characterStrength);
    if (!characters) return tl::unexpected(characters.error());
    auto styles = scanFolder(root / "style", LoraKind::Style, styleStrength);
    if (!styles) return tl::unexpected(styles.error());
    pool.m_characters = std::move(*characters);
    pool.m_styles = std::move(*styles);
    return pool;
}

std::vector<LoraChoice> LoraPool::draw(std::uint64_t imageSeed) const
{
    std::vector<LoraChoice> out;
    if (!m_characters.empty()) {
        SplitMix64 rng = streamFor(imageSeed, "character-lora");
        out.push_back(m_characters[std::size_t(rng.below(m_characters.size()))]);
    }
    if (!m_styles.empty()) {
        SplitMix64 rng = streamFor(imageSeed, "style-lora");
        out.push_back(m_styles[std::size_t(rng.below(m_styles.size()))]);
    }
    return out;
}

std::string withTriggerWords(const std::vector<LoraChoice>& loras, const std::string& prompt)
{
    std::vector<std::string> parts;
    for (const LoraChoice& l : loras)
        parts.push_back(l.trigger);
    parts.push_back(prompt);
    return joinPhrases(parts);
}

} // namespace hdr::batch
