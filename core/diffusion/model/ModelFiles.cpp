#include "diffusion/model/ModelFiles.h"

#include "diffusion/model/ArchDetection.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

namespace hdr::diffusion {
using core::ErrorCode;
using core::throwError;
namespace fs = std::filesystem;

namespace {

template <typename T> T orThrow(core::Result<T> result)
{
    if (!result) {
        throw core::HdrError(result.error());
    }
    return std::move(*result);
}

nlohmann::json parseJsonFile(const fs::path& path)
{
    const std::string text = orThrow(readSmallTextFile(path));
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        throwError(ErrorCode::CorruptData, "The file is not a readable JSON object", path.string());
    }
    return value;
}

bool isPickleFile(const fs::path& path)
{
    const std::string ext = path.extension().string();
    if (ext == ".ckpt" || ext == ".pt" || ext == ".pth" || ext == ".bin") {
        return true;
    }
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    // A zip archive (torch.save since 1.6) or a raw pickle stream (protocol 2+ starts with 0x80).
    return (in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) ||
           (in.gcount() >= 2 && static_cast<unsigned char>(magic[0]) == 0x80 && magic[1] >= 2 &&
            magic[1] <= 5);
}

[[noreturn]] void refusePickle(const fs::path& path)
{
    throwError(ErrorCode::UnsupportedFormat,
               "This is a pickled PyTorch checkpoint, which can run code when loaded; convert it to "
               ".safetensors first (e.g. with the diffusers or kohya conversion scripts)",
               path.string());
}

std::shared_ptr<SafetensorsFile> openSafetensors(const fs::path& path)
{
    auto file = SafetensorsFile::open(path);
    if (!file) {
        core::Error error = file.error();
        if (error.where.empty()) {
            error.where = path.string();
        }
        throw core::HdrError(std::move(error));
    }
    return std::move(*file);
}

// A sharded checkpoint: index.json {"weight_map": {tensor: shard file}} next to the shards. Every
// listed tensor must be in its shard and every tensor of a shard must be listed there.
ComponentFiles openShards(const fs::path& indexPath)
{
    const nlohmann::json index = parseJsonFile(indexPath);
    const auto weightMap = index.find("weight_map");
    if (weightMap == index.end() || !weightMap->is_object() || weightMap->empty()) {
        throwError(
            ErrorCode::CorruptData, "The shard index has no \"weight_map\" object", indexPath.string());
    }
    ComponentFiles files;
    std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
    for (const auto& [tensor, shardName] : weightMap->items()) {
        if (!shardName.is_string()) {
            throwError(ErrorCode::CorruptData,
                       "The shard index maps \"" + tensor + "\" to something that is not a file name",
                       indexPath.string());
        }
        const std::string name = shardName.get<std::string>();
        if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
            name == "." || name == "..") {
            throwError(ErrorCode::CorruptData,
                       "The shard index names \"" + name + "\", which is not a file beside it",
                       indexPath.string());
        }
        auto& shard = shards[name];
        if (!shard) {
            const fs::path shardPath = indexPath.parent_path() / name;
            if (!fs::is_regular_file(shardPath)) {
                throwError(ErrorCode::IoError,
                           "Shard " + name + " listed in the index is missing",
                           shardPath.string());
            }
            shard = openSafetensors(shardPath);
            files.weightFiles.push_back(shardPath);
        }
        const SafetensorsEntry* entry = shard->find(tensor);
        if (!entry) {
            throwError(ErrorCode::CorruptData,
                       "Shard " + name + " does not contain tensor " + tensor + " that the index lists there",
                       indexPath.string());
        }
        files.tensors[tensor] = TensorRef{shard, entry};
    }
    for (const auto& [name, shard] : shards) {
        for (const auto& entry : shard->entries()) {
            const auto it = weightMap->find(entry.name);
            if (it == weightMap->end() || *it != name) {
                throwError(ErrorCode::CorruptData,
                           "Shard " + name + " holds tensor " + entry.name +
                               (it == weightMap->end() ? ", which the index does not list"
                                                       : ", which the index puts in another shard"),
                           indexPath.string());
            }
        }
    }
    return files;
}

ComponentFiles openWeights(const fs::path& path)
{
    if (path.string().ends_with(".index.json")) {
        return openShards(path);
    }
    ComponentFiles files;
    auto file = openSafetensors(path);
    for (const auto& entry : file->entries()) {
        files.tensors[entry.name] = TensorRef{file, &entry};
    }
    files.weightFiles.push_back(path);
    return files;
}

// The weights of one component: `stem` + .safetensors / .safetensors.index.json / .fp16 variants.
ComponentFiles findWeights(const fs::path& dir, const std::string& stem, bool preferFp16, Component component)
{
    std::vector<std::string> names = {stem + ".safetensors",
                                      stem + ".safetensors.index.json",
                                      stem + ".fp16.safetensors",
                                      stem + ".fp16.safetensors.index.json"};
    if (preferFp16) {
        std::rotate(names.begin(), names.begin() + 2, names.end());
    }
    for (const auto& name : names) {
        if (fs::is_regular_file(dir / name)) {
            return openWeights(dir / name);
        }
    }
    for (const auto& pickle :
         {stem + ".bin", stem + ".fp16.bin", std::string("pytorch_model.bin"), stem + ".ckpt"}) {
        if (fs::is_regular_file(dir / pickle)) {
            refusePickle(dir / pickle);
        }
    }
    throwError(ErrorCode::IoError,
               std::string("The model has no ") + nameOf(component) + " weights (looked for " + names[0] +
                   ", " + names[1] + " and the .fp16 variants)",
               dir.string());
}

std::string textOrEmpty(const fs::path& path)
{
    return path.empty() || !fs::exists(path) ? std::string() : orThrow(readSmallTextFile(path));
}

int jsonListSize(const nlohmann::json& config, const char* key, const fs::path& where)
{
    const auto it = config.find(key);
    if (it == config.end() || !it->is_array() || it->empty() || it->size() > 16) {
        throwError(ErrorCode::CorruptData,
                   std::string("The config has no usable \"") + key + "\" list",
                   where.string());
    }
    return int(it->size());
}

LdmLayout ldmLayoutFromConfigs(const fs::path& unetConfig, const fs::path& vaeConfig)
{
    const auto unet = parseJsonFile(unetConfig);
    const auto vae = parseJsonFile(vaeConfig);
    LdmLayout layout;
    const auto layers = unet.find("layers_per_block");
    if (layers == unet.end() || !layers->is_number_integer() || *layers < 1 || *layers > 16) {
        throwError(ErrorCode::CorruptData,
                   "The UNet config has no usable \"layers_per_block\"",
                   unetConfig.string());
    }
    layout.unetLayersPerBlock = layers->get<int>();
    layout.unetLevels = jsonListSize(unet, "block_out_channels", unetConfig);
    layout.vaeLevels = jsonListSize(vae, "block_out_channels", vaeConfig);
    return layout;
}

// Tokenizer folders: `dir/tokenizer` (+ `dir/tokenizer_2`), or `dir` itself when it holds vocab.json.
void findTokenizers(const fs::path& dir, ModelFiles& model)
{
    if (dir.empty()) {
        return;
    }
    if (model.tokenizerDir.empty()) {
        if (fs::is_regular_file(dir / "tokenizer" / "vocab.json")) {
            model.tokenizerDir = dir / "tokenizer";
        } else if (fs::is_regular_file(dir / "vocab.json")) {
            model.tokenizerDir = dir;
        }
    }
    if (model.tokenizer2Dir.empty() && isSdxlFamily(model.arch) &&
        fs::is_regular_file(dir / "tokenizer_2" / "vocab.json")) {
        model.tokenizer2Dir = dir / "tokenizer_2";
    }
}

fs::path findSchedulerConfig(const fs::path& dir)
{
    for (const fs::path& candidate :
         {dir / "scheduler" / "scheduler_config.json", dir / "scheduler_config.json"}) {
        if (fs::is_regular_file(candidate)) {
            return candidate;
        }
    }
    return {};
}

void openSingleFile(const fs::path& path, const ModelOpenOptions& options, ModelFiles& model)
{
    auto file = openSafetensors(path);
    KeyShapes keys;
    for (const auto& entry : file->entries()) {
        keys[entry.name] = entry.shape;
    }
    model.arch = orThrow(detectLdmArch(keys));
    if (!options.configDir.empty()) {
        if (!fs::is_directory(options.configDir)) {
            throwError(ErrorCode::IoError, "The config folder does not exist", options.configDir.string());
        }
        for (Component component : kAllComponents) {
            if (!hasComponent(model.arch, component)) {
                continue;
            }
            fs::path config = findComponentConfig(options.configDir, component);
            if (config.empty() && !isRequired(model.arch, component)) {
                continue;
            }
            if (config.empty()) {
                throwError(ErrorCode::IoError,
                           std::string("The config folder has no ") + nameOf(component) + " config (" +
                               nameOf(component) + "/config.json or " + nameOf(component) + "_config.json)",
                           options.configDir.string());
            }
            model.components[component].configFile = config;
        }
        model.ldmLayout = ldmLayoutFromConfigs(model.components[Component::Unet].configFile,
                                               model.components[Component::Vae].configFile);
        model.schedulerConfig = findSchedulerConfig(options.configDir);
    } else {
        model.ldmLayout = ldmLayoutOf(model.arch);
    }
    std::vector<std::string> names;
    names.reserve(keys.size());
    for (const auto& [key, shape] : keys) {
        names.push_back(key);
    }
    LdmConversionPlan plan = planLdmConversion(names, model.ldmLayout);
    model.ignoredKeys = std::move(plan.ignored);
    model.unexpectedKeys = std::move(plan.unexpected);
    for (const auto& duplicate : plan.duplicates) {
        model.unexpectedKeys.push_back("(converted twice) " + duplicate);
    }
    for (auto& [component, tensors] : plan.components) {
        if (!hasComponent(model.arch, component)) {
            for (const auto& [name, source] : tensors) {
                model.unexpectedKeys.push_back(source.key);
            }
            continue;
        }
        auto& files = model.components[component];
        files.weightFiles = {path};
        for (const auto& [name, source] : tensors) {
            TensorRef ref{file, file->find(source.key), source.transform, source.part};
            if (ref.shape().empty() && !ref.entry->shape.empty()) {
                model.unexpectedKeys.push_back(source.key + " (shape does not fit its conversion)");
                continue;
            }
            files.tensors.emplace(name, std::move(ref));
        }
    }
    std::sort(model.unexpectedKeys.begin(), model.unexpectedKeys.end());
    for (Component component : kAllComponents) {
        if (hasComponent(model.arch, component) && model.components[component].tensors.empty()) {
            if (!isRequired(model.arch, component)) {
                model.components.erase(component);
                continue;
            }
            throwError(ErrorCode::CorruptData,
                       std::string("The checkpoint has no ") + nameOf(component) + " tensors",
                       path.string());
        }
    }
}

// shared_components.json: {"components": {"vae": "<sibling folder>", ...}}. All named components
// must come from one sibling folder (the base model); names may not leave the parent folder.
fs::path sharedComponentsDonor(const fs::path& dir)
{
    const fs::path file = dir / "shared_components.json";
    if (!fs::is_regular_file(file)) {
        return {};
    }
    auto json = nlohmann::json::parse(textOrEmpty(file), nullptr, false);
    const auto* components = json.is_object() && json.contains("components") ? &json["components"] : nullptr;
    if (!components || !components->is_object() || components->empty()) {
        throwError(
            ErrorCode::CorruptData, "shared_components.json has no \"components\" object", file.string());
    }
    std::string donor;
    for (const auto& [component, source] : components->items()) {
        const std::string name = source.is_string() ? source.get<std::string>() : std::string();
        if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
            name == "." || name == ".." || (!donor.empty() && name != donor)) {
            throwError(ErrorCode::CorruptData,
                       "shared_components.json must name one sibling model folder (got \"" + name +
                           "\" for " + component + ")",
                       file.string());
        }
        donor = name;
    }
    const fs::path path = dir.parent_path() / donor;
    if (!fs::is_directory(path)) {
        throwError(ErrorCode::IoError,
                   "The model shares its components with " + donor + ", which is not next to it",
                   path.string());
    }
    return path;
}

void openFolder(const fs::path& dir, const ModelOpenOptions& options, ModelFiles& model)
{
    const bool diffusers = fs::is_directory(dir / "unet");
    model.layout = diffusers ? ModelLayout::DiffusersFolder : ModelLayout::FlatFolder;
    const auto locate = [&](Component component) -> std::pair<fs::path, std::string> {
        const std::string name = nameOf(component);
        if (diffusers) {
            return {dir / name,
                    component == Component::Unet || component == Component::Vae ? "diffusion_pytorch_model"
                                                                                : "model"};
        }
        return {dir, name};
    };
    const auto present = [&](Component component) {
        const auto [where, stem] = locate(component);
        return diffusers ? fs::is_directory(where)
                         : fs::exists(where / (stem + ".safetensors")) ||
                               fs::exists(where / (stem + ".fp16.safetensors")) ||
                               fs::exists(where / (stem + ".safetensors.index.json")) ||
                               fs::exists(where / (stem + ".fp16.safetensors.index.json"));
    };
    for (Component component : {Component::Unet, Component::Vae}) {
        if (component == Component::Vae && present(Component::Unet) && !present(Component::Vae)) {
            continue; // a UNet alone (a GM-Diffusion gain-map UNet); arch detection decides below
        }
        if (findComponentConfig(dir, component).empty()) {
            throwError(ErrorCode::IoError,
                       std::string("The model folder has no ") + nameOf(component) + " config (" +
                           (diffusers ? std::string(nameOf(component)) + "/config.json"
                                      : std::string(nameOf(component)) + "_config.json") +
                           ")",
                       dir.string());
        }
    }
    DiffusersArchInputs inputs;
    inputs.modelIndexJson = textOrEmpty(dir / "model_index.json");
    inputs.unetConfigJson = textOrEmpty(findComponentConfig(dir, Component::Unet));
    inputs.textEncoderConfigJson = textOrEmpty(findComponentConfig(dir, Component::TextEncoder));
    inputs.hasTextEncoder = present(Component::TextEncoder);
    inputs.hasTextEncoder2 = present(Component::TextEncoder2);
    auto arch = detectDiffusersArch(inputs);
    if (!arch) {
        core::Error error = arch.error();
        error.where = dir.string();
        throw core::HdrError(std::move(error));
    }
    model.arch = *arch;
    for (Component component : kAllComponents) {
        if (!hasComponent(model.arch, component)) {
            continue;
        }
        const auto [where, stem] = locate(component);
        if (!present(component) && !isRequired(model.arch, component)) {
            continue;
        }
        if (!present(component)) {
            throwError(ErrorCode::IoError,
                       std::string("The model folder has no ") + nameOf(component) +
                           (diffusers ? " folder" : " weights (" + stem + ".safetensors)"),
                       dir.string());
        }
        const fs::path config = findComponentConfig(dir, component);
        if (config.empty()) {
            throwError(ErrorCode::IoError,
                       std::string("The model folder has no ") + nameOf(component) + " config",
                       dir.string());
        }
        ComponentFiles files = findWeights(where, stem, options.preferFp16Variant, component);
        files.configFile = config;
        parseJsonFile(config); // unreadable configs fail here, not at load time
        model.components[component] = std::move(files);
    }
    model.schedulerConfig = findSchedulerConfig(dir);
    findTokenizers(dir, model);
    model.componentDonor = sharedComponentsDonor(dir);
}

} // namespace

core::Result<std::string> readSmallTextFile(const std::filesystem::path& path, std::uintmax_t maxBytes)
{
    return core::guarded(ErrorCode::IoError, path.string(), [&] {
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        if (ec) {
            throwError(ErrorCode::IoError, "Cannot read the file: " + ec.message(), path.string());
        }
        if (size > maxBytes) {
            throwError(ErrorCode::LimitExceeded,
                       "The file is too large for a config (" + std::to_string(size) + " bytes)",
                       path.string());
        }
        std::ifstream in(path, std::ios::binary);
        std::string text(size, '\0');
        if (!in.read(text.data(), std::streamsize(size))) {
            throwError(ErrorCode::IoError, "Cannot read the file", path.string());
        }
        return text;
    });
}

std::filesystem::path findComponentConfig(const std::filesystem::path& dir, Component component)
{
    const std::string name = nameOf(component);
    for (const fs::path& candidate : {dir / name / "config.json", dir / (name + "_config.json")}) {
        if (fs::is_regular_file(candidate)) {
            return candidate;
        }
    }
    return {};
}

std::string presetSchedulerConfig(ModelArch arch)
{
    // The schedulers the real SD 1.5 and SDXL base repositories ship (oracle README).
    if (arch == ModelArch::SDXL) {
        return R"({"_class_name": "EulerDiscreteScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
 "beta_start": 0.00085, "interpolation_type": "linear", "num_train_timesteps": 1000, "prediction_type": "epsilon",
 "sample_max_value": 1.0, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
 "timestep_spacing": "leading", "trained_betas": null, "use_karras_sigmas": false})";
    }
    return R"({"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
 "beta_start": 0.00085, "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": false,
 "skip_prk_steps": true, "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": null})";
}

core::Result<ModelFiles> openModelFiles(const std::filesystem::path& path, const ModelOpenOptions& options)
{
    return core::guarded(ErrorCode::IoError, path.string(), [&] {
        ModelFiles model;
        model.path = path;
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (ec || !fs::exists(status)) {
            throwError(ErrorCode::IoError, "The model path does not exist", path.string());
        }
        if (fs::is_directory(status)) {
            openFolder(path, options, model);
        } else {
            if (isPickleFile(path)) {
                refusePickle(path);
            }
            model.layout = ModelLayout::SingleFile;
            openSingleFile(path, options, model);
            findTokenizers(options.configDir, model);
        }
        findTokenizers(options.tokenizerDir, model);
        if (model.tokenizerDir.empty() && model.arch != ModelArch::SD15GM &&
            model.arch != ModelArch::SDXLRefiner) {
            model.notes.push_back(
                model.layout == ModelLayout::SingleFile
                    ? "No tokenizer: single-file checkpoints carry none; pass --tokenizer DIR (a folder "
                      "with vocab.json and merges.txt, or with tokenizer/ and tokenizer_2/)"
                    : "No tokenizer/ folder with vocab.json; pass --tokenizer DIR");
        }
        if (isSdxlFamily(model.arch) && model.tokenizer2Dir.empty()) {
            model.notes.push_back(
                "No tokenizer_2 (SDXL's second tokenizer pads with \"!\"); pass --tokenizer DIR "
                "with a tokenizer_2/ folder");
        }
        if (model.layout == ModelLayout::SingleFile && options.configDir.empty()) {
            model.notes.push_back(std::string("Configs: the built-in full-size ") +
                                  (model.arch == ModelArch::SDXL          ? "SDXL base"
                                   : model.arch == ModelArch::SDXLRefiner ? "SDXL refiner"
                                                                          : "SD 1.5") +
                                  " ones (pass --config DIR for other sizes)");
        }
        return model;
    });
}

} // namespace hdr::diffusion
