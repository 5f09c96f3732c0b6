#include "diffusion/model/StableDiffusionModel.h"

#include <nlohmann/json.hpp>

namespace hdr::diffusion {
using core::ErrorCode;
using core::throwError;

namespace {

template <typename T> T orThrow(core::Result<T> result)
{
    if (!result) {
        throw core::HdrError(result.error());
    }
    return std::move(*result);
}

nlohmann::json configJson(const std::filesystem::path& path)
{
    auto value = nlohmann::json::parse(orThrow(readSmallTextFile(path)), nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        throwError(ErrorCode::CorruptData, "The file is not a readable JSON object", path.string());
    }
    return value;
}

template <typename Config> Config withWhere(core::Result<Config> config, const std::filesystem::path& path)
{
    if (!config) {
        core::Error error = config.error();
        error.where = path.string();
        throw core::HdrError(std::move(error));
    }
    return std::move(*config);
}

} // namespace

core::Result<ComponentConfigs> loadComponentConfigs(const ModelFiles& files)
{
    return core::guarded(ErrorCode::CorruptData, files.path.string(), [&] {
        const bool xl = isSdxlFamily(files.arch);
        ComponentConfigs configs;
        configs.unet = files.arch == ModelArch::SDXLRefiner ? UNetConfig::sdxlRefiner()
                       : xl                                 ? UNetConfig::sdxlBase()
                                                            : UNetConfig::sd15();
        if (files.arch == ModelArch::SD15GM) {
            configs.unet.inChannels = 8; // GM-Diffusion widens conv_in only
        }
        configs.vae = xl ? VaeConfig::sdxl() : VaeConfig::sd15();
        configs.textEncoder = ClipTextConfig::clipL();
        configs.textEncoder2 = ClipTextConfig::openClipBigG();
        const auto configOf = [&](Component component) -> std::filesystem::path {
            const auto it = files.components.find(component);
            return it == files.components.end() ? std::filesystem::path() : it->second.configFile;
        };
        if (auto path = configOf(Component::Unet); !path.empty()) {
            configs.unet = withWhere(UNetConfig::fromJson(configJson(path)), path);
        }
        if (auto path = configOf(Component::Vae); !path.empty()) {
            configs.vae = withWhere(VaeConfig::fromJson(configJson(path)), path);
        }
        for (Component component : {Component::TextEncoder, Component::TextEncoder2}) {
            if (auto path = configOf(component); !path.empty() && hasComponent(files.arch, component)) {
                auto json = configJson(path);
                auto config = core::guarded(
                    ErrorCode::CorruptData, path.string(), [&] { return ClipTextConfig::fromJson(json); });
                (component == Component::TextEncoder ? configs.textEncoder : configs.textEncoder2) =
                    withWhere(config, path);
            }
        }
        configs.schedulerJson = files.schedulerConfig.empty()
                                    ? presetSchedulerConfig(files.arch)
                                    : orThrow(readSmallTextFile(files.schedulerConfig));
        return configs;
    });
}

std::shared_ptr<torch::nn::Module>
buildComponent(Component component, const ComponentConfigs& configs, const at::TensorOptions& options)
{
    switch (component) {
    case Component::Unet: return UNet2DConditionModel(configs.unet, options).ptr();
    case Component::Vae: return AutoencoderKL(configs.vae, options).ptr();
    case Component::TextEncoder: return ClipTextModel(configs.textEncoder, options).ptr();
    case Component::TextEncoder2: return ClipTextModel(configs.textEncoder2, options).ptr();
    }
    return nullptr;
}

core::Result<std::shared_ptr<StableDiffusionModel>>
StableDiffusionModel::open(const std::filesystem::path& path, const ModelLoadOptions& options)
{
    return openChained(path, options, 0);
}

core::Result<std::shared_ptr<StableDiffusionModel>> StableDiffusionModel::openChained(
    const std::filesystem::path& path, const ModelLoadOptions& options, int depth)
{
    if (depth > 1) {
        return core::fail(ErrorCode::CorruptData,
                          "shared_components.json files point at each other; a base model must be complete",
                          path.string());
    }
    if (options.dtype != at::kFloat && options.dtype != at::kBFloat16 && options.dtype != at::kHalf) {
        return core::fail(ErrorCode::InvalidArgument, "The model dtype must be fp32, bf16 or fp16");
    }
    auto files = openModelFiles(path, options.files);
    if (!files) {
        return tl::unexpected(files.error());
    }
    auto configs = loadComponentConfigs(*files);
    if (!configs) {
        return tl::unexpected(configs.error());
    }
    std::shared_ptr<StableDiffusionModel> model(new StableDiffusionModel());
    model->m_files = std::move(*files);
    model->m_configs = std::move(*configs);
    model->m_options = options;
    if (!model->m_files.componentDonor.empty()) {
        auto donor = openChained(model->m_files.componentDonor, options, depth + 1);
        if (!donor) {
            return tl::unexpected(donor.error());
        }
        if (auto borrowed = model->borrowMissingFrom(*donor); !borrowed) {
            return tl::unexpected(borrowed.error());
        }
    }
    return model;
}

bool StableDiffusionModel::isBorrowed(Component component) const
{
    return m_donor && hasComponent(arch(), component) && m_files.components.count(component) == 0;
}

core::Result<void> StableDiffusionModel::borrowMissingFrom(std::shared_ptr<StableDiffusionModel> donor)
{
    if (!donor || donor.get() == this) {
        return core::fail(ErrorCode::InvalidArgument, "No model to borrow components from");
    }
    if (isSdxlFamily(donor->arch()) != isSdxlFamily(arch())) {
        return core::fail(ErrorCode::InvalidArgument,
                          std::string("A ") + nameOf(arch()) +
                              " model cannot use the VAE and text encoders of a " + nameOf(donor->arch()) +
                              " model",
                          donor->files().path.string());
    }
    for (Component component : kAllComponents) {
        if (component == Component::Unet || !hasComponent(arch(), component) ||
            m_files.components.count(component) != 0) {
            continue;
        }
        if (donor->m_files.components.count(component) == 0 && !donor->isBorrowed(component)) {
            return core::fail(ErrorCode::InvalidArgument,
                              std::string("The model lacks its ") + nameOf(component) + " and so does " +
                                  donor->files().path.filename().string(),
                              m_files.path.string());
        }
        switch (component) {
        case Component::Vae: m_configs.vae = donor->m_configs.vae; break;
        case Component::TextEncoder: m_configs.textEncoder = donor->m_configs.textEncoder; break;
        case Component::TextEncoder2: m_configs.textEncoder2 = donor->m_configs.textEncoder2; break;
        case Component::Unet: break;
        }
    }
    if (m_files.tokenizerDir.empty()) {
        m_files.tokenizerDir = donor->m_files.tokenizerDir;
    }
    if (m_files.tokenizer2Dir.empty()) {
        m_files.tokenizer2Dir = donor->m_files.tokenizer2Dir;
    }
    m_donor = std::move(donor);
    return {};
}

const LoadReport* StableDiffusionModel::loadReport(Component component) const
{
    const auto it = m_reports.find(component);
    return it == m_reports.end() ? nullptr : &it->second;
}

core::Result<std::shared_ptr<torch::nn::Module>> StableDiffusionModel::load(Component component)
{
    if (const auto it = m_modules.find(component); it != m_modules.end()) {
        return it->second;
    }
    if (!hasComponent(arch(), component)) {
        return core::fail(ErrorCode::InvalidArgument,
                          std::string("An ") + nameOf(arch()) + " model has no " + nameOf(component),
                          m_files.path.string());
    }
    if (m_files.components.count(component) == 0) {
        if (m_donor) {
            return m_donor->load(component); // shared with the base model, loaded once
        }
        return core::fail(ErrorCode::InvalidArgument,
                          std::string("The model has no ") + nameOf(component) +
                              "; open it together with its base model, which provides it",
                          m_files.path.string());
    }
    return core::guarded(ErrorCode::Internal, m_files.path.string(), [&] {
        const auto options = at::TensorOptions().dtype(m_options.dtype).device(m_options.device);
        auto module = buildComponent(component, m_configs, options);
        module->eval();
        const auto& index = m_files.components.at(component).tensors;
        LoadReport report = loadStateDict(*module, index, nameOf(component));
        m_reports[component] = report;
        if (!report.complete()) {
            throwError(ErrorCode::CorruptData,
                       "The weights do not match the " + std::string(nameOf(component)) +
                           " config: " + report.problem(),
                       m_files.path.string());
        }
        m_modules[component] = module;
        return module;
    });
}

template <typename Holder, typename Impl>
static core::Result<Holder> typed(core::Result<std::shared_ptr<torch::nn::Module>> module)
{
    if (!module) {
        return tl::unexpected(module.error());
    }
    return Holder(std::dynamic_pointer_cast<Impl>(*module));
}

core::Result<UNet2DConditionModel> StableDiffusionModel::unet()
{
    return typed<UNet2DConditionModel, UNet2DConditionModelImpl>(load(Component::Unet));
}

core::Result<AutoencoderKL> StableDiffusionModel::vae()
{
    return typed<AutoencoderKL, AutoencoderKLImpl>(load(Component::Vae));
}

core::Result<ClipTextModel> StableDiffusionModel::textEncoder()
{
    return typed<ClipTextModel, ClipTextModelImpl>(load(Component::TextEncoder));
}

core::Result<ClipTextModel> StableDiffusionModel::textEncoder2()
{
    return typed<ClipTextModel, ClipTextModelImpl>(load(Component::TextEncoder2));
}

core::Result<const ClipTokenizer*> StableDiffusionModel::tokenizer()
{
    if (!m_tokenizer) {
        if (m_files.tokenizerDir.empty()) {
            return core::fail(
                ErrorCode::InvalidArgument,
                "The model has no tokenizer; pass --tokenizer DIR (a folder with vocab.json and merges.txt)",
                m_files.path.string());
        }
        auto loaded = ClipTokenizer::load(m_files.tokenizerDir);
        if (!loaded) {
            return tl::unexpected(loaded.error());
        }
        m_tokenizer = std::move(*loaded);
    }
    return &*m_tokenizer;
}

core::Result<const ClipTokenizer*> StableDiffusionModel::tokenizer2()
{
    if (!isSdxlFamily(arch())) {
        return core::fail(
            ErrorCode::InvalidArgument, "Only SDXL models have a second tokenizer", m_files.path.string());
    }
    if (!m_tokenizer2) {
        if (m_files.tokenizer2Dir.empty()) {
            return core::fail(
                ErrorCode::InvalidArgument,
                "The SDXL model has no tokenizer_2; pass --tokenizer DIR with a tokenizer_2/ folder",
                m_files.path.string());
        }
        auto loaded = ClipTokenizer::load(m_files.tokenizer2Dir);
        if (!loaded) {
            return tl::unexpected(loaded.error());
        }
        m_tokenizer2 = std::move(*loaded);
    }
    return &*m_tokenizer2;
}

} // namespace hdr::diffusion
