#pragma once
// Merging LoRAs into model weights, several at once with a strength each, and exact un-merge.
//
//   W' = W + sum_i strength_i * (alpha_i / r_i) * up_i.flatten(1) @ down_i.flatten(1)
//
// (reshaped to W: [out, in] or [out, in, kh, kw]; a LoRA for a 1x1 conv may be 2-D and vice
// versa; /work/shared/reference/diffusion.md §5.3). The delta is computed in fp32 on W's device
// and added to an fp32 copy of the ORIGINAL weight, then cast once to W's dtype, so bf16/fp16
// weights round once however many LoRAs are active, and the result does not depend on the order
// in which LoRAs were added.
//
// Un-merge keeps the original tensors, not the fp32 deltas: the first time a weight is patched a
// copy of it (same dtype and device) is kept, and restore() copies it back, so un-merging gives
// bit-identical weights. Subtracting the delta again would not: (W + d) - d != W in floating point,
// and in bf16 the error is about 2^-8 relative per element. The cost is one copy of each patched
// weight (attention-only SD 1.5 LoRA: ~100 MB fp32; a full-UNet LoCon: the UNet's size).
//
// Targets are parameter tensors by diffusers/transformers name: the live parameters of a module
// (parametersOf(module)), patched in place, or any TensorMap. Not thread-safe; do not run the
// model while apply()/restore() run.
#include "diffusion/lora/LoraFile.h"
#include "diffusion/lora/LoraSpec.h"

#include <torch/nn/module.h>

#include <memory>

namespace hdr::diffusion {

// The module's named_parameters() as a TensorMap (the same tensors, not copies).
TensorMap parametersOf(const torch::nn::Module& module);

class LoraMerger {
public:
    // Components that are absent (e.g. no text encoder 2 on SD 1.5) are simply not given; LoRA
    // layers for them are reported in LoraReport::skippedComponents.
    explicit LoraMerger(std::map<LoraComponent, TensorMap> targets);
    ~LoraMerger();
    LoraMerger(const LoraMerger&) = delete;
    LoraMerger& operator=(const LoraMerger&) = delete;

    // Merges one more LoRA. All of its layers are resolved and shape-checked first: a LoRA made
    // for another architecture (any shape mismatch) or one of which no layer matches the model is
    // an error and changes nothing. Unknown or unmatched names that leave some layers applicable
    // do not fail; they are listed in the report.
    core::Result<LoraReport> add(std::shared_ptr<const LoraFile> lora, float strength);
    core::Result<LoraReport> add(const LoraSpec& spec); // loads spec.path

    // Changes the strength of an added LoRA (by index in add order) and re-merges its weights.
    core::Status setStrength(std::size_t index, float strength);

    // Puts back the original weights (bit-identical) and forgets every LoRA.
    void restore();

    std::size_t activeCount() const;
    std::size_t patchedWeights() const;
    std::size_t backupBytes() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace hdr::diffusion
