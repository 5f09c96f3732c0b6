#pragma once
// The text files of the pools (base and negative prompts, prompt options, LoRA trigger words):
// UTF-8 (a byte-order mark is skipped), one phrase per line, CRLF or LF, surrounding blanks and
// trailing commas trimmed; empty lines and lines starting with '#' are skipped.
#include "common/Error.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::batch {

inline constexpr std::size_t kMaxPhraseFileBytes = 4u << 20;

std::vector<std::string> phraseLines(std::string_view text);
// Errors name the file (missing, unreadable, larger than kMaxPhraseFileBytes).
core::Result<std::vector<std::string>> readPhraseFile(const std::filesystem::path& path);

// "a, b, c": the non-empty parts joined with ", ".
std::string joinPhrases(const std::vector<std::string>& parts);

} // namespace hdr::batch
