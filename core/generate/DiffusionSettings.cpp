#include "generate/DiffusionSettings.h"

#include "diffusion/sampling/SchedulerConfig.h"

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

std::optional<std::string> checkDevice(const DiffusionSettings& s)
{
    const std::string& d = s.device;
    if (d == "cpu" || d == "cuda") return std::nullopt;
    if (d.rfind("cuda:", 0) == 0 && d.size() > 5 && d.find_first_not_of("0123456789", 5) == std::string::npos) {
        return std::nullopt;
    }
    return "Device must be cpu, cuda or cuda:N.";
}

spec::RequestSpec<DiffusionSettings> makeSpec()
{
    spec::RequestSpec<DiffusionSettings> s;
    // Model
    s.add(&DiffusionSettings::model,
          {.key = "model",
           .label = "Model",
           .valueName = "PATH",
           .help = "model: single .safetensors file, diffusers folder or flat folder",
           .group = "Model"},
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
    s.add(&DiffusionSettings::tokenizerDir,
          {.key = "tokenizer",
           .label = "Tokenizer folder",
           .valueName = "DIR",
           .help = "tokenizer folder for a single-file model",
           .group = "Model",
           .json = false});
    s.add(&DiffusionSettings::dtype,
          {.key = "dtype",
           .label = "Precision",
           .valueName = "T",
           .help = "weights and activations: fp32, bf16 (half the memory; faster only with AVX-512 BF16) or fp16",
           .group = "Model",
           .choices = {"fp32", "bf16", "fp16"}});
    s.add(&DiffusionSettings::device,
          {.key = "device", .label = "Device", .valueName = "D", .help = "cpu or cuda[:N]", .group = "Model"},
          checkDevice);
    s.add(&DiffusionSettings::threads,
          {.key = "threads",
           .label = "Threads",
           .valueName = "N",
           .help = "CPU threads (0: all cores)",
           .group = "Model",
           .min = 0,
           .max = 1024,
           .json = false});
    // Prompt
    s.add(&DiffusionSettings::prompt,
          {.key = "prompt", .label = "Prompt", .valueName = "TEXT|FILE", .help = "prompt(s)", .group = "Prompt"});
    s.add(&DiffusionSettings::negative,
          {.key = "negative",
           .label = "Negative prompt",
           .valueName = "TEXT|FILE",
           .help = "negative prompt(s)",
           .group = "Prompt"});
    s.add(&DiffusionSettings::promptStyle,
          {.key = "prompt-style",
           .label = "Prompt style",
           .valueName = "STYLE",
           .help = "a1111: (word:1.2) weights, BREAK, prompts over 75 tokens; diffusers: plain text",
           .group = "Prompt",
           .choices = {"a1111", "diffusers"}});
    s.add(&DiffusionSettings::clipSkip,
          {.key = "clip-skip",
           .label = "Clip skip",
           .valueName = "N",
           .help = "skip the last N CLIP layers (diffusers clip_skip; A1111 'Clip skip 2' = 1)",
           .group = "Prompt",
           .min = 0,
           .max = 10});
    s.addCustom({.key = "lora",
                 .label = "LoRAs",
                 .valueName = "FILE[:S]",
                 .help = "LoRA with strength (default 1); repeat the option for several",
                 .group = "Prompt",
                 .listSeparator = '\0',
                 .kind = spec::SettingKind::TextList},
                [](const DiffusionSettings& r) -> SettingValue {
                    std::vector<std::string> list;
                    for (const auto& l : r.loras) list.push_back(formatLoraSpec(l));
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
    s.add(&DiffusionSettings::loraDir,
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
    s.add(&DiffusionSettings::sampler,
          {.key = "sampler",
           .label = "Sampler",
           .valueName = "NAME",
           .help = "euler, euler_a, ddim, dpmpp_2m, dpmpp_2m_karras, unipc, pndm, lms, ... or a diffusers class name",
           .group = "Sampling",
           .choices = samplerNames()});
    s.add(&DiffusionSettings::steps,
          {.key = "steps",
           .label = "Steps",
           .valueName = "N",
           .help = "denoising steps",
           .group = "Sampling",
           .min = 1,
           .max = 1000});
    s.add(&DiffusionSettings::cfg,
          {.key = "cfg",
           .label = "CFG scale",
           .valueName = "S",
           .help = "classifier-free guidance scale (<= 1 disables it)",
           .group = "Sampling",
           .min = 0,
           .max = 100});
    s.add(&DiffusionSettings::seed,
          {.key = "seed", .label = "Seed", .valueName = "N", .help = "seed", .group = "Sampling"});
    // Size
    s.add(&DiffusionSettings::width,
          {.key = "width",
           .label = "Width",
           .valueName = "W",
           .help = "width in pixels, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)",
           .group = "Size",
           .min = 0,
           .max = 8192,
           .multipleOf = 8});
    s.add(&DiffusionSettings::height,
          {.key = "height",
           .label = "Height",
           .valueName = "H",
           .help = "height in pixels, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)",
           .group = "Size",
           .min = 0,
           .max = 8192,
           .multipleOf = 8});
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
    s.add(&DiffusionSettings::aestheticScore,
          {.key = "aesthetic-score",
           .label = "Aesthetic score",
           .valueName = "S",
           .help = "SDXL refiner: the aesthetic score the conditional pass asks for",
           .group = "Size",
           .min = 0,
           .max = 10});
    s.add(&DiffusionSettings::negativeAestheticScore,
          {.key = "negative-aesthetic-score",
           .label = "Negative aesthetic score",
           .valueName = "S",
           .help = "SDXL refiner: the aesthetic score of the unconditional pass",
           .group = "Size",
           .min = 0,
           .max = 10});
    // Refiner
    s.add(&DiffusionSettings::refiner,
          {.key = "refiner",
           .label = "Refiner",
           .valueName = "PATH",
           .help = "SDXL refiner model that finishes the last part of the schedule (empty: none)",
           .group = "Refiner"},
          [](const DiffusionSettings& r) -> std::optional<std::string> {
              std::error_code ec;
              if (!r.refiner.empty() && !std::filesystem::exists(r.refiner, ec)) {
                  return "The refiner " + r.refiner.string() + " does not exist; choose another or clear it.";
              }
              return std::nullopt;
          });
    s.add(&DiffusionSettings::refinerSwitch,
          {.key = "refiner-switch",
           .label = "Refiner switch at",
           .valueName = "F",
           .help = "fraction of the schedule the base model runs before the refiner takes over",
           .group = "Refiner",
           .min = 0.01,
           .max = 0.99});
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
                  return "The init image " + r.initImage.string() + " does not exist; choose another or clear it.";
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
    s.add(&DiffusionSettings::vaeTile,
          {.key = "vae-tile",
           .label = "VAE tile",
           .valueName = "PX",
           .help = "decode the VAE in tiles of PX pixels (a multiple of 8, >= 64): less memory, slightly "
                   "different pixels near the seams (0: one piece)",
           .group = "Memory",
           .min = 0,
           .max = 8192,
           .multipleOf = 8},
          [](const DiffusionSettings& r) -> std::optional<std::string> {
              if (r.vaeTile != 0 && r.vaeTile < 64) return "VAE tile must be 0 (one piece) or at least 64 pixels.";
              return std::nullopt;
          });
    s.add(&DiffusionSettings::offload,
          {.key = "offload",
           .label = "Free models when done",
           .help = "free the text encoders (and the UNet before decoding) once they are not needed",
           .group = "Memory",
           .json = false});
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
