#pragma once
// Architecture of a CLIP text tower as transformers' CLIPTextConfig describes it (text_encoder
// config.json of a diffusers folder). projectionDim > 0 means CLIPTextModelWithProjection (SDXL's
// text_encoder_2: a bias-free text_projection after the pooled state).
#include <nlohmann/json_fwd.hpp>

#include <cstdint>

namespace hdr::diffusion {

enum class ClipActivation {
    QuickGelu, // x * sigmoid(1.702 x): OpenAI CLIP ViT-L/14 (SD1.x, SDXL text_encoder)
    Gelu,      // exact erf GELU: OpenCLIP ViT-bigG-14 (SDXL text_encoder_2)
};

struct ClipTextConfig {
    int64_t vocabSize = 49408;
    int64_t hiddenSize = 768;
    int64_t intermediateSize = 3072;
    int64_t numLayers = 12;
    int64_t numHeads = 12;
    int64_t maxPositions = 77;
    ClipActivation hiddenAct = ClipActivation::QuickGelu;
    double layerNormEps = 1e-5;
    int64_t projectionDim = 0; // 0 = CLIPTextModel, > 0 = CLIPTextModelWithProjection

    // From a transformers config.json; projection only when "architectures" names
    // CLIPTextModelWithProjection (plain CLIPTextModel configs carry an unused projection_dim).
    // Throws core::HdrError (CorruptData) on missing/invalid sizes or an unknown hidden_act.
    static ClipTextConfig fromJson(const nlohmann::json& json);
    // CLIP ViT-L/14 text model (SD1.x text_encoder, SDXL text_encoder): 123,060,480 parameters.
    static ClipTextConfig clipL();
    // OpenCLIP ViT-bigG-14 text tower with projection (SDXL text_encoder_2): 694,659,840.
    static ClipTextConfig openClipBigG();

    int64_t headDim() const { return hiddenSize / numHeads; }
};

const char* nameOf(ClipActivation activation); // "quick_gelu" / "gelu"

} // namespace hdr::diffusion
