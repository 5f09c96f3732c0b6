#pragma once
// Which model parameter a LoRA layer patches: name tables built from the target network's own
// parameter names (torch-free, so the CLI and tests can use it without tensors).
//
// LoRA files name layers in three ways (/work/shared/reference/diffusion.md §5.3):
//  - kohya / A1111: `lora_unet_` / `lora_te_` / `lora_te1_` / `lora_te2_` + the module path with
//    every '.' replaced by '_'. SD 1.x kohya UNet files use diffusers module paths
//    (`lora_unet_down_blocks_0_attentions_0_proj_in`); SDXL kohya files use the original LDM/SGM
//    UNet paths (`lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q`).
//  - diffusers / PEFT: `unet.` / `text_encoder.` / `text_encoder_2.` + the dotted module path.
// Flattening is lossy ("proj_in" vs "proj.in"), so a flattened name is never split back into a
// path by rules: every candidate weight of the target (each Linear/Conv `.weight`) is flattened the
// same way and the LoRA name is looked up in that table. For the UNet the table also holds each
// module's LDM path, computed from the diffusers path with the block numbering of §5.3
// (input_blocks.{1+i(L+1)+j}, output_blocks.{i(L+1)+j}, ...), where L (layers per block) and the
// levels with attention are read off the parameter names themselves, so the table fits any
// UNet2DConditionModel layout (SD 1.x, SD 2.x, SDXL, the tiny test models).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

enum class LoraComponent { Unet, TextEncoder, TextEncoder2 };
const char* nameOf(LoraComponent component); // "UNet", "text encoder", "text encoder 2"

// `a.b.c` -> `a_b_c` (the kohya flattening).
std::string flattenModulePath(std::string_view dottedPath);

// The LDM/SGM module path of a diffusers UNet module path (no ".weight"), given every parameter
// name of that UNet (for the layout). nullopt for paths outside the numbered structure.
class UnetLdmNaming {
public:
    explicit UnetLdmNaming(const std::vector<std::string>& unetParameterNames);
    std::optional<std::string> ldmPathOf(std::string_view diffusersModulePath) const;
    int layersPerBlock() const { return m_layersPerBlock; }

private:
    int m_layersPerBlock = 0;
    std::vector<bool> m_upHasAttention; // per up level
};

// One component's LoRA-patchable weights: every `<module>.weight` parameter of rank 2 (Linear,
// Embedding) or 4 (Conv2d), findable by dotted module path and by kohya flattened name.
class LoraTargetIndex {
public:
    struct Weight {
        std::string name; // parameter name, e.g. "down_blocks.0.attentions.0.proj_in.weight"
        int rank = 0;     // tensor rank (2 or 4)
    };
    // parameterRanks: parameter name -> tensor rank (dim()).
    LoraTargetIndex(LoraComponent component, const std::map<std::string, int>& parameterRanks);

    LoraComponent component() const { return m_component; }
    // Dotted module path ("down_blocks.0.attentions.0.proj_in") -> weight, or nullptr.
    const Weight* findModule(std::string_view dottedPath) const;
    // Flattened name after the kohya prefix ("down_blocks_0_attentions_0_proj_in" or, for the
    // UNet, "input_blocks_1_1_proj_in") -> weight, or nullptr.
    const Weight* findFlattened(std::string_view flattened) const;
    std::size_t size() const { return m_byModule.size(); }
    // Flattened names two different modules share (none in the SD networks; reported if seen).
    const std::vector<std::string>& ambiguousNames() const { return m_ambiguous; }

private:
    void addFlattened(const std::string& flattened, const std::string& modulePath);

    LoraComponent m_component;
    std::map<std::string, Weight, std::less<>> m_byModule;
    std::map<std::string, std::string, std::less<>> m_byFlattened; // -> module path
    std::vector<std::string> m_ambiguous;
};

} // namespace hdr::diffusion
