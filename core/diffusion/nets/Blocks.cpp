#include "diffusion/nets/Blocks.h"

#include "diffusion/nets/Attention.h"

#include <cmath>

namespace hdr::diffusion {

at::Tensor timestepFeatures(const at::Tensor& timesteps, int64_t dim, bool flipSinToCos, double freqShift)
{
    const int64_t half = dim / 2;
    const auto f32 = timesteps.options().dtype(at::kFloat);
    const at::Tensor exponent =
        at::arange(half, f32).mul_(-std::log(10000.0) / (static_cast<double>(half) - freqShift));
    const at::Tensor args = timesteps.to(at::kFloat).reshape({-1, 1}) * exponent.exp_().unsqueeze(0);
    at::Tensor emb =
        flipSinToCos ? at::cat({args.cos(), args.sin()}, -1) : at::cat({args.sin(), args.cos()}, -1);
    if (dim % 2 == 1) {
        emb = at::constant_pad_nd(emb, {0, 1});
    }
    return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t inDim, int64_t outDim, const at::TensorOptions& options)
{
    linear_1 = register_module("linear_1", Linear(inDim, outDim, options));
    linear_2 = register_module("linear_2", Linear(outDim, outDim, options));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& x) const
{
    at::Tensor h = linear_1->forward(x);
    return linear_2->forward(recordingGraph(h) ? at::silu(h) : at::silu_(h));
}

ResnetBlock2DImpl::ResnetBlock2DImpl(int64_t inChannels,
                                     int64_t outChannels,
                                     int64_t tembChannels,
                                     int64_t groups,
                                     double eps,
                                     const at::TensorOptions& options)
{
    norm1 = register_module("norm1", GroupNorm(groups, inChannels, eps, options));
    conv1 = register_module("conv1", Conv2d(inChannels, outChannels, 3, options, 1, 1));
    if (tembChannels > 0) {
        time_emb_proj = register_module("time_emb_proj", Linear(tembChannels, outChannels, options));
    }
    norm2 = register_module("norm2", GroupNorm(groups, outChannels, eps, options));
    conv2 = register_module("conv2", Conv2d(outChannels, outChannels, 3, options, 1, 1));
    if (inChannels != outChannels) {
        conv_shortcut = register_module("conv_shortcut", Conv2d(inChannels, outChannels, 1, options));
    }
}

at::Tensor ResnetBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb) const
{
    at::Tensor h = conv1->forward(norm1->forwardSilu(x));
    if (time_emb_proj && temb.defined()) {
        const at::Tensor t = time_emb_proj->forward(at::silu(temb));
        h.add_(t.unsqueeze(-1).unsqueeze(-1));
    }
    h = conv2->forward(norm2->forwardSilu(h));
    if (conv_shortcut) {
        return h.add_(conv_shortcut->forward(x));
    }
    return h.add_(x);
}

AttentionModuleImpl::AttentionModuleImpl(
    int64_t queryDim, int64_t contextDim, int64_t heads_, bool qkvBias, const at::TensorOptions& options)
    : heads(heads_)
{
    to_q = register_module("to_q", Linear(queryDim, queryDim, options, qkvBias));
    to_k = register_module("to_k", Linear(contextDim, queryDim, options, qkvBias));
    to_v = register_module("to_v", Linear(contextDim, queryDim, options, qkvBias));
    to_out = register_module("to_out", torch::nn::ModuleList());
    outProj = Linear(queryDim, queryDim, options);
    to_out->push_back(outProj); // "to_out.0"; diffusers' to_out.1 is a Dropout (no parameters)
}

at::Tensor AttentionModuleImpl::forward(const at::Tensor& x, const at::Tensor& context) const
{
    const at::Tensor& ctx = context.defined() ? context : x;
    const at::Tensor q = to_q->forward(x);
    const at::Tensor k = to_k->forward(ctx);
    const at::Tensor v = to_v->forward(ctx);
    return outProj->forward(attention(q, k, v, heads));
}

GegluImpl::GegluImpl(int64_t dim, int64_t inner, const at::TensorOptions& options)
{
    proj = register_module("proj", Linear(dim, inner * 2, options));
}

at::Tensor GegluImpl::forward(const at::Tensor& x) const
{
    const at::Tensor h = proj->forward(x);
    const int64_t inner = h.size(-1) / 2;
    // value = first half, gate = second half (gotcha 10); exact (erf) GELU.
    at::Tensor gate = at::gelu(h.narrow(-1, inner, inner));
    if (recordingGraph(h)) {
        return gate * h.narrow(-1, 0, inner); // mul_'s backward needs the gate's old value
    }
    return gate.mul_(h.narrow(-1, 0, inner));
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, const at::TensorOptions& options)
{
    net = register_module("net", torch::nn::ModuleList());
    geglu = Geglu(dim, dim * 4, options);
    out = Linear(dim * 4, dim, options);
    net->push_back(geglu);                 // net.0
    net->push_back(torch::nn::Identity()); // net.1: Dropout in diffusers, no parameters
    net->push_back(out);                   // net.2
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) const
{
    return out->forward(geglu->forward(x));
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim,
                                                     int64_t heads,
                                                     int64_t contextDim,
                                                     const at::TensorOptions& options)
{
    norm1 = register_module("norm1", LayerNorm(dim, 1e-5, options));
    attn1 = register_module("attn1", AttentionModule(dim, dim, heads, false, options));
    norm2 = register_module("norm2", LayerNorm(dim, 1e-5, options));
    attn2 = register_module("attn2", AttentionModule(dim, contextDim, heads, false, options));
    norm3 = register_module("norm3", LayerNorm(dim, 1e-5, options));
    ff = register_module("ff", FeedForward(dim, options));
}

at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& context) const
{
    at::Tensor h = attn1->forward(norm1->forward(x)).add_(x);
    if (recordingGraph(h)) { // layer norm saves its input for the backward pass
        h = h + attn2->forward(norm2->forward(h), context);
        return h + ff->forward(norm3->forward(h));
    }
    h.add_(attn2->forward(norm2->forward(h), context));
    h.add_(ff->forward(norm3->forward(h)));
    return h;
}

TokenProjectionImpl::TokenProjectionImpl(int64_t inDim,
                                         int64_t outDim,
                                         bool asConv,
                                         const at::TensorOptions& options)
{
    weight = register_parameter("weight",
                                asConv ? at::empty({outDim, inDim, 1, 1}, options)
                                       : at::empty({outDim, inDim}, options),
                                false);
    bias = register_parameter("bias", at::empty({outDim}, options), false);
}

at::Tensor TokenProjectionImpl::forward(const at::Tensor& tokens) const
{
    if (flops::active()) {
        flops::add(2 * (tokens.numel() / tokens.size(-1)) * weight.size(0) * weight.size(1));
    }
    return at::linear(tokens, weight.dim() == 4 ? weight.flatten(1) : weight, bias);
}

Transformer2DModelImpl::Transformer2DModelImpl(int64_t channels,
                                               int64_t heads,
                                               int64_t layers,
                                               int64_t contextDim,
                                               int64_t groups,
                                               bool linearProjection,
                                               const at::TensorOptions& options)
{
    norm = register_module("norm", GroupNorm(groups, channels, 1e-6, options));
    proj_in = register_module("proj_in", TokenProjection(channels, channels, !linearProjection, options));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) {
        blocks.push_back(BasicTransformerBlock(channels, heads, contextDim, options));
        transformer_blocks->push_back(blocks.back());
    }
    proj_out = register_module("proj_out", TokenProjection(channels, channels, !linearProjection, options));
}

at::Tensor Transformer2DModelImpl::forward(const at::Tensor& x, const at::Tensor& context) const
{
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    // [B, C, H, W] -> [B, HW, C]: a free view when x is channels-last, one copy otherwise.
    const at::Tensor normed = norm->forward(x).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    at::Tensor tokens = proj_in->forward(normed);
    for (const auto& block : blocks) {
        tokens = block->forward(tokens, context);
    }
    tokens = proj_out->forward(tokens);
    // Back to NCHW; the result's memory is NHWC (channels-last) either way.
    const at::Tensor out = tokens.view({b, h, w, c}).permute({0, 3, 1, 2});
    return out.add_(x);
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t padding_, const at::TensorOptions& options)
    : padding(padding_)
{
    conv = register_module("conv", Conv2d(channels, channels, 3, options, 2, padding));
}

at::Tensor Downsample2DImpl::forward(const at::Tensor& x) const
{
    if (padding == 0) {
        return conv->forward(at::constant_pad_nd(x, {0, 1, 0, 1}, 0.0));
    }
    return conv->forward(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, const at::TensorOptions& options)
{
    conv = register_module("conv", Conv2d(channels, channels, 3, options, 1, 1));
}

at::Tensor Upsample2DImpl::forward(const at::Tensor& x, std::optional<std::array<int64_t, 2>> size) const
{
    const std::array<int64_t, 2> target = size ? *size : std::array<int64_t, 2>{x.size(2) * 2, x.size(3) * 2};
    at::Tensor up = at::upsample_nearest2d(x, {target[0], target[1]});
    return conv->forward(up);
}

} // namespace hdr::diffusion
