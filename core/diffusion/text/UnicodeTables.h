#pragma once
// Unicode property tables for ClipTokenizer, generated from Python's own Unicode database and the
// `regex` module by generate_unicode_tables.py (see there for versions). Torch-free, no ICU.
#include <cstddef>
#include <cstdint>

namespace hdr::diffusion::unicode::tables {

struct CodepointRange {
    char32_t first;
    char32_t last;
};
struct CodepointPair {
    char32_t from;
    char32_t to;
};
struct CodepointExpansion {
    char32_t from;
    char32_t to[3]; // 0-terminated when shorter
};
struct CompositionTriple {
    char32_t starter;
    char32_t combining;
    char32_t composite;
};
struct CombiningClassRange {
    char32_t first;
    char32_t last;
    std::uint8_t combiningClass;
};

extern const CodepointRange kControl[];
extern const std::size_t kControlCount;
extern const CodepointRange kSpaceSeparator[];
extern const std::size_t kSpaceSeparatorCount;
extern const CodepointRange kPythonSpace[];
extern const std::size_t kPythonSpaceCount;
extern const CodepointRange kRegexLetter[];
extern const std::size_t kRegexLetterCount;
extern const CodepointRange kRegexNumber[];
extern const std::size_t kRegexNumberCount;
extern const CodepointRange kRegexOther[];
extern const std::size_t kRegexOtherCount;
extern const CodepointRange kCaseIgnorable[];
extern const std::size_t kCaseIgnorableCount;
extern const CodepointRange kCased[];
extern const std::size_t kCasedCount;
extern const CodepointPair kLower[];
extern const std::size_t kLowerCount;
extern const CodepointExpansion kLowerMulti[];
extern const std::size_t kLowerMultiCount;
extern const CodepointExpansion kDecomposition[];
extern const std::size_t kDecompositionCount;
extern const CompositionTriple kComposition[];
extern const std::size_t kCompositionCount;
extern const CombiningClassRange kCombiningClass[];
extern const std::size_t kCombiningClassCount;

} // namespace hdr::diffusion::unicode::tables
