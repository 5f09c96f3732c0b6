#pragma once
// LoRA files (safetensors): kohya/A1111 and diffusers/PEFT layouts, read into per-layer
// (down, up, alpha) triples. Names are only parsed here; LoraMerge resolves them against a model.
//
// Accepted tensor names (/work/shared/reference/diffusion.md §5.3):
//  kohya:      lora_{unet,te,te1,te2}_<flattened path>.{lora_down.weight, lora_up.weight, alpha}
//  PEFT:       {unet,text_encoder,text_encoder_2}.<path>.{lora_A,lora_B}[.default].weight
//              (optional `base_model.model.` prefix; alpha from an `<path>.alpha` tensor or from
//              the `lora_adapter_metadata` JSON of the file header: `<component>.lora_alpha`,
//              `<component>.alpha_pattern`; with neither, alpha = rank, i.e. scale 1)
//  diffusers:  <path>.lora.{down,up}.weight, <path>.lora_linear_layer.{down,up}.weight, and the
//              old attention-processor form <attn>.processor.to_{q,k,v,out}_lora.{down,up}.weight
//              (prefix unet./text_encoder./text_encoder_2. or none for UNet-only files).
// Shapes: down [r, in] or [r, in, kh, kw]; up [out, r] or [out, r, 1, 1]; alpha a scalar.
// Delta = (alpha / r) * up.flatten(1) @ down.flatten(1), reshaped to the weight.
// LyCORIS (LoHa, LoKr, Tucker `lora_mid`), DoRA and full `diff` tensors are recognised and reported
// as unsupported, never applied half-way.
#include "diffusion/SafetensorsTorch.h"
#include "diffusion/lora/LoraNames.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

enum class LoraNaming {
    KohyaFlattened, // lora_unet_..., lora_te_...: resolved with LoraTargetIndex::findFlattened
    Dotted,         // unet.<path>, text_encoder.<path>: resolved with findModule
};

struct LoraLayer {
    LoraComponent component = LoraComponent::Unet;
    LoraNaming naming = LoraNaming::KohyaFlattened;
    std::string sourceName; // the layer's name in the file, without the tensor suffix
    // Flattened name (KohyaFlattened) or dotted module paths to try in order (Dotted; more than one
    // only for the old processor names, e.g. to_q_lora -> to_q (UNet) or q_proj (CLIP)).
    std::vector<std::string> modulePaths;
    at::Tensor down; // [r, in(, kh, kw)], as stored (dtype of the file)
    at::Tensor up;   // [out, r(, 1, 1)]
    std::optional<double> alpha;

    std::int64_t rank() const { return down.defined() ? down.size(0) : 0; }
    // alpha / rank; 1 when alpha is absent or zero (kohya's convention, §5.3).
    double scale() const;
};

struct LoraReport {
    std::string file;
    std::size_t layersInFile = 0;
    std::map<LoraComponent, std::size_t> applied; // patched weights per component
    std::vector<std::string> unknownKeys;         // tensors whose name we cannot read
    std::vector<std::string> unsupportedKeys;     // "key (LoHa)": a known type we do not apply
    std::vector<std::string> incompleteLayers;    // down without up, or up without down
    std::vector<std::string> unmatchedLayers;     // "name (UNet)": no such weight in the model
    std::vector<std::string> skippedComponents;   // "text encoder 2 (12 layers)": not loaded
    std::vector<std::string> metadataProblems;    // lora_adapter_metadata that did not parse

    std::size_t appliedTotal() const;
    bool clean() const; // everything in the file was applied
    // A few lines for logs and the CLI: counts, then up to `maxNames` names per problem list.
    std::string summary(std::size_t maxNames = 8) const;
};

struct LoraFile {
    std::filesystem::path path;
    std::vector<LoraLayer> layers;
    LoraReport parseReport; // unknown/unsupported/incomplete entries found while reading
};

// Reads a LoRA file. Errors: unreadable/corrupt safetensors, a tensor of the wrong rank or dtype
// for its role, or a file with no LoRA layer at all (with the first few names it does hold).
core::Result<LoraFile> loadLoraFile(const std::filesystem::path& path);
// The same from tensors already in memory (tests; `metadata` is the header's __metadata__).
core::Result<LoraFile> parseLoraTensors(const TensorMap& tensors,
                                        const std::map<std::string, std::string>& metadata,
                                        const std::string& where);

} // namespace hdr::diffusion
