#pragma once
// Prompt styles and the AUTOMATIC1111 emphasis syntax (reference/diffusion.md §5.2: A1111
// modules/prompt_parser.py parse_prompt_attention, modules/sd_hijack_clip.py tokenize_line).
//   Diffusers: the prompt is literal text, tokenized once and truncated at 77 (what diffusers and
//              the oracle do).
//   A1111:     "(text)" multiplies the weight by 1.1, "[text]" divides it by 1.1, "(text:1.3)"
//              multiplies by 1.3, nesting multiplies, "\(" "\)" "\[" "\]" "\\" are literal
//              characters, unbalanced brackets close at the end of the prompt, "BREAK" (upper
//              case, a whole word) ends the current 75-token chunk. Prompts longer than 75 tokens
//              become several chunks of BOS + 75 tokens + EOS (with A1111's backtracking to a
//              comma at most 20 tokens back), encoded separately and concatenated along the
//              sequence axis, so nothing is cut.
// Torch-free; the weights are applied to the embeddings by TextConditioning.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

class ClipTokenizer;

enum class PromptStyle { Diffusers, A1111 };
const char* nameOf(PromptStyle style); // "diffusers" / "a1111" (also the metadata value)
std::optional<PromptStyle> promptStyleFromName(std::string_view name);

struct WeightedText {
    std::string text;
    double weight = 1.0;
    bool isBreak = false; // a BREAK marker (text is "BREAK", weight unused)
};

// parse_prompt_attention: the prompt as runs of text with their weights; neighbouring runs with
// the same weight are merged; an empty prompt gives one empty run of weight 1.
std::vector<WeightedText> parsePromptAttention(std::string_view prompt);

struct PromptChunk {
    std::vector<int64_t> ids;   // BOS + up to 75 tokens + EOS + padding (tokenizer's pad id), size 77
    std::vector<float> weights; // per position; 1 for BOS, EOS and padding
};

struct ChunkingOptions {
    int tokensPerChunk = 75; // A1111 chunk_length
    int commaBacktrack = 20; // A1111 comma_padding_backtrack (0 = off)
};

// Diffusers style: one chunk, the prompt truncated to 75 tokens, all weights 1.
// A1111 style: parsePromptAttention, each run tokenized on its own, chunked as A1111 does.
std::vector<PromptChunk> chunkPrompt(const ClipTokenizer& tokenizer,
                                     std::string_view prompt,
                                     PromptStyle style,
                                     const ChunkingOptions& options = {});

} // namespace hdr::diffusion
