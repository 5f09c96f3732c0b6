#include "diffusion/nets/Layers.h"

#include <ATen/CPUGeneratorImpl.h>

#include <atomic>
#include <cmath>
#include <string>

namespace hdr::diffusion {

namespace flops {
namespace {
std::atomic<bool> g_active{false};
std::atomic<int64_t> g_count{0};
} // namespace

void start()
{
    g_count.store(0);
    g_active.store(true);
}

int64_t stop()
{
    g_active.store(false);
    return g_count.load();
}

bool active()
{
    return g_active.load(std::memory_order_relaxed);
}

void add(int64_t count)
{
    g_count.fetch_add(count, std::memory_order_relaxed);
}
} // namespace flops

Conv2dImpl::Conv2dImpl(int64_t inChannels,
                       int64_t outChannels,
                       int64_t kernel,
                       const at::TensorOptions& options,
                       int64_t stride_,
                       int64_t padding_,
                       bool withBias)
    : stride(stride_)
    , padding(padding_)
{
    weight =
        register_parameter("weight", at::empty({outChannels, inChannels, kernel, kernel}, options), false);
    if (withBias) {
        bias = register_parameter("bias", at::empty({outChannels}, options), false);
    }
}

at::Tensor Conv2dImpl::forward(const at::Tensor& x) const
{
    at::Tensor y = at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
    if (flops::active()) {
        flops::add(2 * y.numel() * weight.size(1) * weight.size(2) * weight.size(3));
    }
    return y;
}

LinearImpl::LinearImpl(int64_t inFeatures,
                       int64_t outFeatures,
                       const at::TensorOptions& options,
                       bool withBias)
{
    weight = register_parameter("weight", at::empty({outFeatures, inFeatures}, options), false);
    if (withBias) {
        bias = register_parameter("bias", at::empty({outFeatures}, options), false);
    }
}

at::Tensor LinearImpl::forward(const at::Tensor& x) const
{
    if (flops::active()) {
        flops::add(2 * (x.numel() / x.size(-1)) * weight.size(0) * weight.size(1));
    }
    return at::linear(x, weight, bias);
}

GroupNormImpl::GroupNormImpl(int64_t groups_, int64_t channels, double eps_, const at::TensorOptions& options)
    : groups(groups_)
    , eps(eps_)
{
    weight = register_parameter("weight", at::empty({channels}, options), false);
    bias = register_parameter("bias", at::empty({channels}, options), false);
}

namespace {

// libtorch 1.13's CPU group_norm for bf16/fp16 in channels-last memory accumulates the group
// statistics in the reduced type: on the oracle's VAE it was 18% off the fp32 result on the same
// input, where the NCHW path is within bf16 rounding (1%). There the statistics and the affine
// step run in fp32 and only the result is rounded (what PyTorch 2 does with its float accumulator).
bool needsFloatStatistics(const at::Tensor& x)
{
    return x.device().is_cpu() && (x.scalar_type() == at::kBFloat16 || x.scalar_type() == at::kHalf) &&
           x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast);
}

// group_norm in x's type, or in fp32 where that type is imprecise; the caller rounds back to
// x's type after anything it fuses on top (SiLU), so that is rounded once.
at::Tensor groupNormAccurate(
    const at::Tensor& x, int64_t groups, const at::Tensor& weight, const at::Tensor& bias, double eps)
{
    if (needsFloatStatistics(x)) {
        return at::group_norm(x.to(at::kFloat), groups, weight.to(at::kFloat), bias.to(at::kFloat), eps);
    }
    return at::group_norm(x, groups, weight, bias, eps);
}

} // namespace

at::Tensor GroupNormImpl::forward(const at::Tensor& x) const
{
    return groupNormAccurate(x, groups, weight, bias, eps).to(x.scalar_type());
}

at::Tensor GroupNormImpl::forwardSilu(const at::Tensor& x) const
{
    at::Tensor y = groupNormAccurate(x, groups, weight, bias, eps);
    return (recordingGraph(y) ? at::silu(y) : at::silu_(y)).to(x.scalar_type());
}

LayerNormImpl::LayerNormImpl(int64_t dim_, double eps_, const at::TensorOptions& options)
    : dim(dim_)
    , eps(eps_)
{
    weight = register_parameter("weight", at::empty({dim}, options), false);
    bias = register_parameter("bias", at::empty({dim}, options), false);
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) const
{
    return at::layer_norm(x, {dim}, weight, bias, eps);
}

EmbeddingImpl::EmbeddingImpl(int64_t count, int64_t dim, const at::TensorOptions& options)
{
    weight = register_parameter("weight", at::empty({count, dim}, options), false);
}

at::Tensor EmbeddingImpl::forward(const at::Tensor& ids) const
{
    return at::embedding(weight, ids);
}

void convertConvWeightsToChannelsLast(torch::nn::Module& module)
{
    for (auto& item : module.named_parameters()) {
        at::Tensor& p = item.value();
        if (p.dim() == 4 && !p.is_meta()) {
            p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
        }
    }
}

void initRandomWeights(torch::nn::Module& module, uint64_t seed)
{
    at::NoGradGuard noGrad;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& item : module.named_parameters()) {
        at::Tensor& p = item.value();
        at::Tensor values;
        if (p.dim() >= 2) {
            const double fanIn = static_cast<double>(p.numel() / p.size(0));
            values = at::empty(p.sizes(), at::kFloat).normal_(0.0, 1.0 / std::sqrt(fanIn), gen);
        } else {
            values = at::empty(p.sizes(), at::kFloat).uniform_(-0.1, 0.1, gen);
            const std::string& key = item.key();
            if (key.size() >= 6 && key.compare(key.size() - 6, 6, "weight") == 0) {
                values.add_(1.0);
            }
        }
        p.copy_(values);
    }
}

int64_t parameterCount(const torch::nn::Module& module)
{
    int64_t total = 0;
    for (const auto& item : module.named_parameters()) {
        total += item.value().numel();
    }
    return total;
}

} // namespace hdr::diffusion
