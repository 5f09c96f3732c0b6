#pragma once
// UNet2DConditionModel hyper-parameters, read from a diffusers unet/config.json (the subset SD1.x,
// SD2.x-style and SDXL-base use) or taken from a preset. Torch-free.
// Note (oracle README gotcha 9): diffusers' `attention_head_dim` in SD1.5/SDXL configs is the
// number of HEADS per transformer, not the head size; `num_attention_heads`, when set, wins.
#include "common/Error.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct UNetConfig {
    int64_t inChannels = 4;
    int64_t outChannels = 4;
    std::vector<int64_t> blockOutChannels{320, 640, 1280, 1280};
    // "CrossAttnDownBlock2D" or "DownBlock2D" / "CrossAttnUpBlock2D" or "UpBlock2D".
    std::vector<std::string> downBlockTypes{
        "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
    std::vector<std::string> upBlockTypes{
        "UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"};
    int64_t layersPerBlock = 2;
    std::vector<int64_t> transformerLayersPerBlock{1, 1, 1, 1}; // per down block; mid uses the last
    std::vector<int64_t> attentionHeads{8, 8, 8, 8};            // per down block (see note above)
    int64_t crossAttentionDim = 768;
    int64_t normNumGroups = 32;
    double normEps = 1e-5;            // resnets and conv_norm_out; transformer GroupNorm is 1e-6
    bool useLinearProjection = false; // SD1.5 proj_in/out are 1x1 convs, SDXL Linear
    bool flipSinToCos = true;
    double freqShift = 0.0;
    int64_t downsamplePadding = 1;
    // SDXL "text_time" added conditioning (0 = none).
    int64_t additionTimeEmbedDim = 0;         // 256 for SDXL
    int64_t projectionClassEmbeddingsDim = 0; // 2816 for SDXL = pooled 1280 + 6*256
    int64_t sampleSize = 64;

    bool hasTextTime() const { return additionTimeEmbedDim > 0; }
    int64_t timeEmbedDim() const { return blockOutChannels.at(0) * 4; }

    // Parses a diffusers config; refuses options this implementation does not support (class
    // embeddings, other attention/block types, time_scale_shift "scale_shift", ...) with a message
    // naming the key.
    static core::Result<UNetConfig> fromJson(const nlohmann::json& json);
    static UNetConfig sd15();
    static UNetConfig sdxlBase();
    static UNetConfig sdxlRefiner();
    // Sanity checks (list lengths, channel/group/head divisibility).
    core::Status validate() const;
};

} // namespace hdr::diffusion
