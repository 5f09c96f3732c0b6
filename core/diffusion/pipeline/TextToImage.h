#pragma once
// Load-model-side helper shared by the generation entry points: a batch of prompts -> the
// conditioning tensors of Pipeline.h, through the model's own tokenizers and text encoders
// (text/TextConditioning.h; reference/diffusion.md §5.1-5.2). Used by `generate` and by the
// bracketed generation (`hdr`, diffusers prompt style).
#include "common/Error.h"

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

class StableDiffusionModel;

struct EncodedPromptBatch {
    at::Tensor cond, uncond, pooled, uncondPooled; // batch B; uncond* only with classifier-free guidance
};

// prompts: the batch (B entries); negatives: empty or B entries (nullopt = none given).
// promptStyle: "a1111" or "diffusers"; clipSkip as diffusers' clip_skip.
core::Result<EncodedPromptBatch> encodePromptBatch(StableDiffusionModel& model,
                                                   const std::vector<std::string>& prompts,
                                                   const std::vector<std::optional<std::string>>& negatives,
                                                   bool classifierFree,
                                                   const std::string& promptStyle,
                                                   int clipSkip);

} // namespace hdr::diffusion
