#pragma once
// The prompt of each batch image: a base prompt (text and/or a file), a negative prompt (text
// and/or a file), and 0-5 (optionsMin..optionsMax) phrases drawn from an options file, all
// reproducible from the image's seed (SplitMix64.h, its own stream "prompt-options"):
//   k       = optionsMin + below(min(optionsMax, n) - optionsMin + 1)   (n = options in the file)
//   options = the first k of a Fisher-Yates shuffle of 0..n-1, in file order
//   prompt  = base, options...  joined with ", "
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hdr::batch {

struct PromptSources {
    std::string prompt;                                          // base prompt text (may be empty)
    std::optional<std::string> negative;                         // negative text (unset: none)
    std::filesystem::path promptFile, negativeFile, optionsFile; // empty: none
    int optionsMin = 0, optionsMax = 5;
};

struct PromptDraw {
    std::string prompt;
    std::optional<std::string> negative; // unset when neither text nor file gives one
    std::vector<std::string> options;    // the drawn phrases, in file order
};

class PromptPool {
public:
    // Reads the files (errors name the file). A pool without any prompt is allowed here: the
    // image then runs on its LoRA trigger words alone.
    static core::Result<PromptPool> load(const PromptSources& sources);

    PromptDraw draw(std::uint64_t imageSeed) const;

    const std::string& base() const { return m_base; }
    const std::vector<std::string>& options() const { return m_options; }

private:
    std::string m_base;
    std::optional<std::string> m_negative;
    std::vector<std::string> m_options;
    int m_min = 0, m_max = 5;
};

} // namespace hdr::batch
