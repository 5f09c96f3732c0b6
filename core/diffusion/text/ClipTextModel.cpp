#include "diffusion/text/ClipTextModel.h"

#include "diffusion/nets/Attention.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace hdr::diffusion {

ClipAttentionImpl::ClipAttentionImpl(const ClipTextConfig& config, const at::TensorOptions& options)
    : heads(config.numHeads)
{
    const int64_t h = config.hiddenSize;
    qProj = register_module("q_proj", Linear(h, h, options));
    kProj = register_module("k_proj", Linear(h, h, options));
    vProj = register_module("v_proj", Linear(h, h, options));
    outProj = register_module("out_proj", Linear(h, h, options));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x, const at::Tensor& causalMask) const
{
    // softmax(q k^T / sqrt(d) + causal) v per head; transformers scales q before the product,
    // which is the same function.
    const at::Tensor out = attention(
        qProj->forward(x), kProj->forward(x), vProj->forward(x), heads, AttentionBackend::Auto, causalMask);
    return outProj->forward(out);
}

ClipMlpImpl::ClipMlpImpl(const ClipTextConfig& config, const at::TensorOptions& options)
    : activation(config.hiddenAct)
{
    fc1 = register_module("fc1", Linear(config.hiddenSize, config.intermediateSize, options));
    fc2 = register_module("fc2", Linear(config.intermediateSize, config.hiddenSize, options));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) const
{
    at::Tensor h = fc1->forward(x);
    if (activation == ClipActivation::QuickGelu)
        h = h * at::sigmoid(h * 1.702);
    else
        h = at::gelu(h);
    return fc2->forward(h);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextConfig& config, const at::TensorOptions& options)
{
    selfAttn = register_module("self_attn", ClipAttention(config, options));
    layerNorm1 = register_module("layer_norm1", LayerNorm(config.hiddenSize, config.layerNormEps, options));
    mlp = register_module("mlp", ClipMlp(config, options));
    layerNorm2 = register_module("layer_norm2", LayerNorm(config.hiddenSize, config.layerNormEps, options));
}

at::Tensor ClipEncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& causalMask) const
{
    at::Tensor h = x + selfAttn->forward(layerNorm1->forward(x), causalMask);
    return h + mlp->forward(layerNorm2->forward(h));
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& config, const at::TensorOptions& options)
    : m_config(config)
{
    // Plain container modules give the transformers key prefixes.
    auto textModel = register_module("text_model", std::make_shared<torch::nn::Module>());
    auto embeddings = textModel->register_module("embeddings", std::make_shared<torch::nn::Module>());
    tokenEmbedding = embeddings->register_module("token_embedding",
                                                 Embedding(config.vocabSize, config.hiddenSize, options));
    positionEmbedding = embeddings->register_module(
        "position_embedding", Embedding(config.maxPositions, config.hiddenSize, options));
    auto encoder = textModel->register_module("encoder", std::make_shared<torch::nn::Module>());
    layers = encoder->register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < config.numLayers; ++i) {
        m_layers.push_back(ClipEncoderLayer(config, options));
        layers->push_back(m_layers.back());
    }
    finalLayerNorm = textModel->register_module("final_layer_norm",
                                                LayerNorm(config.hiddenSize, config.layerNormEps, options));
    if (config.projectionDim > 0)
        textProjection = register_module("text_projection",
                                         Linear(config.hiddenSize, config.projectionDim, options, false));
}

ClipTextOutput
ClipTextModelImpl::forward(const at::Tensor& ids, int64_t lastLayer, const at::Tensor& attentionMask) const
{
    if (ids.dim() != 2 || ids.scalar_type() != at::kLong)
        throw std::invalid_argument("ClipTextModel expects int64 ids [batch, length]");
    const int64_t length = ids.size(1);
    if (length < 1 || length > m_config.maxPositions)
        throw std::invalid_argument("ClipTextModel: sequence length " + std::to_string(length) +
                                    " is outside 1.." + std::to_string(m_config.maxPositions));
    const int64_t layerCount = lastLayer < 0 ? m_config.numLayers : std::min(lastLayer, m_config.numLayers);
    const at::Tensor weight = tokenEmbedding->weight;
    const at::Tensor deviceIds = ids.to(weight.device());

    ClipTextOutput out;
    at::Tensor x =
        tokenEmbedding->forward(deviceIds) + positionEmbedding->weight.narrow(0, 0, length).unsqueeze(0);
    at::Tensor mask = causalMask(length, x.options());
    if (attentionMask.defined()) {
        // [B, 1, 1, L]: -inf where the key is padding, added to the causal [L, L] mask.
        const at::Tensor keys = attentionMask.to(x.device()).view({ids.size(0), 1, 1, length});
        const at::Tensor padding = at::zeros(keys.sizes(), x.options())
                                       .masked_fill(keys == 0, -std::numeric_limits<float>::infinity());
        mask = mask.view({1, 1, length, length}) + padding;
    }
    out.hiddenStates.reserve(static_cast<std::size_t>(layerCount + 1));
    out.hiddenStates.push_back(x);
    for (int64_t i = 0; i < layerCount; ++i) {
        x = m_layers[static_cast<std::size_t>(i)]->forward(x, mask);
        out.hiddenStates.push_back(x);
    }
    out.lastHiddenState = finalLayerNorm->forward(x);
    // transformers' legacy eos_token_id == 2 path: argmax over the ids, i.e. the first EOS since
    // EOS is the largest id of CLIP vocabularies.
    out.eosPosition = deviceIds.argmax(-1);
    out.pooled = out.lastHiddenState.index({at::arange(ids.size(0), deviceIds.options()), out.eosPosition});
    if (textProjection) out.textEmbeds = textProjection->forward(out.pooled);
    return out;
}

} // namespace hdr::diffusion
