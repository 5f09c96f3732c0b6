#pragma once
// Prompt -> UNet conditioning for SD1.5 and SDXL, as diffusers' encode_prompt does it
// (reference/diffusion.md §5.1; oracle README gotchas 3-6), in either prompt style (PromptParser.h).
//   SD1.5: prompt_embeds = last_hidden_state of CLIP-L (final LN applied); clip skip k uses
//          final_layer_norm(hidden_states[-(k+1)]). [B, 77*chunks, 768].
//   SDXL:  prompt_embeds = cat(CLIP-L hidden_states[-(k+2)], bigG hidden_states[-(k+2)]) along
//          features, WITHOUT final LN ([B, 77*chunks, 768+1280]); pooled = bigG text_embeds of
//          the first chunk ([B, 1280]; sd.cpp and A1111 also pool chunk 0).
//   SDXL refiner: bigG alone, hidden_states[-(k+2)] and its pooled text_embeds (gotcha 22).
//   Negative prompts: a missing one (nullopt) is encoded as "" for SD1.5 and is all zeros (embeds
//          and pooled) for SDXL when force_zeros_for_empty_prompt (gotcha 6). An explicit "" is
//          always encoded.
//   A1111 style: each 77-token chunk is encoded on its own; token weights multiply the chosen
//          hidden states, which are then rescaled to the chunk's original mean (A1111's "Original"
//          emphasis; §5.2); chunks are concatenated along the sequence axis; every prompt of the
//          batch, positive and negative, is padded to the same chunk count with encodings of ""
//          (as A1111 pads cond/uncond). SDXL: each encoder is chunked with its own tokenizer and the
//          shorter list is padded the same way.
// Clip skip follows diffusers (0 = default layer; A1111's "Clip skip 2" is clipSkip 1 here).
#include "common/Error.h"
#include "diffusion/text/PromptParser.h"

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

class ClipTokenizer;
class ClipTextModelImpl;

struct TextEncoderSet {
    const ClipTokenizer* tokenizer = nullptr; // CLIP-L (SD 1.x, SDXL base; none for the SDXL refiner)
    const ClipTextModelImpl* textEncoder = nullptr;
    const ClipTokenizer* tokenizer2 = nullptr;       // SDXL: OpenCLIP bigG
    const ClipTextModelImpl* textEncoder2 = nullptr; // SDXL: CLIPTextModelWithProjection
    bool isSdxl() const { return textEncoder2 != nullptr; }
};

struct TextConditioningOptions {
    PromptStyle style = PromptStyle::Diffusers;
    int clipSkip = 0;                       // diffusers clip_skip
    bool forceZerosForEmptyNegative = true; // SDXL model_index.json force_zeros_for_empty_prompt
    ChunkingOptions chunking;
};

struct EncodedPrompts {
    at::Tensor promptEmbeds;                    // [B, 77*chunks, C] in the encoders' dtype/device
    at::Tensor negativePromptEmbeds;            // same shape; undefined unless requested
    at::Tensor pooledPromptEmbeds;              // SDXL [B, projection]; undefined for SD1.5
    at::Tensor negativePooledPromptEmbeds;      // SDXL, when negatives were requested
    PromptStyle style = PromptStyle::Diffusers; // for the image metadata ("a1111"/"diffusers")
    int chunks = 1;
    int clipSkip = 0;
};

// prompts: the batch. classifierFree: also produce negative embeddings; negativePrompts is then
// empty (no negative prompt for any image) or one entry per prompt (nullopt = none given).
core::Result<EncodedPrompts> encodePrompts(const TextEncoderSet& encoders,
                                           const std::vector<std::string>& prompts,
                                           bool classifierFree,
                                           const std::vector<std::optional<std::string>>& negativePrompts,
                                           const TextConditioningOptions& options = {});

// A1111 "Original" emphasis on one chunk: z [L, C] (or [B, L, C] with weights [B, L]) times
// weights, rescaled so the mean over all elements is unchanged. A1111 takes that mean over the
// whole batch of prompts; we take it per prompt, so an image does not depend on its batch-mates.
// A chunk whose mean is ~0 (|mean| <= 1e-3 of the mean magnitude) is not rescaled ("No norm").
at::Tensor applyEmphasis(const at::Tensor& z, const at::Tensor& weights);

} // namespace hdr::diffusion
