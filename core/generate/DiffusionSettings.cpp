#include "generate/DiffusionSettings.h"

#include "diffusion/sampling/SchedulerConfig.h"
#include "modelsettings/ModelSettingInfo.h"

#include <filesystem>

namespace hdr::diffusion {
namespace {

using spec::SettingInfo;
using spec::SettingValue;

std::optional<std::string> checkLoras(const DiffusionSettings& s)
{
    for (const LoraSpec& l : s.loras) {
        if (auto ok = validateLoraSpec(l); !ok) return ok.error().describe();
    }
    return std::nullopt;
}

spec::RequestSpec<DiffusionSettings> makeSpec()
{
    spec::RequestSpec<DiffusionSettings> s;
    // Model
    s.add(
        &DiffusionSettings::model,
        [] {
            auto i = modelsettings::model();
            i.help = "model: single .safetensors file, diffusers folder or flat folder";
            return i;
        }(),
        [](const DiffusionSettings& r) -> std::optional<std::string> {
            if (r.model.empty()) return "Choose a model (a .safetensors file or a diffusers folder).";
            return std::nullopt;
        });
    s.add(&DiffusionSettings::configDir,
          {.key = "config",
           .label = "Config folder",
           .valueName = "DIR",
           .help = "configs for a single-file model (a diffusers folder of the same family)",
           .group = "Model",
           .json = false});
    s.add(&DiffusionSettings::tokenizerDir, [] {
        auto i = modelsettings::tokenizer();
        i.json = false;
        return i;
    }());
    s.add(&DiffusionSettings::dtype, modelsettings::dtype());
    s.add(&DiffusionSettings::device, modelsettings::device(), [](const DiffusionSettings& r) {
        return modelsettings::checkDevice(r.device);
    });
    s.add(&DiffusionSettings::threads, [] {
        auto i = modelsettings::threads();
        i.json = false;
        return i;
    }());
    // Prompt
    s.add(&DiffusionSettings::prompt,
          {.key = "prompt",
           .label = "Prompt",
           .valueName = "TEXT|FILE",
           .help = "prompt(s)",
           .group = "Prompt"});
    s.add(&DiffusionSettings::negative,
          {.key = "negative",
           .label = "Negative prompt",
           .valueName = "TEXT|FILE",
           .help = "negative prompt(s)",
           .group = "Prompt"});
    s.add(&DiffusionSettings::promptStyle, modelsettings::promptStyle());
    s.add(&DiffusionSettings::clipSkip, modelsettings::clipSkip());
    s.addCustom(
        {.key = "lora",
         .label = "LoRAs",
         .valueName = "FILE[:S]",
         .help = "LoRA with strength (default 1); repeat the option for several",
         .group = "Prompt",
         .listSeparator = '\0',
         .kind = spec::SettingKind::TextList},
        [](const DiffusionSettings& r) -> SettingValue {
            std::vector<std::string> list;
            for (const auto& l : r.loras)
                list.push_back(formatLoraSpec(l));
            return list;
        },
        [](DiffusionSettings& r, const SettingValue& v) {
            std::vector<LoraSpec> loras;
            if (const auto* list = std::get_if<std::vector<std::string>>(&v)) {
                for (const auto& text : *list) {
                    auto spec = parseLoraSpec(text);
                    if (!spec) throw core::HdrError(spec.error());
                    loras.push_back(*spec);
                }
            }
            r.loras = std::move(loras);
        },
        checkLoras);
    s.add(
        &DiffusionSettings::loraDir,
        {.key = "lora-dir",
         .label = "LoRA folder",
         .valueName = "DIR",
         .help = "folder for <lora:name:weight> tags in the prompt and for --lora-pool (character/, style/)",
         .group = "Prompt"},
        [](const DiffusionSettings& r) -> std::optional<std::string> {
            std::error_code ec;
            if (!r.loraDir.empty() && !std::filesystem::is_directory(r.loraDir, ec)) {
                return "The LoRA folder " + r.loraDir.string() + " does not exist.";
            }
            return std::nullopt;
        });
    s.add(&DiffusionSettings::loraPool,
          {.key = "lora-pool",
           .label = "LoRA pool",
           .help = "draw one character and one style LoRA from the LoRA folder by the seed (trigger words "
                   "from their .txt files go in front of the prompt)",
           .group = "Prompt"});
    // Sampling
    s.add(&DiffusionSettings::sampler, [] {
        auto i = modelsettings::sampler();
        i.choices = samplerNames();
        return i;
    }());
    s.add(&DiffusionSettings::steps, modelsettings::steps());
    s.add(&DiffusionSettings::cfg, modelsettings::cfg());
    s.add(&DiffusionSettings::seed, modelsettings::seed());
    // Size
    s.add(&DiffusionSettings::width, modelsettings::width());
    s.add(&DiffusionSettings::height, modelsettings::height());
    const SettingInfo pair{.valueName = "WxH", .group = "Size", .min = 0, .max = 16384, .listSeparator = 'x'};
    SettingInfo original = pair, crop = pair, target = pair;
    original.key = "original-size";
    original.label = "Original size";
    original.help = "SDXL original_size conditioning (default: the output size)";
    crop.key = "crop-top-left";
    crop.label = "Crop top left";
    crop.valueName = "T,L";
    crop.listSeparator = ',';
    crop.help = "SDXL crops_coords_top_left (default 0,0)";
    target.key = "target-size";
    target.label = "Target size";
    target.help = "SDXL target_size conditioning (default: the output size)";
    s.add(&DiffusionSettings::originalSize, original);
    s.add(&DiffusionSettings::cropTopLeft, crop);
    s.add(&DiffusionSettings::targetSize, target);
    SettingInfo negativeOriginal = original, negativeCrop = crop, negativeTarget = target;
    negativeOriginal.key = "negative-original-size";
    negativeOriginal.label = "Negative original size";
    negativeOriginal.help = "SDXL negative_original_size for the unconditional pass (default: as diffusers)";
    negativeCrop.key = "negative-crop-top-left";
    negativeCrop.label = "Negative crop top left";
    negativeCrop.help = "SDXL negative_crops_coords_top_left (default 0,0)";
    negativeTarget.key = "negative-target-size";
    negativeTarget.label = "Negative target size";
    negativeTarget.help = "SDXL negative_target_size for the unconditional pass (default: as diffusers)";
    s.add(&DiffusionSettings::negativeOriginalSize, negativeOriginal);
    s.add(&DiffusionSettings::negativeCropTopLeft, negativeCrop);
    s.add(&DiffusionSettings::negativeTargetSize, negativeTarget);
    s.add(&DiffusionSettings::aestheticScore, modelsettings::aestheticScore());
    s.add(&DiffusionSettings::negativeAestheticScore, modelsettings::negativeAestheticScore());
    // Refiner
    s.add(&DiffusionSettings::refiner,
          modelsettings::refiner(),
          [](const DiffusionSettings& r) -> std::optional<std::string> {
              std::error_code ec;
              if (!r.refiner.empty() && !std::filesystem::exists(r.refiner, ec)) {
                  return "The refiner " + r.refiner.string() + " does not exist; choose another or clear it.";
              }
              return std::nullopt;
          });
    s.add(&DiffusionSettings::refinerSwitch, modelsettings::refinerSwitch());
    // Image to image
    s.add(&DiffusionSettings::initImage,
          {.key = "image",
           .label = "Init image",
           .valueName = "PATH|FILE",
           .help = "image-to-image input image(s); its size, cropped to multiples of 8, wins",
           .group = "Image to image"},
          [](const DiffusionSettings& r) -> std::optional<std::string> {
              std::error_code ec;
              if (!r.initImage.empty() && !std::filesystem::is_regular_file(r.initImage, ec)) {
                  return "The init image " + r.initImage.string() +
                         " does not exist; choose another or clear it.";
              }
              return std::nullopt;
          });
    s.add(&DiffusionSettings::strength,
          {.key = "strength",
           .label = "Strength",
           .valueName = "S",
           .help = "image to image: the fraction of the steps that re-noise the input, in (0, 1]",
           .group = "Image to image",
           .min = 0,
           .max = 1,
           .minExclusive = true});
    // Memory
    s.add(&DiffusionSettings::vaeTile, modelsettings::vaeTile(), [](const DiffusionSettings& r) {
        return modelsettings::checkVaeTile(r.vaeTile);
    });
    s.add(&DiffusionSettings::offload, [] {
        auto i = modelsettings::offload();
        i.json = false;
        return i;
    }());
    return s;
}

} // namespace

const spec::RequestSpec<DiffusionSettings>& diffusionSettingsSpec()
{
    static const spec::RequestSpec<DiffusionSettings> spec = makeSpec();
    return spec;
}

int resolvedWidth(const DiffusionSettings& settings, bool sdxl)
{
    return settings.width > 0 ? settings.width : (sdxl ? 1024 : 512);
}

int resolvedHeight(const DiffusionSettings& settings, bool sdxl)
{
    return settings.height > 0 ? settings.height : (sdxl ? 1024 : 512);
}

} // namespace hdr::diffusion
