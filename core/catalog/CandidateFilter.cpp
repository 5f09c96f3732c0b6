#include "catalog/CandidateFilter.h"

#include <algorithm>
#include <cctype>

namespace hdr::catalog {
namespace {

std::string lowered(std::string_view s)
{
    std::string out(s);
    std::transform(
        out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])))
            ++pos;
        std::size_t end = pos;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])))
            ++end;
        if (end > pos) out.push_back(lowered(text.substr(pos, end - pos)));
        pos = end;
    }
    return out;
}

bool flagMatches(Flag flag, FlagFilter filter)
{
    switch (filter) {
    case FlagFilter::Any: return true;
    case FlagFilter::Picked: return flag == Flag::Picked;
    case FlagFilter::Rejected: return flag == Flag::Rejected;
    case FlagFilter::Unflagged: return flag == Flag::None;
    case FlagFilter::NotRejected: return flag != Flag::Rejected;
    }
    return true;
}

// Picked 2, unflagged 1, rejected 0: the rating order's tie-break.
int flagRank(Flag f)
{
    return f == Flag::Picked ? 2 : f == Flag::None ? 1 : 0;
}

int compareTime(const Candidate& a, const Candidate& b)
{
    if (!a.stamp.empty() && !b.stamp.empty()) {
        if (const int c = compareStamps(a.stamp, b.stamp); c != 0) return c;
    } else if (a.modifiedNs != b.modifiedNs) {
        return a.modifiedNs < b.modifiedNs ? -1 : 1;
    }
    return a.image < b.image ? -1 : (b.image < a.image ? 1 : 0);
}

// <0, 0, >0 by the key alone (0 = tie).
int compareByKey(const Candidate& a, const Candidate& b, SortKey key)
{
    switch (key) {
    case SortKey::Time: return 0;
    case SortKey::Rating:
        if (a.marks.stars != b.marks.stars) return a.marks.stars < b.marks.stars ? -1 : 1;
        return flagRank(a.marks.flag) - flagRank(b.marks.flag);
    case SortKey::Seed:
        if (a.seed.has_value() != b.seed.has_value()) return a.seed ? -1 : 1;
        if (a.seed && *a.seed != *b.seed) return *a.seed < *b.seed ? -1 : 1;
        return 0;
    case SortKey::Prompt: {
        const int c = lowered(a.prompt).compare(lowered(b.prompt));
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    }
    return 0;
}

} // namespace

bool CandidateFilter::isEmpty() const
{
    return flag == FlagFilter::Any && minStars <= 0 && lora.empty() && words(promptText).empty() &&
           finals == FinalsFilter::Any;
}

bool matches(const Candidate& c, const CandidateFilter& filter)
{
    if (!flagMatches(c.marks.flag, filter.flag)) return false;
    if (c.marks.stars < filter.minStars) return false;
    if (filter.finals == FinalsFilter::WithFinals && c.finals.empty()) return false;
    if (filter.finals == FinalsFilter::WithoutFinals && !c.finals.empty()) return false;
    if (!filter.lora.empty() && std::none_of(c.loras.begin(), c.loras.end(), [&](const LoraUse& l) {
            return l.name == filter.lora;
        })) {
        return false;
    }
    const std::vector<std::string> wanted = words(filter.promptText);
    if (!wanted.empty()) {
        const std::string prompt = lowered(c.prompt);
        for (const std::string& w : wanted) {
            if (prompt.find(w) == std::string::npos) return false;
        }
    }
    return true;
}

bool sortsBefore(const Candidate& a, const Candidate& b, const SortOrder& order)
{
    int c = compareByKey(a, b, order.key);
    // Unknown seeds stay last in both directions.
    const bool seedPresence = order.key == SortKey::Seed && a.seed.has_value() != b.seed.has_value();
    if (order.descending && !seedPresence) c = -c;
    if (c != 0) return c < 0;
    const int t = compareTime(a, b);
    return order.key == SortKey::Time && order.descending ? t > 0 : t < 0;
}

std::vector<std::size_t>
filterAndSort(std::span<const Candidate> candidates, const CandidateFilter& filter, const SortOrder& order)
{
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (matches(candidates[i], filter)) indices.push_back(i);
    }
    std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
        return sortsBefore(candidates[a], candidates[b], order);
    });
    return indices;
}

} // namespace hdr::catalog
