#pragma once
// Building blocks shared by UNet2DConditionModel and AutoencoderKL, with diffusers' module
// layout so named_parameters() match diffusers state-dict keys (see oracle README gotchas 8-12).
// Activations are NCHW tensors in any memory format (channels-last is kept through the blocks).
#include "diffusion/nets/Layers.h"

#include <torch/nn/modules/container/modulelist.h>

#include <array>
#include <optional>
#include <vector>

namespace hdr::diffusion {

// Sinusoidal timestep features [N, dim] in fp32 (diffusers get_timestep_embedding):
// freq_i = exp(-ln(10000) * i / (dim/2 - shift)), emb = [sin | cos] or [cos | sin] when flipped.
// Timesteps may be fractional.
at::Tensor timestepFeatures(const at::Tensor& timesteps, int64_t dim, bool flipSinToCos, double freqShift);

// linear_1 -> SiLU -> linear_2 ("time_embedding", "add_embedding").
class TimestepEmbeddingImpl : public torch::nn::Module {
public:
    TimestepEmbeddingImpl(int64_t inDim, int64_t outDim, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

// norm1 -> SiLU -> conv1 (+ time_emb_proj(SiLU(temb))) -> norm2 -> SiLU -> conv2, plus the
// (1x1 conv_shortcut when channels change) input. temb dimension 0 = no time input (VAE).
class ResnetBlock2DImpl : public torch::nn::Module {
public:
    ResnetBlock2DImpl(int64_t inChannels,
                      int64_t outChannels,
                      int64_t tembChannels,
                      int64_t groups,
                      double eps,
                      const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb = {}) const;
    GroupNorm norm1{nullptr}, norm2{nullptr};
    Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
    Linear time_emb_proj{nullptr};
};
TORCH_MODULE(ResnetBlock2D);

// diffusers Attention with to_q/to_k/to_v (no bias in the UNet, bias in the VAE) and to_out.0.
class AttentionModuleImpl : public torch::nn::Module {
public:
    AttentionModuleImpl(
        int64_t queryDim, int64_t contextDim, int64_t heads, bool qkvBias, const at::TensorOptions& options);
    // x [B, L, C]; context [B, Lc, Cc] or undefined for self-attention.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context = {}) const;
    Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::ModuleList to_out{nullptr};
    Linear outProj{nullptr};
    int64_t heads;
};
TORCH_MODULE(AttentionModule);

// ff.net.0 = GEGLU(proj: C -> 2*4C; value = first half, gate = second half, value*gelu(gate)),
// ff.net.2 = Linear(4C -> C).
class GegluImpl : public torch::nn::Module {
public:
    GegluImpl(int64_t dim, int64_t inner, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    Linear proj{nullptr};
};
TORCH_MODULE(Geglu);

class FeedForwardImpl : public torch::nn::Module {
public:
    FeedForwardImpl(int64_t dim, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    torch::nn::ModuleList net{nullptr};
    Geglu geglu{nullptr};
    Linear out{nullptr};
};
TORCH_MODULE(FeedForward);

// LayerNorm (eps 1e-5) pre-norm: self-attention, cross-attention, GEGLU feed-forward.
class BasicTransformerBlockImpl : public torch::nn::Module {
public:
    BasicTransformerBlockImpl(int64_t dim,
                              int64_t heads,
                              int64_t contextDim,
                              const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context) const;
    LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    AttentionModule attn1{nullptr}, attn2{nullptr};
    FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

// proj_in/proj_out: weight [out, in, 1, 1] (1x1 conv, SD1.5) or [out, in] (Linear, SDXL),
// applied to tokens [B, L, in] as the same matmul.
class TokenProjectionImpl : public torch::nn::Module {
public:
    TokenProjectionImpl(int64_t inDim, int64_t outDim, bool asConv, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& tokens) const;
    at::Tensor weight, bias;
};
TORCH_MODULE(TokenProjection);

// GroupNorm (eps 1e-6) -> proj_in (1x1 conv or Linear) -> blocks -> proj_out, plus the input.
// Both projection kinds are applied as a matmul over channels on the [B, HW, C] token view.
class Transformer2DModelImpl : public torch::nn::Module {
public:
    Transformer2DModelImpl(int64_t channels,
                           int64_t heads,
                           int64_t layers,
                           int64_t contextDim,
                           int64_t groups,
                           bool linearProjection,
                           const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context) const;
    GroupNorm norm{nullptr};
    TokenProjection proj_in{nullptr}, proj_out{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};
    std::vector<BasicTransformerBlock> blocks;
};
TORCH_MODULE(Transformer2DModel);

// 3x3 stride-2 convolution ("downsamplers.0.conv"). padding 1 (UNet) or 0 with an asymmetric
// (0,1,0,1) zero pad first (VAE encoder, gotcha 11).
class Downsample2DImpl : public torch::nn::Module {
public:
    Downsample2DImpl(int64_t channels, int64_t padding, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    Conv2d conv{nullptr};
    int64_t padding;
};
TORCH_MODULE(Downsample2D);

// Nearest x2 (or to `size`, the skip tensor's size for odd latents) then 3x3 conv.
class Upsample2DImpl : public torch::nn::Module {
public:
    Upsample2DImpl(int64_t channels, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, std::optional<std::array<int64_t, 2>> size = std::nullopt) const;
    Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

// Keeps `x` in `format` (no copy when it already is).
inline at::Tensor inFormat(const at::Tensor& x, at::MemoryFormat format)
{
    return x.is_contiguous(format) ? x : x.contiguous(format);
}

} // namespace hdr::diffusion
