#include "diffusion/text/ClipTextConfig.h"

#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace hdr::diffusion {

namespace {

int64_t positiveInt(const nlohmann::json& json, const char* key, int64_t fallback, int64_t limit)
{
    auto it = json.find(key);
    if (it == json.end()) return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > limit)
        core::throwError(core::ErrorCode::CorruptData,
                         std::string("The text encoder config has an invalid \"") + key + "\"",
                         key);
    return it->get<int64_t>();
}

} // namespace

const char* nameOf(ClipActivation activation)
{
    return activation == ClipActivation::Gelu ? "gelu" : "quick_gelu";
}

ClipTextConfig ClipTextConfig::fromJson(const nlohmann::json& json)
{
    if (!json.is_object())
        core::throwError(core::ErrorCode::CorruptData, "The text encoder config is not a JSON object");
    ClipTextConfig c;
    // Limits only refuse absurd values before anything is allocated.
    c.vocabSize = positiveInt(json, "vocab_size", c.vocabSize, 1 << 22);
    c.hiddenSize = positiveInt(json, "hidden_size", c.hiddenSize, 1 << 16);
    c.intermediateSize = positiveInt(json, "intermediate_size", c.intermediateSize, 1 << 18);
    c.numLayers = positiveInt(json, "num_hidden_layers", c.numLayers, 1024);
    c.numHeads = positiveInt(json, "num_attention_heads", c.numHeads, 1024);
    c.maxPositions = positiveInt(json, "max_position_embeddings", c.maxPositions, 1 << 16);
    if (c.hiddenSize % c.numHeads != 0)
        core::throwError(core::ErrorCode::CorruptData,
                         "The text encoder's hidden_size " + std::to_string(c.hiddenSize) +
                             " is not a multiple of num_attention_heads " + std::to_string(c.numHeads));
    const std::string act = json.value("hidden_act", std::string("quick_gelu"));
    if (act == "quick_gelu")
        c.hiddenAct = ClipActivation::QuickGelu;
    else if (act == "gelu")
        c.hiddenAct = ClipActivation::Gelu;
    else
        core::throwError(core::ErrorCode::UnsupportedFormat,
                         "The text encoder's hidden_act \"" + act + "\" is not supported (quick_gelu, gelu)");
    if (auto it = json.find("layer_norm_eps"); it != json.end()) {
        if (!it->is_number() || it->get<double>() <= 0.0 || it->get<double>() > 1.0)
            core::throwError(core::ErrorCode::CorruptData,
                             "The text encoder config has an invalid \"layer_norm_eps\"");
        c.layerNormEps = it->get<double>();
    }
    bool withProjection = false;
    if (auto it = json.find("architectures"); it != json.end() && it->is_array())
        for (const auto& name : *it)
            if (name.is_string() && name.get<std::string>() == "CLIPTextModelWithProjection")
                withProjection = true;
    c.projectionDim = withProjection ? positiveInt(json, "projection_dim", 512, 1 << 16) : 0;
    return c;
}

ClipTextConfig ClipTextConfig::clipL()
{
    return ClipTextConfig{};
}

ClipTextConfig ClipTextConfig::openClipBigG()
{
    ClipTextConfig c;
    c.hiddenSize = 1280;
    c.intermediateSize = 5120;
    c.numLayers = 32;
    c.numHeads = 20;
    c.hiddenAct = ClipActivation::Gelu;
    c.projectionDim = 1280;
    return c;
}

} // namespace hdr::diffusion
