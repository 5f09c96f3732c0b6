#pragma once
// Thin inference layers for the diffusion networks. Unlike torch::nn::Conv2d & co. these do not
// initialise (reset() allocates fp32 on the CPU and fills it with random numbers): parameters are
// created with at::empty(shape, options), so a full-size SD1.5/SDXL network can be built on the
// meta device (no memory) or directly in bf16/fp16, and are then filled from a state dict.
// Parameter names are "weight" and "bias", exactly as in diffusers/transformers state dicts.
// Shapes follow PyTorch: Conv2d weight [out, in, k, k], Linear weight [out, in], norms [C].
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cstdint>

namespace hdr::diffusion {

// Whether autograd records operations on `t` (training: GM-Diffusion's stage-2 step). The
// inference paths update activations in place to save memory; where a backward pass needs the
// overwritten value, they take the out-of-place form while recording.
inline bool recordingGraph(const at::Tensor& t)
{
    return at::GradMode::is_enabled() && t.requires_grad();
}

// Counts FLOPs (2 per multiply-add) of convolutions, linear layers and attention matmuls while
// active, for benchmark reports. Process-wide; off by default (one relaxed atomic load per layer).
namespace flops {
void start();
int64_t stop(); // the FLOPs since start()
bool active();
void add(int64_t count);
} // namespace flops

// 2-D convolution, square kernel, no dilation/groups (all SD convolutions are of this kind).
class Conv2dImpl : public torch::nn::Module {
public:
    Conv2dImpl(int64_t inChannels,
               int64_t outChannels,
               int64_t kernel,
               const at::TensorOptions& options,
               int64_t stride = 1,
               int64_t padding = 0,
               bool bias = true);
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight;
    at::Tensor bias; // undefined when built without bias
    int64_t stride = 1;
    int64_t padding = 0;
};
TORCH_MODULE(Conv2d);

// y = x W^T + b over the last dimension.
class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(int64_t inFeatures, int64_t outFeatures, const at::TensorOptions& options, bool bias = true);
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight;
    at::Tensor bias;
};
TORCH_MODULE(Linear);

// GroupNorm over dim 1 (NCHW or [N, C, L]), affine.
class GroupNormImpl : public torch::nn::Module {
public:
    GroupNormImpl(int64_t groups, int64_t channels, double eps, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;
    // GroupNorm followed by SiLU (the pattern of every resnet block), in place on the norm output.
    at::Tensor forwardSilu(const at::Tensor& x) const;

    at::Tensor weight;
    at::Tensor bias;
    int64_t groups;
    double eps;
};
TORCH_MODULE(GroupNorm);

// LayerNorm over the last dimension, affine.
class LayerNormImpl : public torch::nn::Module {
public:
    LayerNormImpl(int64_t dim, double eps, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight;
    at::Tensor bias;
    int64_t dim;
    double eps;
};
TORCH_MODULE(LayerNorm);

// Lookup table [count, dim]; forward takes int64 ids of any shape.
class EmbeddingImpl : public torch::nn::Module {
public:
    EmbeddingImpl(int64_t count, int64_t dim, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& ids) const;

    at::Tensor weight;
};
TORCH_MODULE(Embedding);

// Converts every 4-D parameter of `module` (conv weights) to channels-last in place, so oneDNN
// does not reorder weights on every call when activations are channels-last.
void convertConvWeightsToChannelsLast(torch::nn::Module& module);

// Fills every parameter with deterministic random values in a sane range (tests, benchmarks):
// matrices/kernels N(0, 1/fan_in), norm weights 1 + U(-0.1, 0.1), biases U(-0.1, 0.1).
void initRandomWeights(torch::nn::Module& module, uint64_t seed);

// Total element count of named_parameters() (works on the meta device).
int64_t parameterCount(const torch::nn::Module& module);

} // namespace hdr::diffusion
