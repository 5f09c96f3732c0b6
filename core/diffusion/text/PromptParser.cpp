#include "diffusion/text/PromptParser.h"

#include "diffusion/text/ClipTokenizer.h"
#include "diffusion/text/UnicodeText.h"

#include <algorithm>
#include <cstdlib>

namespace hdr::diffusion {

const char* nameOf(PromptStyle style)
{
    switch (style) {
    case PromptStyle::Diffusers: return "diffusers";
    case PromptStyle::A1111: return "a1111";
    }
    return "diffusers";
}

std::optional<PromptStyle> promptStyleFromName(std::string_view name)
{
    if (name == "diffusers") return PromptStyle::Diffusers;
    if (name == "a1111") return PromptStyle::A1111;
    return std::nullopt;
}

namespace {

constexpr double kRoundMultiplier = 1.1;
constexpr double kSquareMultiplier = 1.0 / 1.1;

bool isAsciiSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Python's \w for the \bBREAK\b test: letters, digits, underscore (any script).
bool isWordChar(std::string_view text, std::size_t pos, bool before)
{
    if (before) {
        // Walk back to the start of the previous UTF-8 character.
        std::size_t start = pos;
        do {
            --start;
        } while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80);
        const std::u32string cp = unicode::decodeUtf8(text.substr(start, pos - start));
        return !cp.empty() &&
               (cp[0] == '_' || unicode::isRegexLetter(cp[0]) || unicode::isRegexNumber(cp[0]));
    }
    std::size_t end = pos + 1;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        ++end;
    const std::u32string cp = unicode::decodeUtf8(text.substr(pos, end - pos));
    return !cp.empty() && (cp[0] == '_' || unicode::isRegexLetter(cp[0]) || unicode::isRegexNumber(cp[0]));
}

// re.split(r"\s*\bBREAK\b\s*", text) appended as runs with BREAK markers between them.
void appendWithBreaks(std::vector<WeightedText>& out, std::string_view text)
{
    std::size_t partStart = 0;
    std::size_t search = 0;
    while (true) {
        const std::size_t at = text.find("BREAK", search);
        if (at == std::string_view::npos) break;
        const std::size_t after = at + 5;
        const bool boundaryBefore = at == 0 || !isWordChar(text, at, true);
        const bool boundaryAfter = after == text.size() || !isWordChar(text, after, false);
        if (!boundaryBefore || !boundaryAfter) {
            search = at + 1;
            continue;
        }
        std::size_t left = at;
        while (left > partStart && isAsciiSpace(text[left - 1]))
            --left;
        std::size_t right = after;
        while (right < text.size() && isAsciiSpace(text[right]))
            ++right;
        out.push_back(WeightedText{std::string(text.substr(partStart, left - partStart)), 1.0, false});
        out.push_back(WeightedText{"BREAK", -1.0, true});
        partStart = right;
        search = right;
    }
    out.push_back(WeightedText{std::string(text.substr(partStart)), 1.0, false});
}

// Matches ":\s*([+-]?[.\d]+)\s*\)" at pos; returns its length and the number text.
std::size_t matchWeight(std::string_view text, std::size_t pos, std::string& number)
{
    if (text[pos] != ':') return 0;
    std::size_t i = pos + 1;
    while (i < text.size() && isAsciiSpace(text[i]))
        ++i;
    const std::size_t numberStart = i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t digitsStart = i;
    while (i < text.size() && (text[i] == '.' || (text[i] >= '0' && text[i] <= '9')))
        ++i;
    if (i == digitsStart) return 0;
    number = std::string(text.substr(numberStart, i - numberStart));
    while (i < text.size() && isAsciiSpace(text[i]))
        ++i;
    if (i >= text.size() || text[i] != ')') return 0;
    return i + 1 - pos;
}

} // namespace

std::vector<WeightedText> parsePromptAttention(std::string_view text)
{
    std::vector<WeightedText> res;
    std::vector<std::size_t> roundBrackets, squareBrackets;
    auto multiplyFrom = [&](std::size_t start, double multiplier) {
        for (std::size_t p = start; p < res.size(); ++p)
            res[p].weight *= multiplier;
    };
    for (std::size_t pos = 0; pos < text.size();) {
        const char c = text[pos];
        std::string number;
        if (c == '\\') {
            // "\(" "\)" "\[" "\]" "\\" give the character; a lone backslash gives nothing.
            const bool escape = pos + 1 < text.size() &&
                                (text[pos + 1] == '(' || text[pos + 1] == ')' || text[pos + 1] == '[' ||
                                 text[pos + 1] == ']' || text[pos + 1] == '\\');
            res.push_back(WeightedText{escape ? std::string(1, text[pos + 1]) : std::string(), 1.0, false});
            pos += escape ? 2 : 1;
        } else if (c == '(') {
            roundBrackets.push_back(res.size());
            ++pos;
        } else if (c == '[') {
            squareBrackets.push_back(res.size());
            ++pos;
        } else if (std::size_t length = matchWeight(text, pos, number);
                   length > 0 && !roundBrackets.empty()) {
            char* end = nullptr;
            double weight = std::strtod(number.c_str(), &end);
            if (end != number.c_str() + number.size())
                weight = 1.0; // "1.2.3": Python's float() would raise; keep the text's weight
            multiplyFrom(roundBrackets.back(), weight);
            roundBrackets.pop_back();
            pos += length;
        } else if (c == ')' && !roundBrackets.empty()) {
            multiplyFrom(roundBrackets.back(), kRoundMultiplier);
            roundBrackets.pop_back();
            ++pos;
        } else if (c == ']' && !squareBrackets.empty()) {
            multiplyFrom(squareBrackets.back(), kSquareMultiplier);
            squareBrackets.pop_back();
            ++pos;
        } else {
            // Plain text: a weight group with no open bracket, a lone ':' ')' ']', or a run of
            // characters other than \ ( ) [ ] :.
            std::size_t end = pos;
            if (length > 0) {
                end = pos + length;
            } else if (c == ':' || c == ')' || c == ']') {
                end = pos + 1;
            } else {
                while (end < text.size() && text[end] != '\\' && text[end] != '(' && text[end] != ')' &&
                       text[end] != '[' && text[end] != ']' && text[end] != ':')
                    ++end;
            }
            appendWithBreaks(res, text.substr(pos, end - pos));
            pos = end;
        }
    }
    for (std::size_t start : roundBrackets)
        multiplyFrom(start, kRoundMultiplier);
    for (std::size_t start : squareBrackets)
        multiplyFrom(start, kSquareMultiplier);
    if (res.empty()) res.push_back(WeightedText{"", 1.0, false});
    for (std::size_t i = 0; i + 1 < res.size();) {
        if (!res[i].isBreak && !res[i + 1].isBreak && res[i].weight == res[i + 1].weight) {
            res[i].text += res[i + 1].text;
            res.erase(res.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        } else {
            ++i;
        }
    }
    return res;
}

std::vector<PromptChunk> chunkPrompt(const ClipTokenizer& tokenizer,
                                     std::string_view prompt,
                                     PromptStyle style,
                                     const ChunkingOptions& options)
{
    const std::size_t perChunk = static_cast<std::size_t>(std::max(1, options.tokensPerChunk));
    const std::size_t length = perChunk + 2;
    std::vector<PromptChunk> chunks;
    std::vector<int64_t> tokens;
    std::vector<float> weights;

    auto finishChunk = [&]() {
        PromptChunk chunk;
        chunk.ids.assign(length, tokenizer.padId());
        chunk.weights.assign(length, 1.0f);
        chunk.ids[0] = tokenizer.bosId();
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            chunk.ids[i + 1] = tokens[i];
            chunk.weights[i + 1] = weights[i];
        }
        chunk.ids[tokens.size() + 1] = tokenizer.eosId();
        chunks.push_back(std::move(chunk));
        tokens.clear();
        weights.clear();
    };

    if (style == PromptStyle::Diffusers) {
        tokens = tokenizer.encode(prompt);
        if (tokens.size() > perChunk) tokens.resize(perChunk);
        weights.assign(tokens.size(), 1.0f);
        finishChunk();
        return chunks;
    }

    const int64_t comma = tokenizer.idOf(",</w>");
    std::ptrdiff_t lastComma = -1;
    for (const WeightedText& run : parsePromptAttention(prompt)) {
        if (run.isBreak) {
            finishChunk();
            lastComma = -1;
            continue;
        }
        for (int64_t token : tokenizer.encode(run.text)) {
            if (comma >= 0 && token == comma) {
                lastComma = static_cast<std::ptrdiff_t>(tokens.size());
            } else if (options.commaBacktrack > 0 && tokens.size() == perChunk && lastComma != -1 &&
                       static_cast<std::ptrdiff_t>(tokens.size()) - lastComma <= options.commaBacktrack) {
                // Move the words after the last comma to the next chunk rather than split them.
                const auto breakAt = static_cast<std::ptrdiff_t>(lastComma) + 1;
                std::vector<int64_t> movedTokens(tokens.begin() + breakAt, tokens.end());
                std::vector<float> movedWeights(weights.begin() + breakAt, weights.end());
                tokens.resize(static_cast<std::size_t>(breakAt));
                weights.resize(static_cast<std::size_t>(breakAt));
                finishChunk();
                lastComma = -1;
                tokens = std::move(movedTokens);
                weights = std::move(movedWeights);
            }
            if (tokens.size() == perChunk) {
                finishChunk();
                lastComma = -1;
            }
            tokens.push_back(token);
            weights.push_back(static_cast<float>(run.weight));
        }
    }
    if (!tokens.empty() || chunks.empty()) finishChunk();
    return chunks;
}

} // namespace hdr::diffusion
