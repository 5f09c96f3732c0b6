#include "diffusion/nets/Layers.h"

namespace hdr::diffusion {

Conv2dImpl::Conv2dImpl(int64_t inChannels, int64_t outChannels, int64_t kernel, const at::TensorOptions& options,
                       int64_t stride_, int64_t padding_, bool withBias)
    : stride(stride_), padding(padding_)
{
    weight = register_parameter("weight", at::empty({outChannels, inChannels, kernel, kernel}, options), false);
    if (withBias) {
        bias = register_parameter("bias", at::empty({outChannels}, options), false);
    }
}

at::Tensor Conv2dImpl::forward(const at::Tensor& x) const
{
    return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

LinearImpl::LinearImpl(int64_t inFeatures, int64_t outFeatures, const at::TensorOptions& options, bool withBias)
{
    weight = register_parameter("weight", at::empty({outFeatures, inFeatures}, options), false);
    if (withBias) {
        bias = register_parameter("bias", at::empty({outFeatures}, options), false);
    }
}

at::Tensor LinearImpl::forward(const at::Tensor& x) const
{
    return at::linear(x, weight, bias);
}

GroupNormImpl::GroupNormImpl(int64_t groups_, int64_t channels, double eps_, const at::TensorOptions& options)
    : groups(groups_), eps(eps_)
{
    weight = register_parameter("weight", at::empty({channels}, options), false);
    bias = register_parameter("bias", at::empty({channels}, options), false);
}

at::Tensor GroupNormImpl::forward(const at::Tensor& x) const
{
    return at::group_norm(x, groups, weight, bias, eps);
}

at::Tensor GroupNormImpl::forwardSilu(const at::Tensor& x) const
{
    at::Tensor y = at::group_norm(x, groups, weight, bias, eps);
    return at::silu_(y);
}

LayerNormImpl::LayerNormImpl(int64_t dim_, double eps_, const at::TensorOptions& options) : dim(dim_), eps(eps_)
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

int64_t parameterCount(const torch::nn::Module& module)
{
    int64_t total = 0;
    for (const auto& item : module.named_parameters()) {
        total += item.value().numel();
    }
    return total;
}

} // namespace hdr::diffusion
