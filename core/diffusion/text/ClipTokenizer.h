#pragma once
// CLIP byte-level BPE tokenizer, reproducing transformers' slow CLIPTokenizer when ftfy is not
// installed (the usual diffusers setup; oracle README gotchas 1-2):
//   1. split the raw text on added/special tokens ("<|startoftext|>", "<|endoftext|>", and "!"
//      for SDXL's tokenizer_2, whose pad token is "!": every "!" becomes id 0 there);
//   2. BasicTokenizer on each piece: drop NUL/U+FFFD/category-C chars, whitespace -> ' ', spaces
//      around CJK ideographs, NFC, split on whitespace, str.lower() (no accent stripping);
//   3. the split pattern <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|
//      [^\s\p{L}\p{N}]+ (IGNORECASE; digits one by one);
//   4. UTF-8 bytes -> bytes_to_unicode symbols, BPE by merge rank with "</w>" on the last symbol,
//      vocab lookup (unknown -> unk id).
// Torch-free, so the CLI can count tokens. Thread-safe after construction (no BPE cache).
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hdr::diffusion {

struct ClipAddedToken {
    std::string content;
    int64_t id = -1; // -1: the vocab's id of content
    bool lstrip = false;
    bool rstrip = false;
};

struct ClipSpecialTokens {
    std::string bos = "<|startoftext|>";
    std::string eos = "<|endoftext|>";
    std::string unk = "<|endoftext|>";
    std::string pad = "<|endoftext|>";
    std::vector<ClipAddedToken> added; // tokenizer_config.json "added_tokens_decoder"
    int modelMaxLength = 77;
};

struct ClipTokenized {
    std::vector<int64_t> inputIds;       // BOS + first maxLength-2 ids + EOS + pad, size maxLength
    std::vector<int64_t> attentionMask;  // 1 for BOS..EOS, 0 for padding
    std::vector<int64_t> untruncatedIds; // BOS + all ids + EOS
};

class ClipTokenizer {
public:
    // A tokenizer folder: vocab.json, merges.txt and, when present, tokenizer_config.json and
    // special_tokens_map.json (special tokens, added tokens, model_max_length).
    static core::Result<ClipTokenizer> load(const std::filesystem::path& folder);
    // From file contents (tests make tiny vocabularies). `where` names the source in errors.
    static core::Result<ClipTokenizer> fromContents(std::string_view vocabJson,
                                                    std::string_view mergesText,
                                                    const ClipSpecialTokens& special,
                                                    const std::string& where);

    // Ids of `text` without BOS/EOS, never truncated.
    std::vector<int64_t> encode(std::string_view text) const;
    // The BPE token strings of `text` (byte-level symbols, "</w>" word ends).
    std::vector<std::string> tokenize(std::string_view text) const;
    // tok(text, padding="max_length", max_length=maxLength, truncation=True); maxLength <= 0 uses
    // model_max_length.
    ClipTokenized encodePadded(std::string_view text, int maxLength = 0) const;

    int64_t bosId() const { return m_bosId; }
    int64_t eosId() const { return m_eosId; }
    int64_t padId() const { return m_padId; }
    int64_t unkId() const { return m_unkId; }
    int modelMaxLength() const { return m_modelMaxLength; }
    std::size_t vocabSize() const { return m_vocab.size(); }
    // Id of a vocab entry (e.g. ",</w>"), -1 when absent.
    int64_t idOf(const std::string& token) const;

private:
    struct AddedMatch {
        std::u32string content;
        int64_t id;
        bool lstrip;
        bool rstrip;
    };
    void tokenizePiece(std::u32string_view piece, std::vector<std::string>& tokens) const;
    void bpe(const std::string& token, std::vector<std::string>& out) const;
    int64_t idOfOrUnk(const std::string& token) const;

    std::unordered_map<std::string, int64_t> m_vocab;
    std::unordered_map<std::string, int> m_mergeRanks; // "first second" -> rank
    std::vector<AddedMatch> m_added;                   // longest first
    std::string m_byteSymbols[256];                    // bytes_to_unicode, UTF-8
    int64_t m_bosId = 0, m_eosId = 0, m_padId = 0, m_unkId = 0;
    int m_modelMaxLength = 77;
};

} // namespace hdr::diffusion
