#pragma once
// Filters and sort orders of the gallery's filter bar (Lightroom's filter bar: flag, rating,
// metadata and text, each its own axis; ../shared/reference/hdr.md §5.2). Pure functions.
#include "catalog/Candidate.h"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace hdr::catalog {

enum class FlagFilter { Any, Picked, Rejected, Unflagged, NotRejected };
enum class FinalsFilter { Any, WithFinals, WithoutFinals };

struct CandidateFilter {
    FlagFilter flag = FlagFilter::Any;
    int minStars = 0; // 0: any rating
    std::string lora; // a LoRA name the candidate uses; empty: any
    // Case-insensitive (ASCII letters) words that must all occur in the prompt, anywhere.
    std::string promptText;
    FinalsFilter finals = FinalsFilter::Any;

    bool isEmpty() const;
};

bool matches(const Candidate& c, const CandidateFilter& filter);

enum class SortKey { Time, Rating, Seed, Prompt };

struct SortOrder {
    SortKey key = SortKey::Time;
    bool descending = false;
};

// Time: the batch stamp, else the file time. Rating: stars, then picked before unflagged before
// rejected. Seed: unknown seeds last. Prompt: case-insensitive. Ties keep time order.
bool sortsBefore(const Candidate& a, const Candidate& b, const SortOrder& order);

// Indices into `candidates` of those that match, in the sort order.
std::vector<std::size_t>
filterAndSort(std::span<const Candidate> candidates, const CandidateFilter& filter, const SortOrder& order);

} // namespace hdr::catalog
