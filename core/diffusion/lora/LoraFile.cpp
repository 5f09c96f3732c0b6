#include "diffusion/lora/LoraFile.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <sstream>

namespace hdr::diffusion {

namespace {

using core::ErrorCode;

enum class Role { Down, Up, Alpha, Unsupported };

struct SuffixRule {
    std::string_view suffix;
    Role role;
    const char* kind; // for Unsupported: the adapter type named in the report
    bool legacyProcessor = false;
};

// Most specific first: "_lora.down.weight" (old processors) must not be read as ".lora.down".
constexpr std::array kSuffixes = {
    SuffixRule{".lora_down.weight", Role::Down, "LoRA"},
    SuffixRule{".lora_up.weight", Role::Up, "LoRA"},
    SuffixRule{".lora_A.weight", Role::Down, "LoRA"},
    SuffixRule{".lora_B.weight", Role::Up, "LoRA"},
    SuffixRule{".lora_A.default.weight", Role::Down, "LoRA"},
    SuffixRule{".lora_B.default.weight", Role::Up, "LoRA"},
    SuffixRule{".lora_linear_layer.down.weight", Role::Down, "LoRA"},
    SuffixRule{".lora_linear_layer.up.weight", Role::Up, "LoRA"},
    SuffixRule{"_lora.down.weight", Role::Down, "LoRA", true},
    SuffixRule{"_lora.up.weight", Role::Up, "LoRA", true},
    SuffixRule{".lora.down.weight", Role::Down, "LoRA"},
    SuffixRule{".lora.up.weight", Role::Up, "LoRA"},
    SuffixRule{".alpha", Role::Alpha, "LoRA"},
    SuffixRule{".lora_mid.weight", Role::Unsupported, "LoCon Tucker (lora_mid)"},
    SuffixRule{".hada_w1_a", Role::Unsupported, "LoHa"},
    SuffixRule{".hada_w1_b", Role::Unsupported, "LoHa"},
    SuffixRule{".hada_w2_a", Role::Unsupported, "LoHa"},
    SuffixRule{".hada_w2_b", Role::Unsupported, "LoHa"},
    SuffixRule{".hada_t1", Role::Unsupported, "LoHa"},
    SuffixRule{".hada_t2", Role::Unsupported, "LoHa"},
    SuffixRule{".lokr_w1", Role::Unsupported, "LoKr"},
    SuffixRule{".lokr_w1_a", Role::Unsupported, "LoKr"},
    SuffixRule{".lokr_w1_b", Role::Unsupported, "LoKr"},
    SuffixRule{".lokr_w2", Role::Unsupported, "LoKr"},
    SuffixRule{".lokr_w2_a", Role::Unsupported, "LoKr"},
    SuffixRule{".lokr_w2_b", Role::Unsupported, "LoKr"},
    SuffixRule{".lokr_t2", Role::Unsupported, "LoKr"},
    SuffixRule{".dora_scale", Role::Unsupported, "DoRA"},
    SuffixRule{".lora_magnitude_vector", Role::Unsupported, "DoRA"},
    SuffixRule{".lora_magnitude_vector.weight", Role::Unsupported, "DoRA"},
    SuffixRule{".diff", Role::Unsupported, "full weight difference"},
    SuffixRule{".diff_b", Role::Unsupported, "full bias difference"},
    SuffixRule{".oft_blocks", Role::Unsupported, "OFT"},
    SuffixRule{".oft_diag", Role::Unsupported, "OFT"},
};

bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.size() > prefix.size() && text.substr(0, prefix.size()) == prefix;
}

struct ParsedName {
    LoraComponent component = LoraComponent::Unet;
    LoraNaming naming = LoraNaming::KohyaFlattened;
    std::string path; // flattened name or dotted module path (still with ".processor")
};

std::optional<ParsedName> parseBase(std::string_view base)
{
    if (startsWith(base, "base_model.model."))
        base.remove_prefix(std::string_view("base_model.model.").size());
    struct Prefix {
        std::string_view text;
        LoraComponent component;
        LoraNaming naming;
    };
    static constexpr std::array kPrefixes = {
        Prefix{"lora_unet_", LoraComponent::Unet, LoraNaming::KohyaFlattened},
        Prefix{"lora_te_", LoraComponent::TextEncoder, LoraNaming::KohyaFlattened},
        Prefix{"lora_te1_", LoraComponent::TextEncoder, LoraNaming::KohyaFlattened},
        Prefix{"lora_te2_", LoraComponent::TextEncoder2, LoraNaming::KohyaFlattened},
        Prefix{"unet.", LoraComponent::Unet, LoraNaming::Dotted},
        Prefix{"text_encoder.", LoraComponent::TextEncoder, LoraNaming::Dotted},
        Prefix{"text_encoder_2.", LoraComponent::TextEncoder2, LoraNaming::Dotted},
    };
    for (const Prefix& prefix : kPrefixes) {
        if (startsWith(base, prefix.text))
            return ParsedName{prefix.component, prefix.naming, std::string(base.substr(prefix.text.size()))};
    }
    // unet.save_attn_procs() files of early diffusers have bare UNet paths.
    for (std::string_view root : {"down_blocks.", "mid_block.", "up_blocks."}) {
        if (startsWith(base, root))
            return ParsedName{LoraComponent::Unet, LoraNaming::Dotted, std::string(base)};
    }
    return std::nullopt;
}

// Dotted paths to try for one layer: ".processor" dropped; the old processor names
// to_{q,k,v,out} map to the UNet Attention children (to_out -> to_out.0) or, in a CLIP
// self_attn, to {q,k,v,out}_proj.
std::vector<std::string> dottedCandidates(std::string path, bool legacyProcessor)
{
    for (std::size_t at; (at = path.find(".processor.")) != std::string::npos;)
        path.erase(at, std::string_view(".processor").size());
    if (!legacyProcessor) return {path};
    const std::size_t dot = path.rfind('.');
    const std::string parent = dot == std::string::npos ? std::string() : path.substr(0, dot + 1);
    const std::string child = dot == std::string::npos ? path : path.substr(dot + 1);
    static const std::map<std::string, std::pair<std::string, std::string>> names = {
        {"to_q", {"to_q", "q_proj"}},
        {"to_k", {"to_k", "k_proj"}},
        {"to_v", {"to_v", "v_proj"}},
        {"to_out", {"to_out.0", "out_proj"}},
    };
    const auto it = names.find(child);
    if (it == names.end()) return {path};
    return {parent + it->second.first, parent + it->second.second};
}

struct PartialLayer {
    ParsedName name;
    bool legacyProcessor = false;
    at::Tensor down, up;
    std::optional<double> alpha;
    std::vector<std::string> keys;
    const char* unsupportedKind = nullptr;
};

// PEFT / diffusers keep alpha in the header: {"unet.lora_alpha": 8, "unet.alpha_pattern": {...}}
// (per-component prefix) or unprefixed for single-model saves.
struct PeftAlphas {
    std::map<LoraComponent, double> alpha;
    std::map<LoraComponent, std::map<std::string, double>> pattern;
};

const char* peftPrefix(LoraComponent component)
{
    switch (component) {
    case LoraComponent::Unet: return "unet";
    case LoraComponent::TextEncoder: return "text_encoder";
    case LoraComponent::TextEncoder2: return "text_encoder_2";
    }
    return "";
}

PeftAlphas readPeftMetadata(const std::map<std::string, std::string>& metadata, LoraReport& report)
{
    PeftAlphas alphas;
    const auto it = metadata.find("lora_adapter_metadata");
    if (it == metadata.end()) return alphas;
    try {
        const nlohmann::json json = nlohmann::json::parse(it->second);
        if (!json.is_object()) throw std::runtime_error("not a JSON object");
        for (LoraComponent component :
             {LoraComponent::Unet, LoraComponent::TextEncoder, LoraComponent::TextEncoder2}) {
            const std::string prefix = std::string(peftPrefix(component)) + ".";
            auto find = [&](const std::string& key) -> const nlohmann::json* {
                if (auto found = json.find(prefix + key); found != json.end()) return &*found;
                if (auto found = json.find(key); found != json.end()) return &*found;
                return nullptr;
            };
            if (const auto* alpha = find("lora_alpha"); alpha && alpha->is_number())
                alphas.alpha[component] = alpha->get<double>();
            if (const auto* pattern = find("alpha_pattern"); pattern && pattern->is_object()) {
                for (const auto& [key, value] : pattern->items()) {
                    if (value.is_number()) alphas.pattern[component][key] = value.get<double>();
                }
            }
        }
    } catch (const std::exception& e) {
        report.metadataProblems.push_back(std::string("lora_adapter_metadata: ") + e.what() +
                                          " (alpha taken as rank, scale 1)");
    }
    return alphas;
}

std::optional<double> peftAlphaFor(const PeftAlphas& alphas, LoraComponent component, const std::string& path)
{
    if (auto patterns = alphas.pattern.find(component); patterns != alphas.pattern.end()) {
        for (const auto& [key, value] : patterns->second) {
            if (path == key || endsWith(path, "." + key)) return value;
        }
    }
    if (auto alpha = alphas.alpha.find(component); alpha != alphas.alpha.end()) return alpha->second;
    return std::nullopt;
}

std::string shapeText(const at::Tensor& tensor)
{
    std::ostringstream text;
    text << '[';
    for (int64_t d = 0; d < tensor.dim(); ++d)
        text << (d ? "," : "") << tensor.size(d);
    text << ']';
    return text.str();
}

void checkLayer(const PartialLayer& layer, const std::string& base, const std::string& where)
{
    const at::Tensor& down = layer.down;
    const at::Tensor& up = layer.up;
    for (const at::Tensor* tensor : {&down, &up}) {
        if (!at::isFloatingType(tensor->scalar_type()))
            core::throwError(
                ErrorCode::CorruptData, "LoRA layer " + base + " holds a non-float tensor", where);
        if (tensor->dim() != 2 && tensor->dim() != 4)
            core::throwError(ErrorCode::CorruptData,
                             "LoRA layer " + base + " has a " + std::to_string(tensor->dim()) +
                                 "-D tensor; down/up must be 2-D (linear) or 4-D (conv)",
                             where);
    }
    if (up.size(1) != down.size(0) || down.size(0) == 0)
        core::throwError(ErrorCode::CorruptData,
                         "LoRA layer " + base + ": up " + shapeText(up) + " and down " + shapeText(down) +
                             " disagree on the rank",
                         where);
    if (up.dim() == 4 && (up.size(2) != 1 || up.size(3) != 1))
        core::throwError(ErrorCode::CorruptData,
                         "LoRA layer " + base + ": up " + shapeText(up) +
                             " is not a 1x1 convolution (only k x k down with 1x1 up is supported)",
                         where);
}

} // namespace

double LoraLayer::scale() const
{
    const auto r = rank();
    if (!alpha || *alpha == 0.0 || r == 0) return 1.0;
    return *alpha / static_cast<double>(r);
}

std::size_t LoraReport::appliedTotal() const
{
    std::size_t total = 0;
    for (const auto& [component, count] : applied)
        total += count;
    return total;
}

bool LoraReport::clean() const
{
    return unknownKeys.empty() && unsupportedKeys.empty() && incompleteLayers.empty() &&
           unmatchedLayers.empty() && skippedComponents.empty() && metadataProblems.empty();
}

std::string LoraReport::summary(std::size_t maxNames) const
{
    std::ostringstream text;
    text << file << ": " << layersInFile << " LoRA layers, applied " << appliedTotal();
    for (const auto& [component, count] : applied)
        text << " (" << nameOf(component) << ' ' << count << ')';
    text << '\n';
    auto list = [&](const char* title, const std::vector<std::string>& names) {
        if (names.empty()) return;
        text << "  " << names.size() << ' ' << title << ':';
        for (std::size_t i = 0; i < names.size() && i < maxNames; ++i)
            text << ' ' << names[i];
        if (names.size() > maxNames) text << " ...";
        text << '\n';
    };
    list("unknown tensor names", unknownKeys);
    list("unsupported tensors", unsupportedKeys);
    list("incomplete layers", incompleteLayers);
    list("layers with no matching weight in the model", unmatchedLayers);
    list("skipped components (not loaded)", skippedComponents);
    list("metadata problems", metadataProblems);
    return text.str();
}

core::Result<LoraFile> parseLoraTensors(const TensorMap& tensors,
                                        const std::map<std::string, std::string>& metadata,
                                        const std::string& where)
{
    return core::guarded(ErrorCode::CorruptData, where, [&]() {
        LoraFile file;
        file.path = where;
        file.parseReport.file = where;
        const PeftAlphas peftAlphas = readPeftMetadata(metadata, file.parseReport);

        std::map<std::string, PartialLayer> partial; // by base name as written in the file
        for (const auto& [key, tensor] : tensors) {
            const SuffixRule* rule = nullptr;
            for (const SuffixRule& candidate : kSuffixes) {
                if (endsWith(key, candidate.suffix)) {
                    rule = &candidate;
                    break;
                }
            }
            const std::string base = rule ? key.substr(0, key.size() - rule->suffix.size()) : std::string();
            const auto name = rule ? parseBase(base) : std::nullopt;
            if (!name) {
                file.parseReport.unknownKeys.push_back(key);
                continue;
            }
            PartialLayer& layer = partial[base];
            layer.name = *name;
            layer.keys.push_back(key);
            layer.legacyProcessor = layer.legacyProcessor || rule->legacyProcessor;
            switch (rule->role) {
            case Role::Down: layer.down = tensor; break;
            case Role::Up: layer.up = tensor; break;
            case Role::Alpha:
                if (tensor.numel() != 1 || !at::isFloatingType(tensor.scalar_type()))
                    core::throwError(
                        ErrorCode::CorruptData, "LoRA alpha " + key + " is not one float value", where);
                layer.alpha = tensor.to(at::kDouble).item<double>();
                if (!std::isfinite(*layer.alpha))
                    core::throwError(ErrorCode::CorruptData, "LoRA alpha " + key + " is not finite", where);
                break;
            case Role::Unsupported: layer.unsupportedKind = rule->kind; break;
            }
        }

        for (auto& [base, layer] : partial) {
            if (layer.unsupportedKind) {
                for (const std::string& key : layer.keys)
                    file.parseReport.unsupportedKeys.push_back(key + " (" + layer.unsupportedKind + ")");
                continue;
            }
            if (!layer.down.defined() || !layer.up.defined()) {
                // An alpha on its own is harmless only when nothing else of the layer exists.
                file.parseReport.incompleteLayers.push_back(base + (layer.down.defined() ? " (no up)"
                                                                    : layer.up.defined() ? " (no down)"
                                                                                         : " (alpha only)"));
                continue;
            }
            checkLayer(layer, base, where);
            LoraLayer out;
            out.component = layer.name.component;
            out.naming = layer.name.naming;
            out.sourceName = base;
            out.modulePaths = layer.name.naming == LoraNaming::Dotted
                                  ? dottedCandidates(layer.name.path, layer.legacyProcessor)
                                  : std::vector<std::string>{layer.name.path};
            out.down = layer.down;
            out.up = layer.up;
            out.alpha = layer.alpha;
            if (!out.alpha && out.naming == LoraNaming::Dotted)
                out.alpha = peftAlphaFor(peftAlphas, out.component, out.modulePaths.front());
            file.layers.push_back(std::move(out));
        }
        file.parseReport.layersInFile = file.layers.size();
        if (file.layers.empty()) {
            std::string example;
            for (const auto& [key, tensor] : tensors) {
                example += (example.empty() ? "" : ", ") + key;
                if (example.size() > 160) break;
            }
            core::throwError(ErrorCode::UnsupportedFormat,
                             "no LoRA layers found (expected lora_unet_*/lora_te*_* kohya names or "
                             "unet./text_encoder. lora_A/lora_B names); the file holds " +
                                 std::to_string(tensors.size()) + " tensors such as " + example,
                             where);
        }
        return file;
    });
}

core::Result<LoraFile> loadLoraFile(const std::filesystem::path& path)
{
    std::map<std::string, std::string> metadata;
    auto tensors = loadSafetensors(path, &metadata);
    if (!tensors) return tl::unexpected(tensors.error());
    auto file = parseLoraTensors(*tensors, metadata, path.string());
    if (file) file->path = path;
    return file;
}

} // namespace hdr::diffusion
