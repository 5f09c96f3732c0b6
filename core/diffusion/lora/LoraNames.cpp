#include "diffusion/lora/LoraNames.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace hdr::diffusion {

const char* nameOf(LoraComponent component)
{
    switch (component) {
    case LoraComponent::Unet: return "UNet";
    case LoraComponent::TextEncoder: return "text encoder";
    case LoraComponent::TextEncoder2: return "text encoder 2";
    }
    return "?";
}

std::string flattenModulePath(std::string_view dottedPath)
{
    std::string flat(dottedPath);
    std::replace(flat.begin(), flat.end(), '.', '_');
    return flat;
}

namespace {

std::vector<std::string_view> splitDots(std::string_view path)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        parts.push_back(
            path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

std::optional<int> parseIndex(std::string_view text)
{
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::string joinFrom(const std::vector<std::string_view>& parts, std::size_t first)
{
    std::string joined;
    for (std::size_t i = first; i < parts.size(); ++i) {
        if (!joined.empty()) joined += '.';
        joined += parts[i];
    }
    return joined;
}

// diffusers ResnetBlock2D child -> LDM ResBlock child (§5.3 table).
std::optional<std::string> ldmResnetChild(std::string_view child)
{
    static const std::map<std::string_view, std::string_view> names = {
        {"norm1", "in_layers.0"},
        {"conv1", "in_layers.2"},
        {"time_emb_proj", "emb_layers.1"},
        {"norm2", "out_layers.0"},
        {"conv2", "out_layers.3"},
        {"conv_shortcut", "skip_connection"},
    };
    const auto it = names.find(child);
    if (it == names.end()) return std::nullopt;
    return std::string(it->second);
}

std::string withRest(std::string head, const std::string& rest)
{
    return rest.empty() ? head : head + "." + rest;
}

} // namespace

UnetLdmNaming::UnetLdmNaming(const std::vector<std::string>& unetParameterNames)
{
    std::set<int> downResnets;
    std::set<int> upAttentionLevels;
    int upLevels = 0;
    for (const std::string& name : unetParameterNames) {
        const auto parts = splitDots(name);
        if (parts.size() >= 4 && parts[0] == "down_blocks" && parts[1] == "0" && parts[2] == "resnets") {
            if (auto j = parseIndex(parts[3])) downResnets.insert(*j);
        }
        if (parts.size() >= 3 && parts[0] == "up_blocks") {
            if (auto i = parseIndex(parts[1])) {
                upLevels = std::max(upLevels, *i + 1);
                if (parts[2] == "attentions") upAttentionLevels.insert(*i);
            }
        }
    }
    m_layersPerBlock = static_cast<int>(downResnets.size());
    m_upHasAttention.assign(static_cast<std::size_t>(upLevels), false);
    for (int level : upAttentionLevels)
        m_upHasAttention[static_cast<std::size_t>(level)] = true;
}

std::optional<std::string> UnetLdmNaming::ldmPathOf(std::string_view diffusersModulePath) const
{
    const auto parts = splitDots(diffusersModulePath);
    const int perLevel = m_layersPerBlock + 1; // L resnets (+attention) and a downsampler / L+1 up
    auto at = [&](std::size_t i) { return i < parts.size() ? parts[i] : std::string_view(); };

    if (parts.size() == 1) {
        if (parts[0] == "conv_in") return std::string("input_blocks.0.0");
        if (parts[0] == "conv_norm_out") return std::string("out.0");
        if (parts[0] == "conv_out") return std::string("out.2");
        return std::nullopt;
    }
    if (parts.size() == 2 && (at(0) == "time_embedding" || at(0) == "add_embedding")) {
        const bool time = at(0) == "time_embedding";
        if (at(1) == "linear_1") return std::string(time ? "time_embed.0" : "label_emb.0.0");
        if (at(1) == "linear_2") return std::string(time ? "time_embed.2" : "label_emb.0.2");
        return std::nullopt;
    }
    // Resnet children are renamed; attention (transformer) children keep their names.
    auto blockChild = [&](std::string_view kind, std::size_t childStart) -> std::optional<std::string> {
        const std::string rest = joinFrom(parts, childStart);
        if (kind == "attentions") return rest;
        if (rest.empty()) return std::string();
        return ldmResnetChild(rest);
    };

    if (at(0) == "down_blocks" && parts.size() >= 4) {
        const auto level = parseIndex(at(1));
        const auto index = parseIndex(at(3));
        if (!level || !index || m_layersPerBlock == 0) return std::nullopt;
        if (at(2) == "downsamplers" && *index == 0 && parts.size() == 5 && at(4) == "conv")
            return "input_blocks." + std::to_string((*level + 1) * perLevel) + ".0.op";
        if (at(2) != "resnets" && at(2) != "attentions") return std::nullopt;
        const auto child = blockChild(at(2), 4);
        if (!child) return std::nullopt;
        const int block = 1 + *level * perLevel + *index;
        return withRest("input_blocks." + std::to_string(block) + (at(2) == "resnets" ? ".0" : ".1"), *child);
    }
    if (at(0) == "mid_block" && parts.size() >= 3) {
        const auto index = parseIndex(at(2));
        if (!index || (at(1) != "resnets" && at(1) != "attentions")) return std::nullopt;
        const auto child = blockChild(at(1), 3);
        if (!child) return std::nullopt;
        const int block = at(1) == "resnets" ? 2 * *index : 1;
        return withRest("middle_block." + std::to_string(block), *child);
    }
    if (at(0) == "up_blocks" && parts.size() >= 4) {
        const auto level = parseIndex(at(1));
        const auto index = parseIndex(at(3));
        if (!level || !index || m_layersPerBlock == 0) return std::nullopt;
        if (at(2) == "upsamplers" && *index == 0 && parts.size() == 5 && at(4) == "conv") {
            const bool attention = static_cast<std::size_t>(*level) < m_upHasAttention.size() &&
                                   m_upHasAttention[static_cast<std::size_t>(*level)];
            return "output_blocks." + std::to_string(*level * perLevel + m_layersPerBlock) +
                   (attention ? ".2.conv" : ".1.conv");
        }
        if (at(2) != "resnets" && at(2) != "attentions") return std::nullopt;
        const auto child = blockChild(at(2), 4);
        if (!child) return std::nullopt;
        const int block = *level * perLevel + *index;
        return withRest("output_blocks." + std::to_string(block) + (at(2) == "resnets" ? ".0" : ".1"),
                        *child);
    }
    return std::nullopt;
}

LoraTargetIndex::LoraTargetIndex(LoraComponent component, const std::map<std::string, int>& parameterRanks)
    : m_component(component)
{
    constexpr std::string_view suffix = ".weight";
    std::vector<std::string> names;
    names.reserve(parameterRanks.size());
    for (const auto& [name, rank] : parameterRanks)
        names.push_back(name);
    std::optional<UnetLdmNaming> ldm;
    if (component == LoraComponent::Unet) ldm.emplace(names);

    for (const auto& [name, rank] : parameterRanks) {
        if (rank != 2 && rank != 4) continue;
        if (name.size() <= suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string modulePath = name.substr(0, name.size() - suffix.size());
        m_byModule.emplace(modulePath, Weight{name, rank});
        addFlattened(flattenModulePath(modulePath), modulePath);
        if (ldm) {
            if (auto ldmPath = ldm->ldmPathOf(modulePath))
                addFlattened(flattenModulePath(*ldmPath), modulePath);
        }
    }
}

void LoraTargetIndex::addFlattened(const std::string& flattened, const std::string& modulePath)
{
    const auto [it, inserted] = m_byFlattened.emplace(flattened, modulePath);
    if (!inserted && it->second != modulePath) m_ambiguous.push_back(flattened);
}

const LoraTargetIndex::Weight* LoraTargetIndex::findModule(std::string_view dottedPath) const
{
    const auto it = m_byModule.find(dottedPath);
    return it == m_byModule.end() ? nullptr : &it->second;
}

const LoraTargetIndex::Weight* LoraTargetIndex::findFlattened(std::string_view flattened) const
{
    const auto it = m_byFlattened.find(flattened);
    if (it == m_byFlattened.end()) return nullptr;
    for (const std::string& name : m_ambiguous) {
        if (name == flattened) return nullptr; // never pick one of two modules at random
    }
    return findModule(it->second);
}

} // namespace hdr::diffusion
