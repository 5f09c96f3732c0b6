#include "batch/PromptPool.h"

#include "batch/PhraseFile.h"
#include "batch/SplitMix64.h"

#include <algorithm>
#include <numeric>

namespace hdr::batch {

core::Result<PromptPool> PromptPool::load(const PromptSources& sources)
{
    if (sources.optionsMin < 0 || sources.optionsMin > sources.optionsMax) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "The prompt options range " + std::to_string(sources.optionsMin) + ".." +
                              std::to_string(sources.optionsMax) + " is empty.");
    }
    PromptPool pool;
    pool.m_min = sources.optionsMin;
    pool.m_max = sources.optionsMax;
    std::vector<std::string> base{sources.prompt};
    if (!sources.promptFile.empty()) {
        auto lines = readPhraseFile(sources.promptFile);
        if (!lines) return tl::unexpected(lines.error());
        base.insert(base.end(), lines->begin(), lines->end());
    }
    pool.m_base = joinPhrases(base);
    std::vector<std::string> negative;
    if (sources.negative) negative.push_back(*sources.negative);
    if (!sources.negativeFile.empty()) {
        auto lines = readPhraseFile(sources.negativeFile);
        if (!lines) return tl::unexpected(lines.error());
        negative.insert(negative.end(), lines->begin(), lines->end());
    }
    if (sources.negative || !sources.negativeFile.empty()) pool.m_negative = joinPhrases(negative);
    if (!sources.optionsFile.empty()) {
        auto lines = readPhraseFile(sources.optionsFile);
        if (!lines) return tl::unexpected(lines.error());
        pool.m_options = std::move(*lines);
    }
    return pool;
}

PromptDraw PromptPool::draw(std::uint64_t imageSeed) const
{
    PromptDraw out;
    out.negative = m_negative;
    const std::size_t n = m_options.size();
    const std::size_t most = std::min<std::size_t>(std::size_t(m_max), n);
    const std::size_t fewest = std::min<std::size_t>(std::size_t(m_min), most);
    SplitMix64 rng = streamFor(imageSeed, "prompt-options");
    const std::size_t k = fewest + std::size_t(rng.below(most - fewest + 1));
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t(0));
    for (std::size_t i = 0; i < k; ++i) {
        const std::size_t j = i + std::size_t(rng.below(n - i));
        std::swap(order[i], order[j]);
    }
    std::vector<std::size_t> chosen(order.begin(), order.begin() + std::ptrdiff_t(k));
    std::sort(chosen.begin(), chosen.end());
    for (std::size_t i : chosen)
        out.options.push_back(m_options[i]);
    std::vector<std::string> parts{m_base};
    parts.insert(parts.end(), out.options.begin(), out.options.end());
    out.prompt = joinPhrases(parts);
    return out;
}

} // namespace hdr::batch
