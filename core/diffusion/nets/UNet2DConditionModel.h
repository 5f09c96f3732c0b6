#pragma once
// Stable Diffusion's denoiser, diffusers UNet2DConditionModel layout (SD1.x and SDXL-base), built
// from a UNetConfig with parameters in `options` (dtype/device; at::kMeta builds without memory).
// named_parameters() keys equal diffusers' state-dict keys ("down_blocks.0.attentions.0.proj_in.weight").
// Inputs/outputs are latents in the UNet's latent space (already multiplied by the VAE scaling
// factor); see oracle README gotchas 7-11 and reference/diffusion.md §5.1 (SDXL conditioning).
#include "diffusion/nets/Blocks.h"
#include "diffusion/nets/UNetConfig.h"

#include <map>
#include <string>

namespace hdr::diffusion {

// SDXL "text_time" conditioning: pooled text embedding [B, P] and (orig_h, orig_w, crop_top,
// crop_left, target_h, target_w) per sample [B, 6] (height first, gotcha 7).
struct AddedCond {
    at::Tensor textEmbeds;
    at::Tensor timeIds;
};

// Down block: resnets (+ attentions), optional downsampler.
class UNetDownBlockImpl : public torch::nn::Module {
public:
    UNetDownBlockImpl(const UNetConfig& config,
                      size_t index,
                      int64_t inChannels,
                      const at::TensorOptions& options);
    // Appends every output that the up path uses as a skip connection.
    at::Tensor forward(at::Tensor h,
                       const at::Tensor& temb,
                       const at::Tensor& context,
                       std::vector<at::Tensor>& skips) const;
    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, downsamplers{nullptr};
    std::vector<ResnetBlock2D> resnetList;
    std::vector<Transformer2DModel> attentionList;
    Downsample2D downsampler{nullptr};
};
TORCH_MODULE(UNetDownBlock);

class UNetUpBlockImpl : public torch::nn::Module {
public:
    UNetUpBlockImpl(const UNetConfig& config, size_t index, const at::TensorOptions& options);
    // Consumes skips from the back; upsamples to the next skip's size (odd latent sizes).
    at::Tensor forward(at::Tensor h,
                       const at::Tensor& temb,
                       const at::Tensor& context,
                       std::vector<at::Tensor>& skips) const;
    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, upsamplers{nullptr};
    std::vector<ResnetBlock2D> resnetList;
    std::vector<Transformer2DModel> attentionList;
    Upsample2D upsampler{nullptr};
};
TORCH_MODULE(UNetUpBlock);

class UNetMidBlockImpl : public torch::nn::Module {
public:
    UNetMidBlockImpl(const UNetConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& h, const at::Tensor& temb, const at::Tensor& context) const;
    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};
    ResnetBlock2D resnet0{nullptr}, resnet1{nullptr};
    Transformer2DModel attention{nullptr};
};
TORCH_MODULE(UNetMidBlock);

class UNet2DConditionModelImpl : public torch::nn::Module {
public:
    UNet2DConditionModelImpl(const UNetConfig& config, const at::TensorOptions& options);

    // sample [B, 4, h, w]; timestep scalar or [B] (int or float, fractional allowed);
    // encoderHiddenStates [B, L, crossAttentionDim]; addedCond required iff config.hasTextTime().
    // Inputs are converted to the parameters' dtype; the result has that dtype. When `debug` is
    // given, intermediate activations are stored under the oracle's names (time_proj,
    // time_embedding, add_time_proj, add_embedding, conv_in, down_blocks.i, mid_block, up_blocks.i).
    at::Tensor forward(const at::Tensor& sample,
                       const at::Tensor& timestep,
                       const at::Tensor& encoderHiddenStates,
                       const AddedCond* addedCond = nullptr,
                       std::map<std::string, at::Tensor>* debug = nullptr) const;

    // Run convolutions in channels-last (NHWC) memory: faster with oneDNN on CPU. Converts the conv
    // weights once; activations follow.
    void setChannelsLast(bool enabled);
    bool channelsLast() const { return m_channelsLast; }
    const UNetConfig& config() const { return m_config; }
    at::ScalarType dtype() const { return conv_in->weight.scalar_type(); }

    Conv2d conv_in{nullptr}, conv_out{nullptr};
    TimestepEmbedding time_embedding{nullptr}, add_embedding{nullptr};
    torch::nn::ModuleList down_blocks{nullptr}, up_blocks{nullptr};
    std::vector<UNetDownBlock> downList;
    std::vector<UNetUpBlock> upList;
    UNetMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};

private:
    UNetConfig m_config;
    bool m_channelsLast = false;
};
TORCH_MODULE(UNet2DConditionModel);

} // namespace hdr::diffusion
