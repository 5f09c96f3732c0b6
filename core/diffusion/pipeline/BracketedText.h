#pragma once
// Internal to BracketedRequest.cpp: prompt -> embedding tensors through the model's encoders.
// Kept in its own translation unit so the text side's types and the pipeline's stay apart.
#include "common/Error.h"

#include <ATen/ATen.h>

#include <optional>
#include <string>

namespace hdr::diffusion {

class StableDiffusionModel;

struct EncodedPromptTensors {
    at::Tensor cond, uncond, pooled, uncondPooled; // batch 1; uncond* only with classifier-free guidance
};

core::Result<EncodedPromptTensors> encodePromptForBrackets(StableDiffusionModel& model,
                                                           const std::string& prompt,
                                                           const std::optional<std::string>& negative,
                                                           bool classifierFree);

} // namespace hdr::diffusion
