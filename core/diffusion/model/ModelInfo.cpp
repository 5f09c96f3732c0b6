#include "diffusion/model/ModelInfo.h"

#include "diffusion/model/StableDiffusionModel.h"

#include <nlohmann/json.hpp>

#include <set>

namespace hdr::diffusion {

std::string ModelInfo::problem() const
{
    for (const auto& component : components) {
        LoadReport report{
            component.name, component.missing, component.unexpected, component.shapeMismatches, 0, 0};
        if (!report.complete()) {
            return "The " + component.name + " weights do not match its config: " + report.problem();
        }
    }
    if (!unexpectedKeys.empty()) {
        return "The checkpoint has " + std::to_string(unexpectedKeys.size()) +
               " tensors no component takes (first: " + unexpectedKeys.front() + ")";
    }
    return {};
}

std::string ModelInfo::toJson() const
{
    nlohmann::json j;
    j["path"] = path;
    j["arch"] = arch;
    j["layout"] = layout;
    j["tokenizer"] = tokenizer;
    j["tokenizer_2"] = tokenizer2;
    j["scheduler"] = scheduler;
    j["ignored_keys"] = ignoredKeys;
    j["unexpected_keys"] = unexpectedKeys;
    j["notes"] = notes;
    j["usable"] = problem().empty();
    j["problem"] = problem();
    j["components"] = nlohmann::json::array();
    for (const auto& c : components) {
        j["components"].push_back({{"name", c.name},
                                   {"config", c.config},
                                   {"files", c.files},
                                   {"tensors", c.tensors},
                                   {"parameters", c.parameters},
                                   {"expected_parameters", c.expectedParameters},
                                   {"dtypes", c.dtypes},
                                   {"missing", c.missing},
                                   {"unexpected", c.unexpected},
                                   {"shape_mismatches", c.shapeMismatches}});
    }
    return j.dump(2);
}

core::Result<ModelInfo> inspectModel(const std::filesystem::path& path, const ModelInfoOptions& options)
{
    ModelOpenOptions open;
    open.configDir = options.configDir;
    open.tokenizerDir = options.tokenizerDir;
    auto files = openModelFiles(path, open);
    if (!files) {
        return tl::unexpected(files.error());
    }
    auto configs = loadComponentConfigs(*files);
    if (!configs) {
        return tl::unexpected(configs.error());
    }
    return core::guarded(core::ErrorCode::Internal, path.string(), [&] {
        ModelInfo info;
        info.path = path.string();
        info.arch = nameOf(files->arch);
        info.layout = nameOf(files->layout);
        info.tokenizer = files->tokenizerDir.string();
        info.tokenizer2 = files->tokenizer2Dir.string();
        info.scheduler = files->schedulerConfig.empty() ? "built-in preset" : files->schedulerConfig.string();
        info.ignoredKeys = files->ignoredKeys;
        info.unexpectedKeys = files->unexpectedKeys;
        info.notes = files->notes;
        const auto meta = at::TensorOptions().dtype(at::kFloat).device(at::kMeta);
        for (const auto& [component, parts] : files->components) {
            ComponentInfo c;
            c.name = nameOf(component);
            c.config = parts.configFile.empty() ? std::string("built-in ") + nameOf(files->arch) + " preset"
                                                : parts.configFile.string();
            for (const auto& file : parts.weightFiles) {
                c.files.push_back(file.string());
            }
            std::set<std::string> dtypes;
            KeyShapes shapes;
            for (const auto& [name, ref] : parts.tensors) {
                const TensorShape shape = ref.shape();
                std::int64_t count = 1;
                for (auto d : shape) {
                    count *= d;
                }
                c.parameters += count;
                dtypes.insert(nameOf(ref.dtype()));
                shapes[name] = shape;
            }
            c.tensors = std::int64_t(parts.tensors.size());
            c.dtypes.assign(dtypes.begin(), dtypes.end());
            auto module = buildComponent(component, *configs, meta);
            for (const auto& p : module->parameters()) {
                c.expectedParameters += p.numel();
            }
            LoadReport report = checkStateDict(*module, shapes, c.name);
            c.missing = std::move(report.missing);
            c.unexpected = std::move(report.unexpected);
            c.shapeMismatches = std::move(report.shapeMismatches);
            info.components.push_back(std::move(c));
        }
        return info;
    });
}

} // namespace hdr::diffusion
