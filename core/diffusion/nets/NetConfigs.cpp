#include "diffusion/nets/UNetConfig.h"
#include "diffusion/nets/VaeConfig.h"

#include <nlohmann/json.hpp>

namespace hdr::diffusion {
namespace {

using core::ErrorCode;

// A scalar or a per-block list, as diffusers allows for several keys.
std::vector<int64_t> perBlock(const nlohmann::json& value, size_t blocks, const char* key)
{
    if (value.is_number_integer()) {
        return std::vector<int64_t>(blocks, value.get<int64_t>());
    }
    if (value.is_array()) {
        auto list = value.get<std::vector<int64_t>>();
        if (list.size() != blocks) {
            core::throwError(ErrorCode::InvalidArgument,
                             std::string("UNet config '") + key + "' has " + std::to_string(list.size()) +
                                 " entries; the model has " + std::to_string(blocks) + " blocks");
        }
        return list;
    }
    core::throwError(ErrorCode::InvalidArgument,
                     std::string("UNet config '") + key + "' must be a number or a list");
}

bool isNullOr(const nlohmann::json& json, const char* key, const nlohmann::json& allowed)
{
    return !json.contains(key) || json.at(key).is_null() || json.at(key) == allowed;
}

} // namespace

core::Result<UNetConfig> UNetConfig::fromJson(const nlohmann::json& j)
{
    return core::guarded(ErrorCode::InvalidArgument, "unet config", [&]() -> UNetConfig {
        UNetConfig c;
        c.inChannels = j.value("in_channels", c.inChannels);
        c.outChannels = j.value("out_channels", c.outChannels);
        c.blockOutChannels = j.at("block_out_channels").get<std::vector<int64_t>>();
        c.downBlockTypes = j.at("down_block_types").get<std::vector<std::string>>();
        c.upBlockTypes = j.at("up_block_types").get<std::vector<std::string>>();
        c.layersPerBlock = j.value("layers_per_block", c.layersPerBlock);
        const size_t n = c.blockOutChannels.size();
        c.transformerLayersPerBlock = perBlock(
            j.value("transformer_layers_per_block", nlohmann::json(1)), n, "transformer_layers_per_block");
        const nlohmann::json heads =
            j.contains("num_attention_heads") && !j.at("num_attention_heads").is_null()
                ? j.at("num_attention_heads")
                : j.value("attention_head_dim", nlohmann::json(8));
        c.attentionHeads = perBlock(heads, n, "attention_head_dim");
        if (j.at("cross_attention_dim").is_array()) {
            core::throwError(ErrorCode::InvalidArgument, "per-block cross_attention_dim is not supported");
        }
        c.crossAttentionDim = j.at("cross_attention_dim").get<int64_t>();
        c.normNumGroups = j.value("norm_num_groups", c.normNumGroups);
        c.normEps = j.value("norm_eps", c.normEps);
        c.useLinearProjection = j.value("use_linear_projection", c.useLinearProjection);
        c.flipSinToCos = j.value("flip_sin_to_cos", c.flipSinToCos);
        c.freqShift = j.value("freq_shift", c.freqShift);
        c.downsamplePadding = j.value("downsample_padding", c.downsamplePadding);
        c.sampleSize = j.value("sample_size", c.sampleSize);
        const std::string addition =
            j.contains("addition_embed_type") && j.at("addition_embed_type").is_string()
                ? j.at("addition_embed_type").get<std::string>()
                : std::string();
        if (addition == "text_time") {
            c.additionTimeEmbedDim = j.at("addition_time_embed_dim").get<int64_t>();
            c.projectionClassEmbeddingsDim = j.at("projection_class_embeddings_input_dim").get<int64_t>();
        } else if (!addition.empty()) {
            core::throwError(ErrorCode::InvalidArgument,
                             "UNet addition_embed_type '" + addition + "' is not supported");
        }
        const char* mustBeDefault[][2] = {{"class_embed_type", nullptr},
                                          {"encoder_hid_dim_type", nullptr},
                                          {"time_cond_proj_dim", nullptr},
                                          {"time_embedding_dim", nullptr},
                                          {"time_embedding_act_fn", nullptr},
                                          {"timestep_post_act", nullptr},
                                          {"num_class_embeds", nullptr}};
        for (const auto& entry : mustBeDefault) {
            if (!isNullOr(j, entry[0], nlohmann::json())) {
                core::throwError(ErrorCode::InvalidArgument,
                                 std::string("UNet config option '") + entry[0] + "' is not supported");
            }
        }
        if (!isNullOr(j, "resnet_time_scale_shift", "default") || !isNullOr(j, "act_fn", "silu") ||
            !isNullOr(j, "mid_block_type", "UNetMidBlock2DCrossAttn") ||
            !isNullOr(j, "time_embedding_type", "positional") ||
            !isNullOr(j, "only_cross_attention", false) || !isNullOr(j, "dual_cross_attention", false) ||
            !isNullOr(j, "center_input_sample", false) || !isNullOr(j, "conv_in_kernel", 3) ||
            !isNullOr(j, "conv_out_kernel", 3)) {
            core::throwError(ErrorCode::InvalidArgument,
                             "UNet config uses an option this engine does not implement (time scale-shift, "
                             "activation, mid block type, time embedding type, only/dual cross attention, "
                             "centred input or kernel size)");
        }
        if (auto ok = c.validate(); !ok) {
            throw core::HdrError(ok.error());
        }
        return c;
    });
}

core::Status UNetConfig::validate() const
{
    const size_t n = blockOutChannels.size();
    if (n == 0 || downBlockTypes.size() != n || upBlockTypes.size() != n ||
        transformerLayersPerBlock.size() != n || attentionHeads.size() != n) {
        return core::fail(ErrorCode::InvalidArgument,
                          "UNet config lists (block_out_channels, block types, heads, transformer layers) "
                          "must all have one entry per block");
    }
    for (size_t i = 0; i < n; ++i) {
        const auto& d = downBlockTypes[i];
        const auto& u = upBlockTypes[i];
        if ((d != "CrossAttnDownBlock2D" && d != "DownBlock2D") ||
            (u != "CrossAttnUpBlock2D" && u != "UpBlock2D")) {
            return core::fail(ErrorCode::InvalidArgument,
                              "UNet block type '" + d + "'/'" + u + "' is not supported");
        }
        if (blockOutChannels[i] % normNumGroups != 0 || blockOutChannels[i] % attentionHeads[i] != 0 ||
            attentionHeads[i] <= 0 || transformerLayersPerBlock[i] <= 0) {
            return core::fail(ErrorCode::InvalidArgument,
                              "UNet block " + std::to_string(i) +
                                  ": channels must divide by norm_num_groups and by the head count");
        }
    }
    if (layersPerBlock <= 0 || crossAttentionDim <= 0) {
        return core::fail(ErrorCode::InvalidArgument,
                          "UNet layers_per_block and cross_attention_dim must be > 0");
    }
    return {};
}

UNetConfig UNetConfig::sd15()
{
    return UNetConfig{};
}

UNetConfig UNetConfig::sdxlBase()
{
    UNetConfig c;
    c.blockOutChannels = {320, 640, 1280};
    c.downBlockTypes = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
    c.upBlockTypes = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
    c.transformerLayersPerBlock = {1, 2, 10};
    c.attentionHeads = {5, 10, 20};
    c.crossAttentionDim = 2048;
    c.useLinearProjection = true;
    c.additionTimeEmbedDim = 256;
    c.projectionClassEmbeddingsDim = 2816;
    c.sampleSize = 128;
    return c;
}

UNetConfig UNetConfig::sdxlRefiner()
{
    // generative-models sd_xl_refiner.yaml via diffusers' create_unet_diffusers_config_from_ldm
    // (../shared/oracle/real_manifests/sdxl_refiner_manifest.json).
    UNetConfig c;
    c.blockOutChannels = {384, 768, 1536, 1536};
    c.downBlockTypes = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
    c.upBlockTypes = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
    c.transformerLayersPerBlock = {4, 4, 4, 4};
    c.attentionHeads = {6, 12, 24, 24};
    c.crossAttentionDim = 1280;
    c.useLinearProjection = true;
    c.additionTimeEmbedDim = 256;
    c.projectionClassEmbeddingsDim = 2560; // pooled 1280 + 5 time ids * 256
    c.sampleSize = 128;
    return c;
}

core::Result<VaeConfig> VaeConfig::fromJson(const nlohmann::json& j)
{
    return core::guarded(ErrorCode::InvalidArgument, "vae config", [&]() -> VaeConfig {
        VaeConfig c;
        c.inChannels = j.value("in_channels", c.inChannels);
        c.outChannels = j.value("out_channels", c.outChannels);
        c.latentChannels = j.value("latent_channels", c.latentChannels);
        c.blockOutChannels = j.at("block_out_channels").get<std::vector<int64_t>>();
        c.layersPerBlock = j.value("layers_per_block", c.layersPerBlock);
        c.normNumGroups = j.value("norm_num_groups", c.normNumGroups);
        c.midBlockAddAttention = j.value("mid_block_add_attention", c.midBlockAddAttention);
        c.useQuantConv = j.value("use_quant_conv", c.useQuantConv);
        c.usePostQuantConv = j.value("use_post_quant_conv", c.usePostQuantConv);
        c.scalingFactor = j.value("scaling_factor", c.scalingFactor);
        c.forceUpcast = j.value("force_upcast", c.forceUpcast);
        c.sampleSize = j.value("sample_size", c.sampleSize);
        if (!isNullOr(j, "act_fn", "silu") || !isNullOr(j, "shift_factor", nlohmann::json()) ||
            !isNullOr(j, "latents_mean", nlohmann::json())) {
            core::throwError(
                ErrorCode::InvalidArgument,
                "VAE config uses act_fn/shift_factor/latents_mean, which this engine does not implement");
        }
        if (auto ok = c.validate(); !ok) {
            throw core::HdrError(ok.error());
        }
        return c;
    });
}

core::Status VaeConfig::validate() const
{
    if (blockOutChannels.empty() || layersPerBlock <= 0 || normNumGroups <= 0) {
        return core::fail(ErrorCode::InvalidArgument,
                          "VAE config needs block_out_channels and layers_per_block");
    }
    for (int64_t ch : blockOutChannels) {
        if (ch % normNumGroups != 0) {
            return core::fail(ErrorCode::InvalidArgument, "VAE channels must divide by norm_num_groups");
        }
    }
    return {};
}

VaeConfig VaeConfig::sd15()
{
    return VaeConfig{};
}

VaeConfig VaeConfig::sdxl()
{
    VaeConfig c;
    c.scalingFactor = 0.13025;
    c.forceUpcast = true;
    c.sampleSize = 1024;
    return c;
}

} // namespace hdr::diffusion
