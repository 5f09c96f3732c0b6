#pragma once
// A Stable Diffusion model bundle: architecture, configs, lazily built and loaded networks
// (UNet, VAE, one or two CLIP text encoders), tokenizers and the scheduler config, from any layout
// ModelFiles understands. A network is built (in the requested dtype, on the requested device)
// and filled from the files on first use; release() frees it again (e.g. the text encoders after
// encoding the prompt, or the UNet before a large VAE decode). Loading is strict: a component
// whose tensors do not match its config fails with the LoadReport's sentence.
#include "diffusion/model/ModelFiles.h"
#include "diffusion/model/StateDictLoader.h"
#include "diffusion/nets/AutoencoderKL.h"
#include "diffusion/nets/UNet2DConditionModel.h"
#include "diffusion/nets/UNetConfig.h"
#include "diffusion/nets/VaeConfig.h"
#include "diffusion/text/ClipTextConfig.h"
#include "diffusion/text/ClipTextModel.h"
#include "diffusion/text/ClipTokenizer.h"

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace hdr::diffusion {

struct ComponentConfigs {
    UNetConfig unet;
    VaeConfig vae;
    ClipTextConfig textEncoder;
    ClipTextConfig textEncoder2; // SDXL only
    std::string schedulerJson;   // diffusers scheduler_config.json text
};
// From the model's config files, or the presets of its architecture when it has none.
core::Result<ComponentConfigs> loadComponentConfigs(const ModelFiles& files);

// A network of `component`, built with `options` (dtype + device; at::kMeta builds no memory).
std::shared_ptr<torch::nn::Module>
buildComponent(Component component, const ComponentConfigs& configs, const at::TensorOptions& options);

struct ModelLoadOptions {
    ModelOpenOptions files;
    at::ScalarType dtype = at::kFloat; // kFloat, kBFloat16 or kHalf
    at::Device device = at::kCPU;
};

class StableDiffusionModel {
public:
    static core::Result<std::shared_ptr<StableDiffusionModel>> open(const std::filesystem::path& path,
                                                                    const ModelLoadOptions& options = {});

    ModelArch arch() const { return m_files.arch; }
    const ModelFiles& files() const { return m_files; }
    const ComponentConfigs& configs() const { return m_configs; }
    const ModelLoadOptions& options() const { return m_options; }
    const std::string& schedulerConfigJson() const { return m_configs.schedulerJson; }

    // Built and loaded on first call; the same module afterwards until release().
    core::Result<UNet2DConditionModel> unet();
    core::Result<AutoencoderKL> vae();
    core::Result<ClipTextModel> textEncoder();
    core::Result<ClipTextModel> textEncoder2(); // SDXL
    core::Result<const ClipTokenizer*> tokenizer();
    core::Result<const ClipTokenizer*> tokenizer2(); // SDXL

    // Takes the components (and tokenizers) this model lacks from `donor`, sharing its loaded
    // networks: an SDXL refiner or a GM-Diffusion gain-map UNet usually ships without the VAE and
    // text encoder of its base model. Fails when the families do not match.
    core::Result<void> borrowMissingFrom(std::shared_ptr<StableDiffusionModel> donor);
    bool isBorrowed(Component component) const;

    bool isLoaded(Component component) const { return m_modules.count(component) != 0; }
    void release(Component component) { m_modules.erase(component); }
    void releaseAll() { m_modules.clear(); }
    // The report of the last load of `component` (nullptr before the first load).
    const LoadReport* loadReport(Component component) const;

private:
    StableDiffusionModel() = default;
    static core::Result<std::shared_ptr<StableDiffusionModel>>
    openChained(const std::filesystem::path& path, const ModelLoadOptions& options, int depth);
    core::Result<std::shared_ptr<torch::nn::Module>> load(Component component);

    ModelFiles m_files;
    ComponentConfigs m_configs;
    ModelLoadOptions m_options;
    std::map<Component, std::shared_ptr<torch::nn::Module>> m_modules;
    std::map<Component, LoadReport> m_reports;
    std::optional<ClipTokenizer> m_tokenizer, m_tokenizer2;
    std::shared_ptr<StableDiffusionModel> m_donor;
};

} // namespace hdr::diffusion
