#pragma once
// The LDR -> HDR network and its loss (ItmConfig.h has the equations). libtorch in the header:
// for ItmTask/ItmInference and tests.
#include "image/Image.h"
#include "itm/ItmConfig.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace hdr::itm {

// conv3x3(dilation) -> LeakyReLU -> conv3x3(dilation), added to the input, LeakyReLU.
struct DilatedResidualBlockImpl : torch::nn::Module {
    DilatedResidualBlockImpl(int channels, int dilation);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv1{nullptr};
    torch::nn::Conv2d conv2{nullptr};
};
TORCH_MODULE(DilatedResidualBlock);

struct ItmNetImpl : torch::nn::Module {
    explicit ItmNetImpl(const ItmNetConfig& config);
    // x: N x 3 x H x W linear LDR, H and W multiples of 4. Returns the HDR / scale_hdr.
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Conv2d head{nullptr}, down1{nullptr}, down2{nullptr}, up2{nullptr}, up1{nullptr},
        tail{nullptr};
    torch::nn::Conv2d global{nullptr}; // 1x1 on the mean of the quarter-resolution features
    DilatedResidualBlock enc1{nullptr}, enc2{nullptr}, dec2{nullptr}, dec1{nullptr};
    torch::nn::Sequential middle{nullptr};
};
TORCH_MODULE(ItmNet);

// α·mean|p − t| + (1 − α)·mean|log1p(p) − log1p(t)|, computed in float32.
torch::Tensor hybridLoss(const torch::Tensor& prediction, const torch::Tensor& target, float alpha);

// Reflect-pads N x C x H x W on the right and bottom to multiples of 4 (replicate where the image
// is too small to reflect).
torch::Tensor padToMultipleOf4(const torch::Tensor& x);

// RGB(A) image -> 1 x 3 x H x W float tensor (alpha dropped) and back.
torch::Tensor imageToTensor(const core::ImageF& image);
core::ImageF tensorToImage(const torch::Tensor& chw); // 3 x H x W or 1 x 3 x H x W

} // namespace hdr::itm
