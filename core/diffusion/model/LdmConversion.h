#pragma once
// Single-file (original LDM / A1111 / ComfyUI) tensor names -> diffusers/transformers names.
// Torch-free: it maps names and shapes; StateDictLoader applies the tensor transforms.
//
// Layouts (our reading of the two formats; see /work/shared/reference/diffusion.md §5.3 and
// /work/shared/oracle/README.md gotcha 12):
//  UNet `model.diffusion_model.`: input_blocks.0.0 = conv_in; input_blocks.N (N>=1) walks the
//    levels with L+1 entries each (L = layers_per_block): entries 0..L-1 are [resnet, attention?],
//    entry L is the downsampler `.0.op`; middle_block.{0,1,2} = resnet, attention, resnet;
//    output_blocks.N walks the up levels with L+1 entries [resnet, attention?, upsampler `.K.conv`];
//    resnet parts in_layers.0/2, emb_layers.1, out_layers.0/3, skip_connection = norm1/conv1,
//    time_emb_proj, norm2/conv2, conv_shortcut; time_embed.0/2, label_emb.0.0/0.2, out.0/2.
//  VAE `first_stage_model.`: encoder.down.i / decoder.up.k with decoder levels numbered in reverse
//    (up.k = up_blocks.{n-1-k}), block.j = resnets.j, nin_shortcut = conv_shortcut, mid.block_1/2,
//    mid.attn_1.{norm,q,k,v,proj_out} with q/k/v/proj_out as 1x1 convs [C,C,1,1] (diffusers: Linear).
//  CLIP-L `cond_stage_model.transformer.` (SD 1.x) / `conditioner.embedders.0.transformer.` (SDXL):
//    transformers names already (text_model.*).
//  OpenCLIP bigG `conditioner.embedders.1.model.`: transformer.resblocks.N.{ln_1, ln_2, attn.in_proj_*
//    (q,k,v stacked on dim 0), attn.out_proj, mlp.c_fc, mlp.c_proj}, ln_final, positional_embedding,
//    token_embedding, text_projection stored transposed ([hidden, projection]).
#include "diffusion/model/ModelTypes.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

using TensorShape = std::vector<std::int64_t>;
using KeyShapes = std::map<std::string, TensorShape>;

// What happens to a source tensor on the way to its diffusers parameter.
enum class TensorTransform {
    Identity,
    ConvToLinear, // [C,C,1,1] -> [C,C] (VAE mid attention)
    SplitQkv,     // rows part*n/3 .. (part+1)*n/3 of a [3C,...] in_proj tensor
    Transpose,    // [a,b] -> [b,a] (OpenCLIP text_projection)
};

// The structure the UNet/VAE numbering depends on (from the UNet/VAE configs).
struct LdmLayout {
    int unetLayersPerBlock = 2;
    int unetLevels = 4; // len(block_out_channels)
    int vaeLevels = 4;
};
LdmLayout ldmLayoutOf(ModelArch arch); // the real SD 1.5 / SDXL base structure

struct LdmTarget {
    Component component = Component::Unet;
    std::string name; // diffusers/transformers parameter name inside the component
    TensorTransform transform = TensorTransform::Identity;
    int part = 0; // SplitQkv: 0 = q, 1 = k, 2 = v
};

enum class LdmKeyKind {
    Converted, // targets holds one tensor (three for a split in_proj)
    Ignored,   // known non-weight extras: EMA copies, schedule buffers, position_ids, logit_scale
    Unknown,   // under no prefix we know, or a name inside a component we cannot place
};

struct LdmKeyMapping {
    LdmKeyKind kind = LdmKeyKind::Unknown;
    std::vector<LdmTarget> targets;
};

LdmKeyMapping mapLdmKey(std::string_view key, const LdmLayout& layout);

// Shape after the transform; empty when the source shape does not fit the transform.
TensorShape transformedShape(const TensorShape& shape, TensorTransform transform);

// A whole checkpoint: per component, diffusers name -> (source key, transform, part).
struct LdmSource {
    std::string key;
    TensorTransform transform = TensorTransform::Identity;
    int part = 0;
};
struct LdmConversionPlan {
    std::map<Component, std::map<std::string, LdmSource>> components;
    std::vector<std::string> ignored;    // source keys we skip on purpose
    std::vector<std::string> unexpected; // source keys we could not place
    std::vector<std::string> duplicates; // diffusers names two source keys mapped to
};
LdmConversionPlan planLdmConversion(const std::vector<std::string>& keys, const LdmLayout& layout);

// Convenience for the tests and model-info: converted key -> shape per component (shapes that do
// not fit their transform are left out and their source key is added to plan.unexpected).
std::map<Component, KeyShapes>
convertLdmShapes(const KeyShapes& ldm, const LdmLayout& layout, LdmConversionPlan* planOut = nullptr);

} // namespace hdr::diffusion
