#include "diffusion/model/StateDictLoader.h"

#include <c10/core/GradMode.h>

#include <set>

namespace hdr::diffusion {

namespace {

std::string listOf(const std::vector<std::string>& names)
{
    std::string out;
    const std::size_t shown = std::min<std::size_t>(names.size(), 3);
    for (std::size_t i = 0; i < shown; ++i) {
        out += (i ? ", " : "") + names[i];
    }
    if (names.size() > shown) {
        out += ", ...";
    }
    return out;
}

// Shared walk: `shapeOf(name)` gives the available shape (nullopt = absent), `copy(name, param)`
// fills a parameter whose shape matched.
template <typename ShapeOf, typename Copy>
LoadReport walk(const torch::nn::Module& module,
                const std::vector<std::string>& availableNames,
                const std::string& component,
                ShapeOf&& shapeOf,
                Copy&& copy)
{
    LoadReport report;
    report.component = component;
    std::set<std::string> used;
    for (const auto& item : module.named_parameters(/*recurse=*/true)) {
        const std::string& name = item.key();
        const std::optional<TensorShape> shape = shapeOf(name);
        if (!shape) {
            report.missing.push_back(name);
            continue;
        }
        used.insert(name);
        const auto sizes = item.value().sizes();
        const TensorShape wanted(sizes.begin(), sizes.end());
        if (*shape != wanted) {
            report.shapeMismatches.push_back(name + ": file " + shapeText(*shape) + ", model " +
                                             shapeText(wanted));
            continue;
        }
        copy(name, item.value());
        ++report.loadedTensors;
        report.loadedElements += item.value().numel();
    }
    for (const auto& name : availableNames) {
        if (!used.count(name)) {
            report.unexpected.push_back(name);
        }
    }
    return report;
}

} // namespace

std::string LoadReport::problem() const
{
    if (complete()) {
        return {};
    }
    std::string out = component + ":";
    const auto add = [&](const std::vector<std::string>& names, const char* what) {
        if (!names.empty()) {
            out += (out.back() == ':' ? " " : "; ") + std::to_string(names.size()) + " " + what + " (" +
                   listOf(names) + ")";
        }
    };
    add(missing, "missing");
    add(unexpected, "unexpected");
    add(shapeMismatches, "with the wrong shape");
    return out;
}

std::string shapeText(const TensorShape& shape)
{
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        out += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return out + "]";
}

at::Tensor materialize(const TensorRef& ref)
{
    at::Tensor t = tensorOf(ref.file, *ref.entry);
    switch (ref.transform) {
    case TensorTransform::Identity: return t;
    case TensorTransform::ConvToLinear: return t.dim() == 4 ? t.flatten(1) : t;
    case TensorTransform::SplitQkv: return t.chunk(3, 0).at(std::size_t(ref.part));
    case TensorTransform::Transpose: return t.t();
    }
    return t;
}

TensorMap materializeAll(const TensorIndex& index)
{
    TensorMap out;
    for (const auto& [name, ref] : index) {
        out.emplace(name, materialize(ref));
    }
    return out;
}

LoadReport
checkStateDict(const torch::nn::Module& module, const KeyShapes& available, const std::string& component)
{
    std::vector<std::string> names;
    for (const auto& [name, shape] : available) {
        names.push_back(name);
    }
    return walk(
        module,
        names,
        component,
        [&](const std::string& name) -> std::optional<TensorShape> {
            const auto it = available.find(name);
            return it == available.end() ? std::nullopt : std::optional(it->second);
        },
        [](const std::string&, const at::Tensor&) {});
}

LoadReport
loadStateDict(torch::nn::Module& module, const TensorMap& diffusersNamed, const std::string& component)
{
    std::vector<std::string> names;
    for (const auto& [name, tensor] : diffusersNamed) {
        names.push_back(name);
    }
    c10::NoGradGuard noGrad;
    return walk(
        module,
        names,
        component,
        [&](const std::string& name) -> std::optional<TensorShape> {
            const auto it = diffusersNamed.find(name);
            if (it == diffusersNamed.end()) {
                return std::nullopt;
            }
            return TensorShape(it->second.sizes().begin(), it->second.sizes().end());
        },
        [&](const std::string& name, const at::Tensor& param) {
            if (!param.is_meta()) {
                param.copy_(diffusersNamed.at(name));
            }
        });
}

LoadReport loadStateDict(torch::nn::Module& module, const TensorIndex& index, const std::string& component)
{
    std::vector<std::string> names;
    for (const auto& [name, ref] : index) {
        names.push_back(name);
    }
    c10::NoGradGuard noGrad;
    return walk(
        module,
        names,
        component,
        [&](const std::string& name) -> std::optional<TensorShape> {
            const auto it = index.find(name);
            return it == index.end() ? std::nullopt : std::optional(it->second.shape());
        },
        [&](const std::string& name, const at::Tensor& param) {
            if (!param.is_meta()) {
                param.copy_(materialize(index.at(name)));
            }
        });
}

} // namespace hdr::diffusion
