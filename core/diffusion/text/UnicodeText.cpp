#include "diffusion/text/UnicodeText.h"

#include "diffusion/text/UnicodeTables.h"

#include <algorithm>
#include <cstdint>

namespace hdr::diffusion::unicode {

namespace {

using namespace tables;

bool inRanges(const CodepointRange* ranges, std::size_t count, char32_t cp)
{
    const CodepointRange* end = ranges + count;
    const CodepointRange* it = std::upper_bound(
        ranges, end, cp, [](char32_t value, const CodepointRange& r) { return value < r.first; });
    return it != ranges && cp <= (it - 1)->last;
}

template <typename Entry> const Entry* findFrom(const Entry* entries, std::size_t count, char32_t cp)
{
    const Entry* end = entries + count;
    const Entry* it =
        std::lower_bound(entries, end, cp, [](const Entry& e, char32_t value) { return e.from < value; });
    return it != end && it->from == cp ? it : nullptr;
}

int combiningClass(char32_t cp)
{
    const CombiningClassRange* end = kCombiningClass + kCombiningClassCount;
    const CombiningClassRange* it =
        std::upper_bound(kCombiningClass, end, cp, [](char32_t value, const CombiningClassRange& r) {
            return value < r.first;
        });
    if (it != kCombiningClass && cp <= (it - 1)->last) return (it - 1)->combiningClass;
    return 0;
}

// Hangul syllable arithmetic (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

void decompose(char32_t cp, std::u32string& out)
{
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t index = cp - kSBase;
        out.push_back(kLBase + index / kNCount);
        out.push_back(kVBase + (index % kNCount) / kTCount);
        if (index % kTCount != 0) out.push_back(kTBase + index % kTCount);
        return;
    }
    if (const CodepointExpansion* d = findFrom(kDecomposition, kDecompositionCount, cp)) {
        decompose(d->to[0], out);
        if (d->to[1] != 0) decompose(d->to[1], out);
        return;
    }
    out.push_back(cp);
}

bool compose(char32_t starter, char32_t combining, char32_t& composite)
{
    if (starter >= kLBase && starter < kLBase + kLCount && combining >= kVBase &&
        combining < kVBase + kVCount) {
        composite = kSBase + ((starter - kLBase) * kVCount + (combining - kVBase)) * kTCount;
        return true;
    }
    if (starter >= kSBase && starter < kSBase + kSCount && (starter - kSBase) % kTCount == 0 &&
        combining > kTBase && combining < kTBase + kTCount) {
        composite = starter + (combining - kTBase);
        return true;
    }
    const CompositionTriple* end = kComposition + kCompositionCount;
    const CompositionTriple* it = std::lower_bound(
        kComposition, end, std::pair{starter, combining}, [](const CompositionTriple& t, auto key) {
            return t.starter != key.first ? t.starter < key.first : t.combining < key.second;
        });
    if (it != end && it->starter == starter && it->combining == combining) {
        composite = it->composite;
        return true;
    }
    return false;
}

} // namespace

std::u32string decodeUtf8(std::string_view text)
{
    std::u32string out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char lead = s[i];
        int length = 0;
        char32_t cp = 0;
        if (lead < 0x80) {
            out.push_back(lead);
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            cp = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            cp = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            cp = lead & 0x07;
        }
        bool ok = length > 0 && i + length <= n;
        for (int k = 1; ok && k < length; ++k) {
            if ((s[i + k] & 0xC0) != 0x80)
                ok = false;
            else
                cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid too.
        static constexpr char32_t kMinimum[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (ok && (cp < kMinimum[length] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) ok = false;
        if (ok) {
            out.push_back(cp);
            i += length;
        } else {
            out.push_back(0xFFFD);
            ++i;
        }
    }
    return out;
}

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encodeUtf8(std::u32string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char32_t cp : text)
        appendUtf8(out, cp);
    return out;
}

bool isControl(char32_t cp)
{
    return inRanges(kControl, kControlCount, cp);
}
bool isSpaceSeparator(char32_t cp)
{
    return inRanges(kSpaceSeparator, kSpaceSeparatorCount, cp);
}
bool isPythonSpace(char32_t cp)
{
    return inRanges(kPythonSpace, kPythonSpaceCount, cp);
}
bool isRegexLetter(char32_t cp)
{
    return inRanges(kRegexLetter, kRegexLetterCount, cp);
}
bool isRegexNumber(char32_t cp)
{
    return inRanges(kRegexNumber, kRegexNumberCount, cp);
}
bool isRegexOther(char32_t cp)
{
    return inRanges(kRegexOther, kRegexOtherCount, cp);
}

bool isCjkIdeograph(char32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

std::u32string nfc(std::u32string_view text)
{
    std::u32string decomposed;
    decomposed.reserve(text.size());
    for (char32_t cp : text)
        decompose(cp, decomposed);
    // Canonical ordering: stable sort of every run of non-starters by combining class.
    for (std::size_t i = 0; i < decomposed.size();) {
        if (combiningClass(decomposed[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < decomposed.size() && combiningClass(decomposed[j]) != 0)
            ++j;
        std::stable_sort(decomposed.begin() + static_cast<std::ptrdiff_t>(i),
                         decomposed.begin() + static_cast<std::ptrdiff_t>(j),
                         [](char32_t a, char32_t b) { return combiningClass(a) < combiningClass(b); });
        i = j;
    }
    // Canonical composition: C joins the last starter S unless a character between them has
    // class 0 or a class >= C's ("blocked").
    std::u32string out;
    out.reserve(decomposed.size());
    std::ptrdiff_t starter = -1;
    int lastClass = -1; // class of the last character kept after the starter; -1 = none (adjacent)
    for (char32_t cp : decomposed) {
        const int cls = combiningClass(cp);
        if (starter >= 0) {
            const bool blocked = lastClass != -1 && (lastClass == 0 || lastClass >= cls);
            char32_t composite = 0;
            if (!blocked && compose(out[static_cast<std::size_t>(starter)], cp, composite)) {
                out[static_cast<std::size_t>(starter)] = composite;
                continue;
            }
        }
        if (cls == 0) {
            starter = static_cast<std::ptrdiff_t>(out.size());
            lastClass = -1;
        } else {
            lastClass = cls;
        }
        out.push_back(cp);
    }
    return out;
}

std::u32string pythonLower(std::u32string_view text)
{
    auto cased = [](char32_t cp) { return inRanges(kCased, kCasedCount, cp); };
    auto ignorable = [](char32_t cp) { return inRanges(kCaseIgnorable, kCaseIgnorableCount, cp); };
    std::u32string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char32_t cp = text[i];
        if (cp < 0x80) {
            out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            continue;
        }
        if (cp == 0x3A3) {
            // Final_Sigma: \p{cased}\p{case-ignorable}* SIGMA !(\p{case-ignorable}*\p{cased})
            std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) - 1;
            while (j >= 0 && ignorable(text[static_cast<std::size_t>(j)]))
                --j;
            bool finalSigma = j >= 0 && cased(text[static_cast<std::size_t>(j)]);
            if (finalSigma) {
                std::size_t k = i + 1;
                while (k < text.size() && ignorable(text[k]))
                    ++k;
                finalSigma = k == text.size() || !cased(text[k]);
            }
            out.push_back(finalSigma ? 0x3C2 : 0x3C3);
            continue;
        }
        if (const CodepointPair* p = findFrom(kLower, kLowerCount, cp)) {
            out.push_back(p->to);
        } else if (const CodepointExpansion* m = findFrom(kLowerMulti, kLowerMultiCount, cp)) {
            for (char32_t c : m->to)
                if (c != 0) out.push_back(c);
        } else {
            out.push_back(cp);
        }
    }
    return out;
}

} // namespace hdr::diffusion::unicode
