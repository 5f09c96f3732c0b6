#include "diffusion/model/ArchDetection.h"

#include <nlohmann/json.hpp>

namespace hdr::diffusion {
using core::ErrorCode;

namespace {

constexpr const char* kWeRun =
    "HDR Studio runs Stable Diffusion 1.x, SDXL base and GM-Diffusion gain-map checkpoints only";

tl::unexpected<core::Error> refuse(const std::string& what)
{
    return core::fail(ErrorCode::UnsupportedFormat, what + "; " + kWeRun);
}

bool anyKey(const KeyShapes& keys, std::string_view prefix)
{
    auto it = keys.lower_bound(std::string(prefix));
    return it != keys.end() && std::string_view(it->first).starts_with(prefix);
}

bool anyKeyContains(const KeyShapes& keys, std::string_view part)
{
    for (const auto& [key, shape] : keys) {
        if (key.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// Width of the cross-attention context (attn2.to_k input features), 0 when not found.
std::int64_t contextWidth(const KeyShapes& keys, std::string_view prefix)
{
    for (auto it = keys.lower_bound(std::string(prefix)); it != keys.end(); ++it) {
        if (!std::string_view(it->first).starts_with(prefix)) {
            break;
        }
        if (it->first.ends_with("attn2.to_k.weight") && it->second.size() == 2) {
            return it->second[1];
        }
    }
    return 0;
}

// 4 channels: a text-to-image UNet; 8: GM-Diffusion's gain-map UNet (SD 1.x family only; an
// InstructPix2Pix UNet has the same shapes and is told apart only by its use).
core::Status checkInputChannels(std::int64_t channels)
{
    if (channels == 4 || channels == 8) {
        return {};
    }
    if (channels == 9) {
        return refuse("This is an inpainting UNet (9 input channels: latents, mask and masked image)");
    }
    return refuse("The UNet takes " + std::to_string(channels) +
                  " input channels instead of 4 (or 8 for a "
                  "GM-Diffusion gain-map UNet)");
}

core::Result<ModelArch> sd15Or8Channel(std::int64_t channels)
{
    return channels == 8 ? ModelArch::SD15GM : ModelArch::SD15;
}

} // namespace

core::Result<ModelArch> detectLdmArch(const KeyShapes& keys)
{
    if (anyKeyContains(keys, "joint_blocks.")) {
        return refuse("This is a Stable Diffusion 3 checkpoint (MMDiT joint_blocks)");
    }
    if (anyKeyContains(keys, "double_blocks.")) {
        return refuse("This is a Flux checkpoint (double_blocks/single_blocks transformer)");
    }
    if (!anyKey(keys, "model.diffusion_model.")) {
        if (anyKeyContains(keys, "lora_unet") || anyKeyContains(keys, "lora_te") ||
            anyKeyContains(keys, ".lora_")) {
            return core::fail(ErrorCode::UnsupportedFormat,
                              "This is a LoRA, not a full checkpoint; open the base model instead");
        }
        if (anyKey(keys, "down_blocks.") || anyKey(keys, "conv_in.")) {
            return core::fail(ErrorCode::UnsupportedFormat,
                              "This is a single diffusers UNet/VAE weights file; open the whole model folder "
                              "(with model_index.json) instead");
        }
        if (anyKey(keys, "text_model.")) {
            return core::fail(ErrorCode::UnsupportedFormat,
                              "This file holds only a text encoder; open the whole model instead");
        }
        return core::fail(ErrorCode::UnsupportedFormat,
                          "The file has no Stable Diffusion UNet tensors (model.diffusion_model.*), so it is "
                          "not a Stable Diffusion checkpoint");
    }
    const auto convIn = keys.find("model.diffusion_model.input_blocks.0.0.weight");
    if (convIn == keys.end() || convIn->second.size() != 4) {
        return core::fail(
            ErrorCode::CorruptData,
            "The checkpoint has no 4-D model.diffusion_model.input_blocks.0.0.weight (UNet conv_in)");
    }
    const std::int64_t channels = convIn->second[1];
    if (auto ok = checkInputChannels(channels); !ok) {
        return tl::unexpected(ok.error());
    }
    const std::int64_t context = contextWidth(keys, "model.diffusion_model.");
    if (channels == 8) {
        if (anyKey(keys, "conditioner.embedders.") || anyKey(keys, "model.diffusion_model.label_emb.") ||
            context == 1024 || anyKey(keys, "cond_stage_model.model.")) {
            return refuse(
                "The UNet takes 8 input channels but is not SD 1.x (GM-Diffusion gain-map UNets are)");
        }
        return ModelArch::SD15GM;
    }
    if (anyKey(keys, "cond_stage_model.model.")) {
        return refuse("This is a Stable Diffusion 2.x checkpoint (OpenCLIP-H text encoder "
                      "cond_stage_model.model.*, 1024-wide context)");
    }
    if (anyKey(keys, "conditioner.embedders.0.model.") && !anyKey(keys, "conditioner.embedders.1.")) {
        // The SDXL refiner: the OpenCLIP bigG tower alone (1280-wide context), 5 time ids.
        if (!anyKey(keys, "model.diffusion_model.label_emb.")) {
            return core::fail(
                ErrorCode::CorruptData,
                "The SDXL refiner checkpoint lacks the UNet's label_emb (size/aesthetic conditioning)");
        }
        return ModelArch::SDXLRefiner;
    }
    if (anyKey(keys, "conditioner.embedders.0.transformer.") &&
        anyKey(keys, "conditioner.embedders.1.model.")) {
        if (!anyKey(keys, "model.diffusion_model.label_emb.")) {
            return core::fail(
                ErrorCode::CorruptData,
                "The SDXL checkpoint lacks the UNet's label_emb (size/crop conditioning) tensors");
        }
        return ModelArch::SDXL;
    }
    if (anyKey(keys, "cond_stage_model.transformer.")) {
        if (context == 1024) {
            return refuse("This is a Stable Diffusion 2.x checkpoint (1024-wide cross-attention context)");
        }
        return ModelArch::SD15;
    }
    if (anyKey(keys, "conditioner.embedders.")) {
        return refuse("The checkpoint's text encoders (conditioner.embedders.*) match neither SDXL base "
                      "(CLIP-L + OpenCLIP bigG) nor the refiner");
    }
    return core::fail(
        ErrorCode::UnsupportedFormat,
        "The checkpoint has no text encoder weights (cond_stage_model.* or conditioner.embedders.*); "
        "UNet-only checkpoints are not supported");
}

core::Result<ModelArch> detectDiffusersArch(const DiffusersArchInputs& inputs)
{
    using nlohmann::json;
    const auto parse = [](const std::string& text, const char* what) -> core::Result<json> {
        if (text.empty()) {
            return json::object();
        }
        json value = json::parse(text, nullptr, false);
        if (value.is_discarded() || !value.is_object()) {
            return core::fail(ErrorCode::CorruptData, std::string("The ") + what + " is not a JSON object");
        }
        return value;
    };
    auto index = parse(inputs.modelIndexJson, "model_index.json");
    auto unet = parse(inputs.unetConfigJson, "UNet config");
    auto textEncoder = parse(inputs.textEncoderConfigJson, "text encoder config");
    if (!index || !unet || !textEncoder) {
        return tl::unexpected(!index ? index.error() : !unet ? unet.error() : textEncoder.error());
    }
    const std::string pipeline = index->value("_class_name", std::string());
    if (pipeline.find("StableDiffusion3") != std::string::npos) {
        return refuse("This is a Stable Diffusion 3 model (" + pipeline + ")");
    }
    if (pipeline.find("Flux") != std::string::npos) {
        return refuse("This is a Flux model (" + pipeline + ")");
    }
    if (unet->value("_class_name", std::string("UNet2DConditionModel")) != "UNet2DConditionModel") {
        return refuse("The denoiser is a " + unet->value("_class_name", std::string()) +
                      ", not a UNet2DConditionModel");
    }
    const auto channels = unet->value("in_channels", std::int64_t(4));
    if (auto ok = checkInputChannels(channels); !ok) {
        return tl::unexpected(ok.error());
    }
    const auto& cross = (*unet)["cross_attention_dim"];
    const std::int64_t context = cross.is_number_integer() ? cross.get<std::int64_t>() : 0;
    const auto& addition = (*unet)["addition_embed_type"];
    const bool textTime = addition.is_string() && addition.get<std::string>() == "text_time";
    if (textTime && channels == 8) {
        return refuse("The UNet takes 8 input channels but is SDXL (GM-Diffusion gain-map UNets are SD 1.x)");
    }
    if (textTime) {
        const bool aesthetic = index->value("requires_aesthetics_score", false);
        if (!inputs.hasTextEncoder || context == 1280 || aesthetic) {
            return ModelArch::SDXLRefiner; // bigG alone, aesthetic-score time ids
        }
        if (!inputs.hasTextEncoder2) {
            return core::fail(ErrorCode::InvalidArgument,
                              "The SDXL model has no text_encoder_2 (OpenCLIP bigG) weights");
        }
        return ModelArch::SDXL;
    }
    if (!addition.is_null() && addition.is_string()) {
        return refuse("The UNet uses addition_embed_type \"" + addition.get<std::string>() + "\"");
    }
    if (context == 1024 || textEncoder->value("hidden_size", 0) == 1024) {
        return refuse("This is a Stable Diffusion 2.x model (OpenCLIP-H text encoder, 1024-wide context)");
    }
    if (inputs.hasTextEncoder2) {
        return core::fail(ErrorCode::UnsupportedFormat,
                          "The model has a text_encoder_2 but its UNet lacks SDXL's text_time conditioning");
    }
    return sd15Or8Channel(channels);
}

} // namespace hdr::diffusion
