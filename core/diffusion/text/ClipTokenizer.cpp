#include "diffusion/text/ClipTokenizer.h"

#include "diffusion/text/UnicodeText.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace hdr::diffusion {

namespace {

using core::ErrorCode;

// transformers keeps merges.txt lines [1, 49152 - 256 - 2 + 1) (line 0 is the "#version" header).
constexpr std::size_t kMaxMergeLine = 49152 - 256 - 2 + 1;

std::string readText(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) core::throwError(ErrorCode::IoError, "Cannot open the tokenizer file", path.string());
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// "bos_token": "<|startoftext|>" or {"content": "<|startoftext|>", ...}
bool readTokenString(const nlohmann::json& config, const char* key, std::string& out)
{
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return false;
    if (it->is_string())
        out = it->get<std::string>();
    else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        out = (*it)["content"].get<std::string>();
    else
        return false;
    return true;
}

// bytes_to_unicode(): printable Latin-1 bytes map to themselves, the other 68 to U+0100 onwards.
void buildByteSymbols(std::string (&symbols)[256])
{
    int next = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next++);
        symbols[b].clear();
        unicode::appendUtf8(symbols[b], cp);
    }
}

// The `regex` module's IGNORECASE comparison against an ASCII lower-case pattern letter (the
// text is already lower-cased; U+017F long s and U+212A Kelvin fold to s and k).
bool foldEquals(char32_t cp, char pattern)
{
    if (cp == static_cast<char32_t>(pattern)) return true;
    if (pattern >= 'a' && pattern <= 'z' && cp == static_cast<char32_t>(pattern - 32)) return true;
    return (pattern == 's' && cp == 0x17F) || (pattern == 'k' && cp == 0x212A);
}

std::size_t matchLiteral(std::u32string_view text, std::size_t pos, std::string_view literal)
{
    if (text.size() - pos < literal.size()) return 0;
    for (std::size_t k = 0; k < literal.size(); ++k)
        if (!foldEquals(text[pos + k], literal[k])) return 0;
    return literal.size();
}

// Length of the match of the CLIP split pattern at `pos`, 0 if none starts there.
std::size_t matchSplitPattern(std::u32string_view text, std::size_t pos)
{
    static constexpr std::string_view kLiterals[] = {
        "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    for (std::string_view literal : kLiterals)
        if (std::size_t n = matchLiteral(text, pos, literal)) return n;
    std::size_t end = pos;
    if (unicode::isRegexLetter(text[pos])) {
        while (end < text.size() && unicode::isRegexLetter(text[end]))
            ++end;
        return end - pos;
    }
    if (unicode::isRegexNumber(text[pos])) return 1;
    while (end < text.size() && unicode::isRegexOther(text[end]))
        ++end;
    return end - pos;
}

// BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize(text), then
// " ".join(...).lower() as CLIPTokenizer._tokenize does.
std::u32string basicNormalize(std::u32string_view text)
{
    std::u32string cleaned;
    cleaned.reserve(text.size());
    for (char32_t cp : text) {
        const bool whitespace =
            cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || unicode::isSpaceSeparator(cp);
        if (cp == 0 || cp == 0xFFFD || (!whitespace && unicode::isControl(cp))) continue;
        if (whitespace) {
            cleaned.push_back(' ');
        } else if (unicode::isCjkIdeograph(cp)) {
            cleaned.push_back(' ');
            cleaned.push_back(cp);
            cleaned.push_back(' ');
        } else {
            cleaned.push_back(cp);
        }
    }
    const std::u32string normalized = unicode::nfc(cleaned);
    std::u32string joined;
    joined.reserve(normalized.size());
    for (std::size_t i = 0; i < normalized.size();) {
        if (unicode::isPythonSpace(normalized[i])) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < normalized.size() && !unicode::isPythonSpace(normalized[end]))
            ++end;
        if (!joined.empty()) joined.push_back(' ');
        joined += unicode::pythonLower(std::u32string_view(normalized).substr(i, end - i));
        i = end;
    }
    return unicode::pythonLower(joined);
}

} // namespace

core::Result<ClipTokenizer> ClipTokenizer::load(const std::filesystem::path& folder)
{
    return core::guarded(ErrorCode::CorruptData, folder.string(), [&]() -> ClipTokenizer {
        ClipSpecialTokens special;
        for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
            // tokenizer_config.json is read last so its values win (both agree in real models).
            const std::filesystem::path path = folder / name;
            if (!std::filesystem::exists(path)) continue;
            const nlohmann::json config = nlohmann::json::parse(readText(path));
            if (!config.is_object())
                core::throwError(ErrorCode::CorruptData,
                                 "The tokenizer configuration is not a JSON object",
                                 path.string());
            readTokenString(config, "bos_token", special.bos);
            readTokenString(config, "eos_token", special.eos);
            readTokenString(config, "unk_token", special.unk);
            readTokenString(config, "pad_token", special.pad);
            if (auto it = config.find("model_max_length"); it != config.end() && it->is_number_integer()) {
                const auto length = it->get<int64_t>();
                if (length >= 2 && length <= 4096) special.modelMaxLength = static_cast<int>(length);
            }
            if (auto it = config.find("added_tokens_decoder"); it != config.end() && it->is_object()) {
                special.added.clear();
                for (const auto& [key, value] : it->items()) {
                    if (!value.is_object() || !value.contains("content") || !value["content"].is_string())
                        continue;
                    ClipAddedToken token;
                    token.content = value["content"].get<std::string>();
                    token.id = std::stoll(key);
                    token.lstrip = value.value("lstrip", false);
                    token.rstrip = value.value("rstrip", false);
                    special.added.push_back(std::move(token));
                }
            }
        }
        auto tokenizer = fromContents(
            readText(folder / "vocab.json"), readText(folder / "merges.txt"), special, folder.string());
        if (!tokenizer) throw core::HdrError(tokenizer.error());
        return std::move(*tokenizer);
    });
}

core::Result<ClipTokenizer> ClipTokenizer::fromContents(std::string_view vocabJson,
                                                        std::string_view mergesText,
                                                        const ClipSpecialTokens& special,
                                                        const std::string& where)
{
    return core::guarded(ErrorCode::CorruptData, where, [&]() -> ClipTokenizer {
        ClipTokenizer tok;
        const nlohmann::json vocab = nlohmann::json::parse(vocabJson);
        if (!vocab.is_object() || vocab.empty())
            core::throwError(
                ErrorCode::CorruptData, "vocab.json is not a non-empty JSON object of token -> id", where);
        for (const auto& [token, id] : vocab.items()) {
            if (!id.is_number_integer())
                core::throwError(
                    ErrorCode::CorruptData, "vocab.json maps \"" + token + "\" to a non-integer", where);
            tok.m_vocab[token] = id.get<int64_t>();
        }

        // merges: content.strip().split("\n")[1:48895], each line split on whitespace; a later
        // duplicate of a pair overrides its rank, as dict(zip(...)) does.
        std::string_view text = mergesText;
        const auto isSpace = [](char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        };
        while (!text.empty() && isSpace(text.front()))
            text.remove_prefix(1);
        while (!text.empty() && isSpace(text.back()))
            text.remove_suffix(1);
        std::size_t lineIndex = 0;
        int rank = 0;
        for (std::size_t start = 0; start <= text.size() && lineIndex < kMaxMergeLine; ++lineIndex) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(start, end - start);
            start = end + 1;
            if (lineIndex == 0) continue;
            std::vector<std::string_view> parts;
            for (std::size_t i = 0; i < line.size();) {
                while (i < line.size() && isSpace(line[i]))
                    ++i;
                std::size_t j = i;
                while (j < line.size() && !isSpace(line[j]))
                    ++j;
                if (j > i) parts.push_back(line.substr(i, j - i));
                i = j;
            }
            const int thisRank = rank++;
            if (parts.size() == 2)
                tok.m_mergeRanks[std::string(parts[0]) + " " + std::string(parts[1])] = thisRank;
        }

        buildByteSymbols(tok.m_byteSymbols);
        // An added token's own id wins over the vocab's, as in transformers.
        const auto vocabId = [&](const std::string& token, const char* role) {
            for (const ClipAddedToken& added : special.added)
                if (added.content == token && added.id >= 0) return added.id;
            auto it = tok.m_vocab.find(token);
            if (it != tok.m_vocab.end()) return it->second;
            core::throwError(ErrorCode::CorruptData,
                             std::string("The tokenizer's ") + role + " token \"" + token +
                                 "\" is not in vocab.json",
                             where);
        };
        tok.m_bosId = vocabId(special.bos, "start");
        tok.m_eosId = vocabId(special.eos, "end");
        tok.m_unkId = vocabId(special.unk, "unknown");
        tok.m_padId = vocabId(special.pad, "padding");
        tok.m_modelMaxLength = special.modelMaxLength;

        // Every special token is also an added token (transformers registers them so), and the
        // text is split on added tokens before anything else.
        std::vector<ClipAddedToken> added = special.added;
        for (const std::string* s : {&special.bos, &special.eos, &special.unk, &special.pad}) {
            const bool known = std::any_of(
                added.begin(), added.end(), [&](const ClipAddedToken& a) { return a.content == *s; });
            if (!known && !s->empty()) added.push_back(ClipAddedToken{*s, -1, false, false});
        }
        for (const ClipAddedToken& a : added) {
            if (a.content.empty()) continue;
            const int64_t id = a.id >= 0 ? a.id : vocabId(a.content, "added");
            tok.m_added.push_back(AddedMatch{unicode::decodeUtf8(a.content), id, a.lstrip, a.rstrip});
        }
        std::sort(tok.m_added.begin(), tok.m_added.end(), [](const AddedMatch& a, const AddedMatch& b) {
            return a.content.size() > b.content.size();
        });
        return tok;
    });
}

int64_t ClipTokenizer::idOf(const std::string& token) const
{
    auto it = m_vocab.find(token);
    return it == m_vocab.end() ? -1 : it->second;
}

int64_t ClipTokenizer::idOfOrUnk(const std::string& token) const
{
    auto it = m_vocab.find(token);
    return it == m_vocab.end() ? m_unkId : it->second;
}

void ClipTokenizer::bpe(const std::string& token, std::vector<std::string>& out) const
{
    // The tokenizer's cache is pre-seeded with the two special strings: they map to themselves.
    if (token == "<|startoftext|>" || token == "<|endoftext|>") {
        out.push_back(token);
        return;
    }
    std::vector<std::string> word;
    for (std::size_t i = 0; i < token.size();) {
        std::size_t length = 1;
        const auto lead = static_cast<unsigned char>(token[i]);
        if (lead >= 0xF0)
            length = 4;
        else if (lead >= 0xE0)
            length = 3;
        else if (lead >= 0xC0)
            length = 2;
        word.push_back(token.substr(i, length));
        i += length;
    }
    if (word.empty()) return;
    word.back() += "</w>";
    while (word.size() > 1) {
        int bestRank = std::numeric_limits<int>::max();
        std::size_t best = 0;
        for (std::size_t i = 0; i + 1 < word.size(); ++i) {
            auto it = m_mergeRanks.find(word[i] + " " + word[i + 1]);
            if (it != m_mergeRanks.end() && it->second < bestRank) {
                bestRank = it->second;
                best = i;
            }
        }
        if (bestRank == std::numeric_limits<int>::max()) break;
        const std::string first = word[best], second = word[best + 1];
        std::vector<std::string> merged;
        merged.reserve(word.size());
        for (std::size_t i = 0; i < word.size();) {
            if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
                merged.push_back(first + second);
                i += 2;
            } else {
                merged.push_back(word[i]);
                ++i;
            }
        }
        word = std::move(merged);
    }
    for (std::string& symbol : word)
        out.push_back(std::move(symbol));
}

void ClipTokenizer::tokenizePiece(std::u32string_view piece, std::vector<std::string>& tokens) const
{
    const std::u32string text = basicNormalize(piece);
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t length = matchSplitPattern(text, pos);
        if (length == 0) {
            ++pos; // whitespace, or U+0345 which is in no class
            continue;
        }
        std::string bytes = unicode::encodeUtf8(std::u32string_view(text).substr(pos, length));
        pos += length;
        std::string symbols;
        if (bytes == "<|startoftext|>" || bytes == "<|endoftext|>") {
            symbols = bytes;
        } else {
            for (unsigned char b : bytes)
                symbols += m_byteSymbols[b];
        }
        bpe(symbols, tokens);
    }
}

namespace {
struct Piece {
    std::u32string text;
    int64_t addedId = -1; // >= 0: an added token, taken whole
    std::string addedContent;
};
} // namespace

std::vector<int64_t> ClipTokenizer::encode(std::string_view textUtf8) const
{
    std::vector<int64_t> ids;
    std::vector<std::string> tokens;
    const std::u32string text = unicode::decodeUtf8(textUtf8);
    // Split on added tokens (leftmost, longest), honouring lstrip/rstrip.
    std::vector<Piece> pieces;
    std::u32string pending;
    bool stripNext = false;
    for (std::size_t pos = 0; pos < text.size();) {
        const AddedMatch* hit = nullptr;
        for (const AddedMatch& added : m_added) {
            if (text.compare(pos, added.content.size(), added.content) == 0) {
                hit = &added;
                break;
            }
        }
        if (!hit) {
            if (!(stripNext && pending.empty() && unicode::isPythonSpace(text[pos])))
                pending.push_back(text[pos]);
            if (!unicode::isPythonSpace(text[pos])) stripNext = false;
            ++pos;
            continue;
        }
        if (hit->lstrip)
            while (!pending.empty() && unicode::isPythonSpace(pending.back()))
                pending.pop_back();
        if (!pending.empty()) pieces.push_back(Piece{std::move(pending), -1, {}});
        pending.clear();
        pieces.push_back(Piece{{}, hit->id, {}});
        stripNext = hit->rstrip;
        pos += hit->content.size();
    }
    if (!pending.empty()) pieces.push_back(Piece{std::move(pending), -1, {}});

    for (const Piece& piece : pieces) {
        if (piece.addedId >= 0) {
            ids.push_back(piece.addedId);
            continue;
        }
        tokens.clear();
        tokenizePiece(piece.text, tokens);
        for (const std::string& token : tokens)
            ids.push_back(idOfOrUnk(token));
    }
    return ids;
}

std::vector<std::string> ClipTokenizer::tokenize(std::string_view textUtf8) const
{
    std::vector<std::string> tokens;
    tokenizePiece(unicode::decodeUtf8(textUtf8), tokens);
    return tokens;
}

ClipTokenized ClipTokenizer::encodePadded(std::string_view text, int maxLength) const
{
    const std::size_t length =
        static_cast<std::size_t>(maxLength > 0 ? std::max(maxLength, 2) : m_modelMaxLength);
    const std::vector<int64_t> ids = encode(text);
    ClipTokenized out;
    out.untruncatedIds.reserve(ids.size() + 2);
    out.untruncatedIds.push_back(m_bosId);
    out.untruncatedIds.insert(out.untruncatedIds.end(), ids.begin(), ids.end());
    out.untruncatedIds.push_back(m_eosId);

    const std::size_t kept = std::min(ids.size(), length - 2);
    out.inputIds.assign(length, m_padId);
    out.attentionMask.assign(length, 0);
    out.inputIds[0] = m_bosId;
    std::copy(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(kept), out.inputIds.begin() + 1);
    out.inputIds[kept + 1] = m_eosId;
    std::fill(
        out.attentionMask.begin(), out.attentionMask.begin() + static_cast<std::ptrdiff_t>(kept + 2), 1);
    return out;
}

} // namespace hdr::diffusion
