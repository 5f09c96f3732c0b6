#include "itm/ItmNetwork.h"

#include <torch/nn/functional.h>
#include <torch/nn/init.h>

#include <cstring>

namespace hdr::itm {

namespace F = torch::nn::functional;

namespace {

torch::nn::Conv2d conv(int in, int out, int stride = 1, int dilation = 1)
{
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(dilation).dilation(dilation));
}

torch::Tensor act(const torch::Tensor& x)
{
    return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.1));
}

} // namespace

DilatedResidualBlockImpl::DilatedResidualBlockImpl(int channels, int dilation)
{
    conv1 = register_module("conv1", conv(channels, channels, 1, dilation));
    conv2 = register_module("conv2", conv(channels, channels, 1, dilation));
}

torch::Tensor DilatedResidualBlockImpl::forward(const torch::Tensor& x)
{
    return act(x + conv2->forward(act(conv1->forward(x))));
}

ItmNetImpl::ItmNetImpl(const ItmNetConfig& config)
{
    const int b = config.baseChannels;
    head = register_module("head", conv(3, b));
    enc1 = register_module("enc1", DilatedResidualBlock(b, 1));
    down1 = register_module("down1", conv(b, 2 * b, 2));
    enc2 = register_module("enc2", DilatedResidualBlock(2 * b, 1));
    down2 = register_module("down2", conv(2 * b, 2 * b, 2));
    middle = register_module("middle", torch::nn::Sequential());
    for (int d : config.dilations) {
        middle->push_back(DilatedResidualBlock(2 * b, d));
    }
    global = register_module("global", torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * b, 2 * b, 1)));
    up2 = register_module("up2", conv(2 * b, 2 * b));
    dec2 = register_module("dec2", DilatedResidualBlock(2 * b, 1));
    up1 = register_module("up1", conv(2 * b, b));
    dec1 = register_module("dec1", DilatedResidualBlock(b, 1));
    tail = register_module("tail", conv(b, 6));
    // The residual branch starts at zero: the untrained network is the identity on linear LDR.
    torch::NoGradGuard noGrad;
    tail->weight.zero_();
    tail->bias.zero_();
}

namespace {
// Display-encoded level above which a pixel counts as (nearly) clipped; HDRCNN uses 0.95.
constexpr double kHighlightThreshold = 0.95;
// Softplus(0 - 6) = 0.0025: the residual branch starts at zero, its additions start near zero.
constexpr double kResidualStart = 6.0;
} // namespace

torch::Tensor ItmNetImpl::forward(const torch::Tensor& x)
{
    // Channels-last (NHWC) activations: oneDNN's small-channel convolutions, forward and
    // backward, run faster on them (PyTorch 1.13 on this network's training step: 7.0-8.6 steps/s
    // NCHW vs 11.1 channels-last, batch 6 of 96 px, 2 threads, 2026-12-05). Weights stay NCHW (the
    // checkpoints' layout); the result is handed back NCHW.
    const auto linear = x.contiguous(torch::MemoryFormat::ChannelsLast).clamp(0.0, 1.0);
    const auto encoded = linear.pow(1.0 / 2.2);
    auto up = [](const torch::Tensor& t) {
        return F::interpolate(
            t, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
    };
    const auto e1 = enc1->forward(act(head->forward(encoded)));
    const auto e2 = enc2->forward(act(down1->forward(e1)));
    auto m = middle->forward(act(down2->forward(e2)));
    // Image-level context (ExpandNet's global branch, in small): the camera curve and exposure
    // are properties of the whole frame, not of a neighbourhood.
    m = m + act(global->forward(m.mean({2, 3}, /*keepdim=*/true)));
    const auto d2 = dec2->forward(act(up2->forward(up(m))) + e2);
    const auto d1 = dec1->forward(act(up1->forward(up(d2))) + e1);
    const auto residual = tail->forward(d1).to(torch::kFloat32);
    const auto linear32 = linear.to(torch::kFloat32);
    // Only pixels near clipping are predicted (HDRCNN's blend, Eilertsen et al. 2017): below the
    // threshold the 8-bit value is the measurement and the inverse camera curve is already right;
    // a network that touches those pixels only adds noise. Above it, clipping only ever lost
    // light, so the prediction can only add: an offset (a clipped channel may be 0 in the LDR)
    // and a log gain (highlights need 10-1000x). Both start near 0: the untrained network is
    // close to the inverse-gamma expansion.
    const auto brightest = std::get<0>(encoded.to(torch::kFloat32).max(1, /*keepdim=*/true));
    const auto mask = ((brightest - kHighlightThreshold) / (1.0 - kHighlightThreshold)).clamp(0.0, 1.0);
    const auto offset = F::softplus(residual.narrow(1, 0, 3) - kResidualStart);
    const auto logGain = F::softplus(residual.narrow(1, 3, 3) - kResidualStart).clamp_max(12.0);
    return ((linear32 + mask * offset) * torch::exp(mask * logGain)).contiguous();
}

torch::Tensor hybridLoss(const torch::Tensor& prediction, const torch::Tensor& target, float alpha)
{
    const auto p = prediction.to(torch::kFloat32);
    const auto t = target.to(torch::kFloat32);
    const auto l1 = (p - t).abs().mean();
    const auto logL1 = (torch::log1p(p) - torch::log1p(t)).abs().mean();
    return alpha * l1 + (1.0f - alpha) * logL1;
}

torch::Tensor padToMultipleOf4(const torch::Tensor& x)
{
    const auto h = x.size(2), w = x.size(3);
    const auto ph = (4 - h % 4) % 4, pw = (4 - w % 4) % 4;
    if (ph == 0 && pw == 0) {
        return x;
    }
    F::PadFuncOptions options({0, pw, 0, ph});
    if (h > ph && w > pw) {
        options.mode(torch::kReflect);
    } else {
        options.mode(torch::kReplicate);
    }
    return F::pad(x, options);
}

torch::Tensor imageToTensor(const core::ImageF& image)
{
    const int w = image.width(), h = image.height(), c = image.channels();
    auto hwc = torch::from_blob(const_cast<float*>(image.data()), {h, w, c}, torch::kFloat32);
    return hwc.narrow(2, 0, 3).permute({2, 0, 1}).unsqueeze(0).contiguous().clone();
}

core::ImageF tensorToImage(const torch::Tensor& chw)
{
    auto t = (chw.dim() == 4 ? chw.squeeze(0) : chw).detach().to(torch::kCPU, torch::kFloat32);
    t = t.permute({1, 2, 0}).contiguous();
    core::ImageF image(int(t.size(1)), int(t.size(0)), 3);
    std::memcpy(image.data(), t.data_ptr<float>(), std::size_t(t.numel()) * sizeof(float));
    return image;
}

} // namespace hdr::itm
