#pragma once
// Internal, libtorch: BasicSR's RRDBNet (ESRGAN, Real-ESRGAN; XPixelGroup/BasicSR
// basicsr/archs/rrdbnet_arch.py; oracle kind rrdbnet_forward, ../shared/oracle/README.md batch 2 and
// gotcha 20; ../shared/reference/diffusion.md §5.5):
//   scale 2 / 1: x = pixel_unshuffle(x, 2 / 4) first (channel c*r*r + i*r + j), so the network
//                always upsamples 4x and the input sides must be multiples of 2 / 4;
//   feat = conv_first(x); feat = feat + conv_body(body(feat))
//   body = num_block RRDBs; RRDB(x) = rdb3(rdb2(rdb1(x))) * 0.2 + x;
//   RDB(x): x1..x4 = lrelu(conv_k(cat(x, x1, ..))), x5 = conv5(cat(x, x1..x4)); x5 * 0.2 + x
//   twice: feat = lrelu(conv_up_k(nearest_x2(feat)))
//   out = conv_last(lrelu(conv_hr(feat)))          (not clamped)
// LeakyReLU slope 0.2 throughout. Parameter names are BasicSR's (conv_first.weight,
// body.0.rdb1.conv1.weight, ...), so a BasicSR state dict loads as it is.
#include "diffusion/nets/Layers.h"
#include "upscale/RrdbNetConfig.h"

#include <torch/nn/modules/container/modulelist.h>

#include <vector>

namespace hdr::diffusion {

class ResidualDenseBlockImpl : public torch::nn::Module {
public:
    ResidualDenseBlockImpl(int64_t numFeat, int64_t numGrowCh, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr}, conv5{nullptr};
};
TORCH_MODULE(ResidualDenseBlock);

class RrdbImpl : public torch::nn::Module {
public:
    RrdbImpl(int64_t numFeat, int64_t numGrowCh, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    ResidualDenseBlock rdb1{nullptr}, rdb2{nullptr}, rdb3{nullptr};
};
TORCH_MODULE(Rrdb);

class RrdbNetImpl : public torch::nn::Module {
public:
    RrdbNetImpl(const RrdbNetConfig& config, const at::TensorOptions& options);
    // x: [B, inChannels, H, W] float, values as the network was trained on (RGB in [0, 1]).
    // H, W multiples of 4 / scale. Returns [B, outChannels, H * scale, W * scale].
    at::Tensor forward(const at::Tensor& x) const;
    const RrdbNetConfig& config() const { return m_config; }
    at::ScalarType dtype() const { return conv_first->weight.scalar_type(); }

    Conv2d conv_first{nullptr}, conv_body{nullptr}, conv_up1{nullptr}, conv_up2{nullptr}, conv_hr{nullptr},
        conv_last{nullptr};
    torch::nn::ModuleList body{nullptr};

private:
    RrdbNetConfig m_config;
    std::vector<Rrdb> m_blocks;
};
TORCH_MODULE(RrdbNet);

} // namespace hdr::diffusion
