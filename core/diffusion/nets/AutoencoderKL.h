#pragma once
// Stable Diffusion's VAE, diffusers AutoencoderKL layout (SD1.x and SDXL share the architecture),
// built from a VaeConfig with parameters in `options`; named_parameters() keys equal diffusers'
// ("decoder.up_blocks.0.resnets.0.conv1.weight"). Images are NCHW in [-1, 1] (sRGB-encoded
// display values as SD was trained on, not scene-linear); latents are the raw VAE latents (the
// UNet's latents divided by VaeConfig::scalingFactor). Oracle README gotchas 11-13.
#include "common/JobContext.h"
#include "diffusion/nets/Blocks.h"
#include "diffusion/nets/VaeConfig.h"

namespace hdr::diffusion {

// diffusers DiagonalGaussianDistribution: mean and logvar (clamped to [-30, 20]), std = exp(logvar/2).
struct LatentDist {
    at::Tensor mean, logvar, std;
    // z = mean + std * noise (noise ~ N(0, 1), same shape).
    at::Tensor sample(const at::Tensor& noise) const { return mean + std * noise; }
};

// Mid-block self-attention: GroupNorm -> to_q/k/v (with bias) -> 1 head -> to_out.0 -> + input.
class VaeAttentionImpl : public torch::nn::Module {
public:
    VaeAttentionImpl(int64_t channels, int64_t groups, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    GroupNorm group_norm{nullptr};
    AttentionModule attention{nullptr};
};
TORCH_MODULE(VaeAttention);

// resnets.0 -> attentions.0 -> resnets.1 (UNetMidBlock2D, no time embedding).
class VaeMidBlockImpl : public torch::nn::Module {
public:
    VaeMidBlockImpl(int64_t channels, int64_t groups, bool withAttention, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};
    ResnetBlock2D resnet0{nullptr}, resnet1{nullptr};
    VaeAttention attention{nullptr};
};
TORCH_MODULE(VaeMidBlock);

// DownEncoderBlock2D / UpDecoderBlock2D: resnets then an optional resampler.
class VaeBlockImpl : public torch::nn::Module {
public:
    VaeBlockImpl(int64_t inChannels,
                 int64_t outChannels,
                 int64_t layers,
                 int64_t groups,
                 bool down,
                 bool resample,
                 const at::TensorOptions& options);
    at::Tensor forward(at::Tensor x) const;
    torch::nn::ModuleList resnets{nullptr}, samplers{nullptr};
    std::vector<ResnetBlock2D> resnetList;
    Downsample2D downsampler{nullptr};
    Upsample2D upsampler{nullptr};
};
TORCH_MODULE(VaeBlock);

class VaeEncoderImpl : public torch::nn::Module {
public:
    VaeEncoderImpl(const VaeConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& image) const; // -> [B, 2*latent, H/8, W/8]
    Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};
    std::vector<VaeBlock> blocks;
    VaeMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
public:
    VaeDecoderImpl(const VaeConfig& config, const at::TensorOptions& options);
    // job (optional) is polled before each block: an SDXL 1024x1024 decode takes about a minute
    // on a small CPU, and Cancel should not wait for it.
    at::Tensor forward(const at::Tensor& z, const core::JobContext* job = nullptr) const;
    Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    std::vector<VaeBlock> blocks;
    VaeMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeDecoder);

// Tiling for images too large to run in one piece. Sizes are in LATENT pixels (x8 in the image);
// neighbouring tiles overlap and are blended with linear ramps across the overlap, so seams do
// not show (GroupNorm and attention statistics still differ per tile: tiled output is close to,
// not equal to, untiled; see tst_nets for the measured difference).
struct VaeTiling {
    int64_t tileLatent = 64;    // 512 image px
    int64_t overlapLatent = 16; // 128 image px

    // The tiling of `generate/hdr --vae-tile` (and of its benchmark): overlap a quarter tile.
    static VaeTiling withQuarterOverlap(int64_t tileLatent)
    {
        return {tileLatent, tileLatent / 4 > 1 ? tileLatent / 4 : 1};
    }
};

class AutoencoderKLImpl : public torch::nn::Module {
public:
    AutoencoderKLImpl(const VaeConfig& config, const at::TensorOptions& options);

    // image [B, 3, H, W] in [-1, 1], H and W multiples of 8. Result in fp32.
    LatentDist encode(const at::Tensor& image);
    // latents [B, 4, h, w] already divided by the scaling factor -> image [B, 3, 8h, 8w], fp32,
    // unclamped (roughly [-1, 1]). With a job, cancellation is checked between the decoder's
    // blocks (throws HdrError Cancelled); the result equals the decode without one.
    at::Tensor decode(const at::Tensor& latents, const core::JobContext* job = nullptr);

    // Tiled versions (fall back to one piece when the input fits in one tile). The job context is
    // polled between tiles (throws HdrError Cancelled) and gets the tile progress.
    LatentDist encodeTiled(const at::Tensor& image, const VaeTiling& tiling, core::JobContext& job);
    at::Tensor decodeTiled(const at::Tensor& latents, const VaeTiling& tiling, core::JobContext& job);

    void setChannelsLast(bool enabled);
    // With config.forceUpcast, fp16/bf16 weights are converted to fp32 on first use (the SDXL VAE
    // overflows in fp16, gotcha 13). Called by encode/decode; public for callers that want it early.
    void applyForceUpcast();
    at::ScalarType dtype() const { return encoder->conv_in->weight.scalar_type(); }
    const VaeConfig& config() const { return m_config; }

    VaeEncoder encoder{nullptr};
    VaeDecoder decoder{nullptr};
    Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};

private:
    at::Tensor prepare(const at::Tensor& x) const;
    LatentDist distribution(const at::Tensor& moments) const;
    at::Tensor encodeMoments(const at::Tensor& image);

    VaeConfig m_config;
    bool m_channelsLast = false;
};
TORCH_MODULE(AutoencoderKL);

} // namespace hdr::diffusion
