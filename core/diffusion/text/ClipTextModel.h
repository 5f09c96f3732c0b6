#pragma once
// transformers CLIPTextModel / CLIPTextModelWithProjection for inference, with the same parameter
// names (text_model.embeddings.token_embedding.weight, text_model.encoder.layers.N.self_attn.
// q_proj.weight, ..., text_model.final_layer_norm.weight, text_projection.weight), built from our
// thin layers so it can live on the meta device or in bf16 without an fp32 CPU copy.
// Pre-LN transformer: x += attn(ln1(x)) with the causal mask only (no padding mask: oracle README
// gotcha 3), x += fc2(act(fc1(ln2(x)))). Hidden sizes in model units, ids int64 [B, L<=77].
#include "diffusion/nets/Layers.h"
#include "diffusion/text/ClipTextConfig.h"

#include <torch/nn/modules/container/modulelist.h>

#include <vector>

namespace hdr::diffusion {

struct ClipTextOutput {
    at::Tensor lastHiddenState; // [B, L, H]: final_layer_norm(hiddenStates.back())
    std::vector<at::Tensor>
        hiddenStates;       // numLayers + 1 of [B, L, H]; 0 = embeddings, i = after layer i (no final LN)
    at::Tensor pooled;      // [B, H]: lastHiddenState at argmax(ids) (the first EOS: EOS is the largest id)
    at::Tensor textEmbeds;  // [B, projectionDim] = text_projection(pooled); undefined without projection
    at::Tensor eosPosition; // [B] int64
};

class ClipAttentionImpl : public torch::nn::Module {
public:
    ClipAttentionImpl(const ClipTextConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& causalMask) const;

    Linear qProj{nullptr}, kProj{nullptr}, vProj{nullptr}, outProj{nullptr};
    int64_t heads;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
public:
    ClipMlpImpl(const ClipTextConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;

    Linear fc1{nullptr}, fc2{nullptr};
    ClipActivation activation;
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
public:
    ClipEncoderLayerImpl(const ClipTextConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& causalMask) const;

    ClipAttention selfAttn{nullptr};
    LayerNorm layerNorm1{nullptr};
    ClipMlp mlp{nullptr};
    LayerNorm layerNorm2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipTextModelImpl : public torch::nn::Module {
public:
    ClipTextModelImpl(const ClipTextConfig& config, const at::TensorOptions& options);

    // ids [B, L] int64 (L <= maxPositions). lastLayer < numLayers stops after that many layers
    // (hiddenStates then holds lastLayer + 1 entries and lastHiddenState/pooled are computed from
    // the last of them), which clip skip uses to avoid running layers it would throw away.
    // attentionMask [B, L] (1 = token, 0 = padding), optional: inference runs without it (oracle
    // gotcha 3), GM-Diffusion's stage-2 training passes it (gotcha 19); padding keys are then
    // masked in self-attention on top of the causal mask.
    ClipTextOutput
    forward(const at::Tensor& ids, int64_t lastLayer = -1, const at::Tensor& attentionMask = {}) const;
    at::Tensor applyFinalLayerNorm(const at::Tensor& hidden) const { return finalLayerNorm->forward(hidden); }

    const ClipTextConfig& config() const { return m_config; }
    int64_t hiddenSize() const { return m_config.hiddenSize; }

    Embedding tokenEmbedding{nullptr}, positionEmbedding{nullptr};
    torch::nn::ModuleList layers{nullptr};
    LayerNorm finalLayerNorm{nullptr};
    Linear textProjection{nullptr}; // empty without projection

private:
    std::vector<ClipEncoderLayer> m_layers; // the same modules as `layers`, typed
    ClipTextConfig m_config;
};
TORCH_MODULE(ClipTextModel);

} // namespace hdr::diffusion
