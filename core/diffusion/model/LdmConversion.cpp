#include "diffusion/model/LdmConversion.h"

#include <charconv>
#include <optional>
#include <set>

namespace hdr::diffusion {

namespace {

constexpr std::string_view kUnetPrefix = "model.diffusion_model.";
constexpr std::string_view kVaePrefix = "first_stage_model.";
constexpr std::string_view kClipSd1Prefix = "cond_stage_model.transformer.";
constexpr std::string_view kClipSdxlPrefix = "conditioner.embedders.0.transformer.";
constexpr std::string_view kBigGPrefix = "conditioner.embedders.1.model.";
// The SDXL refiner has a single embedder, the bigG tower, at index 0 (OpenCLIP naming).
constexpr std::string_view kRefinerBigGPrefix = "conditioner.embedders.0.model.";

bool consume(std::string_view& s, std::string_view prefix)
{
    if (!s.starts_with(prefix)) {
        return false;
    }
    s.remove_prefix(prefix.size());
    return true;
}

// Reads "<int>." from the front of s.
std::optional<int> consumeIndex(std::string_view& s)
{
    int value = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr == s.data() || ptr == s.data() + s.size() || *ptr != '.' || value < 0) {
        return std::nullopt;
    }
    s.remove_prefix(std::size_t(ptr - s.data()) + 1);
    return value;
}

// One rename at the front of `rest`; nullopt when none of the pairs applies.
template <std::size_t N>
std::optional<std::string> renameFront(std::string_view rest,
                                       const std::pair<std::string_view, std::string_view> (&pairs)[N])
{
    for (const auto& [from, to] : pairs) {
        if (rest.starts_with(from)) {
            return std::string(to) + std::string(rest.substr(from.size()));
        }
    }
    return std::nullopt;
}

std::optional<std::string> unetResnet(std::string_view rest)
{
    static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
        {"in_layers.0.", "norm1."},
        {"in_layers.2.", "conv1."},
        {"emb_layers.1.", "time_emb_proj."},
        {"out_layers.0.", "norm2."},
        {"out_layers.3.", "conv2."},
        {"skip_connection.", "conv_shortcut."},
    };
    return renameFront(rest, kPairs);
}

std::optional<std::string> mapUnet(std::string_view key, const LdmLayout& layout)
{
    static constexpr std::pair<std::string_view, std::string_view> kTopLevel[] = {
        {"time_embed.0.", "time_embedding.linear_1."},
        {"time_embed.2.", "time_embedding.linear_2."},
        {"label_emb.0.0.", "add_embedding.linear_1."},
        {"label_emb.0.2.", "add_embedding.linear_2."},
        {"input_blocks.0.0.", "conv_in."},
        {"out.0.", "conv_norm_out."},
        {"out.2.", "conv_out."},
    };
    if (auto top = renameFront(key, kTopLevel)) {
        return top;
    }
    const int perLevel = layout.unetLayersPerBlock + 1;
    std::string_view rest = key;
    if (consume(rest, "input_blocks.")) {
        const auto n = consumeIndex(rest);
        const auto sub = n ? consumeIndex(rest) : std::nullopt;
        if (!n || !sub || *n < 1) {
            return std::nullopt;
        }
        const int level = (*n - 1) / perLevel;
        const int entry = (*n - 1) % perLevel;
        if (level >= layout.unetLevels) {
            return std::nullopt;
        }
        const std::string block = "down_blocks." + std::to_string(level) + ".";
        if (entry == layout.unetLayersPerBlock) {
            if (*sub == 0 && level + 1 < layout.unetLevels && consume(rest, "op.")) {
                return block + "downsamplers.0.conv." + std::string(rest);
            }
            return std::nullopt;
        }
        if (*sub == 0) {
            auto resnet = unetResnet(rest);
            return resnet ? std::optional(block + "resnets." + std::to_string(entry) + "." + *resnet)
                          : std::nullopt;
        }
        if (*sub == 1) {
            return block + "attentions." + std::to_string(entry) + "." + std::string(rest);
        }
        return std::nullopt;
    }
    if (consume(rest, "middle_block.")) {
        const auto sub = consumeIndex(rest);
        if (!sub) {
            return std::nullopt;
        }
        if (*sub == 1) {
            return "mid_block.attentions.0." + std::string(rest);
        }
        if (*sub == 0 || *sub == 2) {
            auto resnet = unetResnet(rest);
            return resnet ? std::optional("mid_block.resnets." + std::to_string(*sub / 2) + "." + *resnet)
                          : std::nullopt;
        }
        return std::nullopt;
    }
    if (consume(rest, "output_blocks.")) {
        const auto n = consumeIndex(rest);
        const auto sub = n ? consumeIndex(rest) : std::nullopt;
        if (!n || !sub) {
            return std::nullopt;
        }
        const int level = *n / perLevel;
        const int entry = *n % perLevel;
        if (level >= layout.unetLevels) {
            return std::nullopt;
        }
        const std::string block = "up_blocks." + std::to_string(level) + ".";
        if (*sub == 0) {
            auto resnet = unetResnet(rest);
            return resnet ? std::optional(block + "resnets." + std::to_string(entry) + "." + *resnet)
                          : std::nullopt;
        }
        // The upsampler follows the resnet (and the attention, when the level has one): it is the
        // only child with a bare `conv`, so its sub-index does not need the block types.
        if (rest.starts_with("conv.")) {
            if (entry == layout.unetLayersPerBlock && level + 1 < layout.unetLevels && *sub <= 2) {
                return block + "upsamplers.0." + std::string(rest);
            }
            return std::nullopt;
        }
        if (*sub == 1) {
            return block + "attentions." + std::to_string(entry) + "." + std::string(rest);
        }
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<std::string> vaeResnet(std::string_view rest)
{
    static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
        {"norm1.", "norm1."},
        {"conv1.", "conv1."},
        {"norm2.", "norm2."},
        {"conv2.", "conv2."},
        {"nin_shortcut.", "conv_shortcut."},
    };
    return renameFront(rest, kPairs);
}

std::optional<LdmTarget> mapVaeMid(std::string_view rest, const std::string& coder)
{
    static constexpr std::pair<std::string_view, std::string_view> kAttention[] = {
        {"q.", "to_q."},
        {"k.", "to_k."},
        {"v.", "to_v."},
        {"proj_out.", "to_out.0."},
        {"norm.", "group_norm."},
    };
    LdmTarget target{Component::Vae, {}, TensorTransform::Identity, 0};
    if (consume(rest, "attn_1.")) {
        const auto renamed = renameFront(rest, kAttention);
        if (!renamed) {
            return std::nullopt;
        }
        target.name = coder + "mid_block.attentions.0." + *renamed;
        if (!rest.starts_with("norm.") && rest.ends_with(".weight")) {
            target.transform = TensorTransform::ConvToLinear;
        }
        return target;
    }
    for (int i = 0; i < 2; ++i) {
        std::string_view r = rest;
        if (consume(r, i == 0 ? "block_1." : "block_2.")) {
            if (auto resnet = vaeResnet(r)) {
                target.name = coder + "mid_block.resnets." + std::to_string(i) + "." + *resnet;
                return target;
            }
        }
    }
    return std::nullopt;
}

std::optional<LdmTarget> mapVae(std::string_view key, const LdmLayout& layout)
{
    LdmTarget target{Component::Vae, {}, TensorTransform::Identity, 0};
    if (key.starts_with("quant_conv.") || key.starts_with("post_quant_conv.")) {
        target.name = std::string(key);
        return target;
    }
    std::string_view rest = key;
    const bool encoder = consume(rest, "encoder.");
    if (!encoder && !consume(rest, "decoder.")) {
        return std::nullopt;
    }
    const std::string coder = encoder ? "encoder." : "decoder.";
    if (rest.starts_with("conv_in.") || rest.starts_with("conv_out.")) {
        target.name = coder + std::string(rest);
        return target;
    }
    if (consume(rest, "norm_out.")) {
        target.name = coder + "conv_norm_out." + std::string(rest);
        return target;
    }
    if (consume(rest, "mid.")) {
        return mapVaeMid(rest, coder);
    }
    if (!consume(rest, encoder ? "down." : "up.")) {
        return std::nullopt;
    }
    const auto ldmLevel = consumeIndex(rest);
    if (!ldmLevel || *ldmLevel >= layout.vaeLevels) {
        return std::nullopt;
    }
    const int level = encoder ? *ldmLevel : layout.vaeLevels - 1 - *ldmLevel;
    const std::string block = coder + (encoder ? "down_blocks." : "up_blocks.") + std::to_string(level) + ".";
    if (consume(rest, "block.")) {
        const auto j = consumeIndex(rest);
        const auto resnet = j ? vaeResnet(rest) : std::nullopt;
        if (!resnet) {
            return std::nullopt;
        }
        target.name = block + "resnets." + std::to_string(*j) + "." + *resnet;
        return target;
    }
    if (consume(rest, encoder ? "downsample.conv." : "upsample.conv.")) {
        target.name = block + (encoder ? "downsamplers.0.conv." : "upsamplers.0.conv.") + std::string(rest);
        return target;
    }
    return std::nullopt;
}

// OpenCLIP text tower -> CLIPTextModelWithProjection names.
LdmKeyMapping mapBigG(std::string_view rest)
{
    LdmKeyMapping mapping;
    const auto single = [&](std::string name, TensorTransform transform = TensorTransform::Identity) {
        mapping.kind = LdmKeyKind::Converted;
        mapping.targets.push_back({Component::TextEncoder2, std::move(name), transform, 0});
        return mapping;
    };
    if (rest == "positional_embedding") {
        return single("text_model.embeddings.position_embedding.weight");
    }
    if (rest == "token_embedding.weight") {
        return single("text_model.embeddings.token_embedding.weight");
    }
    if (rest == "text_projection") {
        return single("text_projection.weight", TensorTransform::Transpose);
    }
    if (rest == "logit_scale") {
        mapping.kind = LdmKeyKind::Ignored;
        return mapping;
    }
    if (consume(rest, "ln_final.")) {
        return single("text_model.final_layer_norm." + std::string(rest));
    }
    if (!consume(rest, "transformer.resblocks.")) {
        return mapping;
    }
    const auto layer = consumeIndex(rest);
    if (!layer) {
        return mapping;
    }
    const std::string prefix = "text_model.encoder.layers." + std::to_string(*layer) + ".";
    if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
        const std::string suffix = rest.ends_with("weight") ? "weight" : "bias";
        mapping.kind = LdmKeyKind::Converted;
        const char* names[] = {"q_proj.", "k_proj.", "v_proj."};
        for (int part = 0; part < 3; ++part) {
            mapping.targets.push_back({Component::TextEncoder2,
                                       prefix + "self_attn." + names[part] + suffix,
                                       TensorTransform::SplitQkv,
                                       part});
        }
        return mapping;
    }
    static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
        {"ln_1.", "layer_norm1."},
        {"ln_2.", "layer_norm2."},
        {"mlp.c_fc.", "mlp.fc1."},
        {"mlp.c_proj.", "mlp.fc2."},
        {"attn.out_proj.", "self_attn.out_proj."},
    };
    if (auto renamed = renameFront(rest, kPairs)) {
        return single(prefix + *renamed);
    }
    return mapping;
}

bool isIgnoredExtra(std::string_view key)
{
    static constexpr std::string_view kPrefixes[] = {
        "model_ema.",
        "betas",
        "alphas_cumprod",
        "sqrt_",
        "log_one_minus_alphas_cumprod",
        "posterior_",
        "logvar",
        "lvlb_weights",
        "first_stage_model.loss.",
        "cond_stage_model.transformer.text_model.embeddings.position_ids",
    };
    for (auto prefix : kPrefixes) {
        if (key.starts_with(prefix)) {
            return true;
        }
    }
    return key.ends_with("embeddings.position_ids");
}

} // namespace

LdmLayout ldmLayoutOf(ModelArch arch)
{
    return arch == ModelArch::SDXL ? LdmLayout{2, 3, 4} : LdmLayout{2, 4, 4}; // the refiner has 4 levels
}

LdmKeyMapping mapLdmKey(std::string_view key, const LdmLayout& layout)
{
    LdmKeyMapping mapping;
    if (isIgnoredExtra(key)) {
        mapping.kind = LdmKeyKind::Ignored;
        return mapping;
    }
    std::string_view rest = key;
    const auto one = [&](Component component, std::optional<std::string> name) {
        if (name) {
            mapping.kind = LdmKeyKind::Converted;
            mapping.targets.push_back({component, std::move(*name), TensorTransform::Identity, 0});
        }
        return mapping;
    };
    if (consume(rest, kUnetPrefix)) {
        return one(Component::Unet, mapUnet(rest, layout));
    }
    if (consume(rest, kVaePrefix)) {
        if (auto target = mapVae(rest, layout)) {
            mapping.kind = LdmKeyKind::Converted;
            mapping.targets.push_back(std::move(*target));
        }
        return mapping;
    }
    if (consume(rest, kClipSd1Prefix) || consume(rest, kClipSdxlPrefix)) {
        return one(Component::TextEncoder,
                   rest.starts_with("text_model.") ? std::optional(std::string(rest)) : std::nullopt);
    }
    if (consume(rest, kBigGPrefix) || consume(rest, kRefinerBigGPrefix)) {
        return mapBigG(rest);
    }
    return mapping;
}

TensorShape transformedShape(const TensorShape& shape, TensorTransform transform)
{
    switch (transform) {
    case TensorTransform::Identity: return shape;
    case TensorTransform::ConvToLinear:
        if (shape.size() == 4 && shape[2] == 1 && shape[3] == 1) {
            return {shape[0], shape[1]};
        }
        return shape.size() == 2 ? shape : TensorShape{}; // some converters already store [C,C]
    case TensorTransform::SplitQkv:
        if (!shape.empty() && shape[0] > 0 && shape[0] % 3 == 0) {
            TensorShape out = shape;
            out[0] /= 3;
            return out;
        }
        return {};
    case TensorTransform::Transpose:
        if (shape.size() == 2) {
            return {shape[1], shape[0]};
        }
        return {};
    }
    return {};
}

LdmConversionPlan planLdmConversion(const std::vector<std::string>& keys, const LdmLayout& layout)
{
    LdmConversionPlan plan;
    for (const auto& key : keys) {
        auto mapping = mapLdmKey(key, layout);
        switch (mapping.kind) {
        case LdmKeyKind::Ignored: plan.ignored.push_back(key); break;
        case LdmKeyKind::Unknown: plan.unexpected.push_back(key); break;
        case LdmKeyKind::Converted:
            for (auto& target : mapping.targets) {
                auto& component = plan.components[target.component];
                if (!component.emplace(target.name, LdmSource{key, target.transform, target.part}).second) {
                    plan.duplicates.push_back(std::string(nameOf(target.component)) + "." + target.name);
                }
            }
            break;
        }
    }
    return plan;
}

std::map<Component, KeyShapes>
convertLdmShapes(const KeyShapes& ldm, const LdmLayout& layout, LdmConversionPlan* planOut)
{
    std::vector<std::string> keys;
    keys.reserve(ldm.size());
    for (const auto& [key, shape] : ldm) {
        keys.push_back(key);
    }
    LdmConversionPlan plan = planLdmConversion(keys, layout);
    std::map<Component, KeyShapes> out;
    std::set<std::string> misfits;
    for (const auto& [component, names] : plan.components) {
        for (const auto& [name, source] : names) {
            auto shape = transformedShape(ldm.at(source.key), source.transform);
            if (shape.empty() && !ldm.at(source.key).empty()) {
                misfits.insert(source.key);
                continue;
            }
            out[component][name] = std::move(shape);
        }
    }
    plan.unexpected.insert(plan.unexpected.end(), misfits.begin(), misfits.end());
    if (planOut) {
        *planOut = std::move(plan);
    }
    return out;
}

} // namespace hdr::diffusion
