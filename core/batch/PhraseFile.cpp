#include "batch/PhraseFile.h"

#include "common/AtomicFile.h"

namespace hdr::batch {
namespace {

std::string_view trimmedPhrase(std::string_view line)
{
    const auto begin = line.find_first_not_of(" \t\r,");
    if (begin == std::string_view::npos) return {};
    const auto end = line.find_last_not_of(" \t\r,");
    if (end == std::string_view::npos || end < begin) return {};
    return line.substr(begin, end - begin + 1);
}

} // namespace

std::vector<std::string> phraseLines(std::string_view text)
{
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        const std::string_view phrase = trimmedPhrase(line);
        if (phrase.empty() || phrase.front() == '#') continue;
        out.emplace_back(phrase);
    }
    return out;
}

core::Result<std::vector<std::string>> readPhraseFile(const std::filesystem::path& path)
{
    auto bytes = core::readFileBytes(path, kMaxPhraseFileBytes);
    if (!bytes) return tl::unexpected(bytes.error());
    const auto* text = reinterpret_cast<const char*>(bytes->data());
    return phraseLines(std::string_view(text, bytes->size()));
}

std::string joinPhrases(const std::vector<std::string>& parts)
{
    std::string out;
    for (const std::string& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += ", ";
        out += p;
    }
    return out;
}

} // namespace hdr::batch
