#include "expsel/ExposureNets.h"

#include <torch/nn/functional.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

namespace hdr::expsel {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

int roundChannels(double c)
{
    return std::max(8, int(std::lround(c / 8.0)) * 8);
}

// conv (kernel, stride, groups) -> batch norm -> ReLU6.
struct ConvBnRelu6Impl : nn::Module {
    ConvBnRelu6Impl(int in, int out, int kernel, int stride, int groups)
    {
        conv = register_module("conv",
                               nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                                              .stride(stride)
                                              .padding(kernel / 2)
                                              .groups(groups)
                                              .bias(false)));
        bn = register_module("bn", nn::BatchNorm2d(out));
    }
    torch::Tensor forward(const torch::Tensor& x)
    {
        return torch::clamp(bn->forward(conv->forward(x)), 0.0, 6.0);
    }
    nn::Conv2d conv{nullptr};
    nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvBnRelu6);

struct InvertedResidualImpl : nn::Module {
    InvertedResidualImpl(int in, int out, int stride, int expand)
        : skip(stride == 1 && in == out)
    {
        const int hidden = in * expand;
        body = register_module("body", nn::Sequential());
        if (expand != 1) {
            body->push_back(ConvBnRelu6(in, hidden, 1, 1, 1));
        }
        body->push_back(ConvBnRelu6(hidden, hidden, 3, stride, hidden));
        body->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, out, 1).bias(false)));
        body->push_back(nn::BatchNorm2d(out));
    }
    torch::Tensor forward(const torch::Tensor& x) { return skip ? x + body->forward(x) : body->forward(x); }
    bool skip;
    nn::Sequential body{nullptr};
};
TORCH_MODULE(InvertedResidual);

// MobileNetV2 with the paper's block table (t, c, n, s); thumbnails are small, so the first conv
// keeps stride 1 and the later strides stop once the map is 2 px.
class MobileNetV2 final : public ExposureNet {
public:
    explicit MobileNetV2(const ExposureNetConfig& c)
    {
        const int classes = pairCount(c.exposures);
        int channels = roundChannels(32 * c.width);
        features = register_module("features", nn::Sequential());
        features->push_back(ConvBnRelu6(3 * c.exposures, channels, 3, 1, 1));
        const int table[7][4] = {{1, 16, 1, 1},
                                 {6, 24, 2, 2},
                                 {6, 32, 3, 2},
                                 {6, 64, 4, 2},
                                 {6, 96, 3, 1},
                                 {6, 160, 3, 2},
                                 {6, 320, 1, 1}};
        int size = c.thumbSize;
        for (const auto& row : table) {
            const int out = roundChannels(row[1] * c.width);
            for (int i = 0; i < row[2]; ++i) {
                int stride = i == 0 ? row[3] : 1;
                if (stride == 2 && size <= 2) {
                    stride = 1;
                }
                if (stride == 2) {
                    size = (size + 1) / 2;
                }
                features->push_back(InvertedResidual(channels, out, stride, row[0]));
                channels = out;
            }
        }
        const int last = std::max(roundChannels(1280 * std::min(1.0, c.width * 2)), 128);
        features->push_back(ConvBnRelu6(channels, last, 1, 1, 1));
        classifier = register_module("classifier", nn::Linear(last, classes));
    }
    torch::Tensor forward(const torch::Tensor& x) override
    {
        auto f = features->forward(x);
        f = F::adaptive_avg_pool2d(f, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
        return classifier->forward(F::dropout(f, F::DropoutFuncOptions().p(0.2).training(is_training())));
    }

private:
    nn::Sequential features{nullptr};
    nn::Linear classifier{nullptr};
};

class TinyNet final : public ExposureNet {
public:
    explicit TinyNet(const ExposureNetConfig& c)
    {
        const int classes = pairCount(c.exposures);
        features = register_module("features",
                                   nn::Sequential(ConvBnRelu6(3 * c.exposures, 24, 3, 2, 1),
                                                  ConvBnRelu6(24, 48, 3, 2, 1),
                                                  ConvBnRelu6(48, 64, 3, 2, 1)));
        classifier = register_module("classifier", nn::Linear(64, classes));
    }
    torch::Tensor forward(const torch::Tensor& x) override
    {
        auto f = features->forward(x);
        return classifier->forward(F::adaptive_avg_pool2d(f, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1));
    }

private:
    nn::Sequential features{nullptr};
    nn::Linear classifier{nullptr};
};

} // namespace

std::shared_ptr<ExposureNet> makeExposureNet(const ExposureNetConfig& config)
{
    if (config.backbone == "tiny") {
        return std::make_shared<TinyNet>(config);
    }
    return std::make_shared<MobileNetV2>(config);
}

} // namespace hdr::expsel
