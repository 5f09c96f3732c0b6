#include "batch/BatchConfig.h"

#include "batch/SizePresets.h"
#include "modelsettings/ModelSettingInfo.h"

#include <filesystem>

namespace hdr::batch {
namespace {

using spec::SettingInfo;
using Check = spec::RequestSpec<BatchConfig>::Rule;

// A file or folder setting that must exist when it is set.
Check existing(std::filesystem::path BatchConfig::*member, std::string what, bool folder = false)
{
    return [member, what = std::move(what), folder](const BatchConfig& c) -> std::optional<std::string> {
        const std::filesystem::path& p = c.*member;
        std::error_code ec;
        if (p.empty()) return std::nullopt;
        if (folder ? std::filesystem::is_directory(p, ec) : std::filesystem::exists(p, ec))
            return std::nullopt;
        return "The " + what + " " + p.string() + " does not exist; fix the path or clear the setting.";
    };
}

void addModelSettings(spec::RequestSpec<BatchConfig>& s)
{
    s.add(&BatchConfig::model, modelsettings::model(), existing(&BatchConfig::model, "model"));
    s.add(&BatchConfig::modelConfig,
          {.key = "model-config",
           .label = "Model configs",
           .valueName = "DIR",
           .help = "configs for a single-file checkpoint (generate's --config)",
           .group = "Model"},
          existing(&BatchConfig::modelConfig, "model config folder", true));
    s.add(&BatchConfig::tokenizerDir,
          modelsettings::tokenizer(),
          existing(&BatchConfig::tokenizerDir, "tokenizer folder", true));
    s.add(&BatchConfig::dtype, modelsettings::dtype());
    s.add(&BatchConfig::device, modelsettings::device(), [](const BatchConfig& c) {
        return modelsettings::checkDevice(c.device);
    });
    s.add(&BatchConfig::threads, modelsettings::threads());
    s.add(&BatchConfig::promptStyle, modelsettings::promptStyle());
    s.add(&BatchConfig::clipSkip, modelsettings::clipSkip());
    s.add(&BatchConfig::refiner, modelsettings::refiner(), existing(&BatchConfig::refiner, "refiner"));
    s.add(&BatchConfig::refinerSwitch, modelsettings::refinerSwitch());
    s.add(&BatchConfig::aestheticScore, modelsettings::aestheticScore());
    s.add(&BatchConfig::negativeAestheticScore, modelsettings::negativeAestheticScore());
}

void addSamplingSettings(spec::RequestSpec<BatchConfig>& s)
{
    s.add(&BatchConfig::sampler, modelsettings::sampler());
    s.add(&BatchConfig::steps, modelsettings::steps());
    s.add(&BatchConfig::cfg, modelsettings::cfg());
    s.add(&BatchConfig::seed, [] {
        auto i = modelsettings::seed();
        i.help = "seed of the first image (unset: drawn when the run starts)";
        return i;
    }());
    s.add(
        &BatchConfig::seedPolicy,
        {.key = "seed-policy",
         .label = "Seed policy",
         .valueName = "P",
         .help =
             "fixed (every image the seed), increment (seed + n) or random (a sequence drawn from the seed)",
         .group = "Sampling",
         .choices = {"fixed", "increment", "random"}});
    s.add(&BatchConfig::width, [] {
        auto i = modelsettings::width();
        i.help = "stage-1 width, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)";
        return i;
    }());
    s.add(&BatchConfig::height, [] {
        auto i = modelsettings::height();
        i.help = "stage-1 height, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)";
        return i;
    }());
    s.add(
        &BatchConfig::sizes,
        {.key = "sizes",
         .label = "Sizes",
         .valueName = "LIST",
         .help = "stage-1 sizes to draw from per image: WxH, sdxl (the SDXL buckets), sd15 (SD 1.5 presets)",
         .group = "Size"},
        [](const BatchConfig& c) -> std::optional<std::string> {
            if (auto sizes = expandSizes(c.sizes); !sizes) return sizes.error().message;
            return std::nullopt;
        });
}

void addPoolSettings(spec::RequestSpec<BatchConfig>& s)
{
    s.add(&BatchConfig::prompt,
          {.key = "prompt",
           .label = "Prompt",
           .valueName = "TEXT",
           .help = "base prompt (prompt-file adds to it)",
           .group = "Prompt"});
    s.add(&BatchConfig::negative,
          {.key = "negative",
           .label = "Negative prompt",
           .valueName = "TEXT",
           .help = "negative prompt (negative-file adds to it)",
           .group = "Prompt"});
    s.add(&BatchConfig::promptFile,
          {.key = "prompt-file",
           .label = "Prompt file",
           .valueName = "FILE",
           .help = "base prompt file (lines joined with commas; # comments)",
           .group = "Prompt"},
          existing(&BatchConfig::promptFile, "prompt file"));
    s.add(&BatchConfig::negativeFile,
          {.key = "negative-file",
           .label = "Negative prompt file",
           .valueName = "FILE",
           .help = "negative prompt file",
           .group = "Prompt"},
          existing(&BatchConfig::negativeFile, "negative prompt file"));
    s.add(&BatchConfig::optionsFile,
          {.key = "options-file",
           .label = "Prompt options file",
           .valueName = "FILE",
           .help = "optional phrases, one per line; options-min..options-max of them are added per image",
           .group = "Prompt"},
          existing(&BatchConfig::optionsFile, "prompt options file"));
    s.add(&BatchConfig::optionsMin,
          {.key = "options-min",
           .label = "Fewest options",
           .valueName = "N",
           .help = "fewest optional phrases per image",
           .group = "Prompt",
           .min = 0,
           .max = 100});
    s.add(&BatchConfig::optionsMax,
          {.key = "options-max",
           .label = "Most options",
           .valueName = "N",
           .help = "most optional phrases per image",
           .group = "Prompt",
           .min = 0,
           .max = 100});
    s.add(&BatchConfig::loraDir,
          {.key = "lora-dir",
           .label = "LoRA folder",
           .valueName = "DIR",
           .help =
               "folder with character/ and style/ LoRAs (one of each drawn per image) and <lora:name> files",
           .group = "LoRA"},
          existing(&BatchConfig::loraDir, "LoRA folder", true));
    s.add(&BatchConfig::characterStrength,
          {.key = "character-strength",
           .label = "Character LoRA strength",
           .valueName = "S",
           .help = "strength of the drawn character LoRA",
           .group = "LoRA",
           .min = -10,
           .max = 10});
    s.add(&BatchConfig::styleStrength,
          {.key = "style-strength",
           .label = "Style LoRA strength",
           .valueName = "S",
           .help = "strength of the drawn style LoRA",
           .group = "LoRA",
           .min = -10,
           .max = 10});
}

void addStageSettings(spec::RequestSpec<BatchConfig>& s)
{
    s.add(&BatchConfig::stage1Refiner,
          {.key = "stage1-refiner",
           .label = "Refiner in stage 1",
           .help = "use the refiner in stage 1",
           .group = "Stage 1"});
    s.add(
        &BatchConfig::stage2,
        {.key = "stage2", .label = "Stage 2", .help = "run stage 2 (upscale + img2img)", .group = "Stage 2"});
    s.add(&BatchConfig::stage2Scale,
          {.key = "stage2-scale",
           .label = "Stage-2 scale",
           .valueName = "S",
           .help = "Lanczos upscale factor before the img2img pass",
           .group = "Stage 2",
           .min = 1,
           .max = 8});
    s.add(&BatchConfig::stage2Strength,
          {.key = "stage2-strength",
           .label = "Stage-2 strength",
           .valueName = "S",
           .help = "img2img strength of stage 2",
           .group = "Stage 2",
           .min = 0,
           .max = 1,
           .minExclusive = true});
    s.add(&BatchConfig::stage2Refiner,
          {.key = "stage2-refiner",
           .label = "Refiner in stage 2",
           .help = "use the refiner in stage 2",
           .group = "Stage 2"});
    s.add(&BatchConfig::stage3,
          {.key = "stage3",
           .label = "Stage 3",
           .help = "run stage 3 (ESRGAN + tiled refinement)",
           .group = "Stage 3"});
    s.add(&BatchConfig::upscaler,
          {.key = "upscaler",
           .label = "Upscaler weights",
           .valueName = "PATH",
           .help = "ESRGAN / Real-ESRGAN weights (.pth, .safetensors); empty: Lanczos",
           .group = "Stage 3"},
          existing(&BatchConfig::upscaler, "upscaler weights"));
    s.add(&BatchConfig::upscalerScale,
          {.key = "upscaler-scale",
           .label = "Upscaler scale",
           .valueName = "S",
           .help = "stage-3 output / input (0: the network's own scale; Lanczos 4)",
           .group = "Stage 3",
           .min = 0,
           .max = 16});
    s.add(&BatchConfig::upscalerTile,
          {.key = "upscaler-tile",
           .label = "Upscaler tile",
           .valueName = "PX",
           .help = "Real-ESRGAN tile in input pixels (0: the whole image at once)",
           .group = "Stage 3",
           .min = 0,
           .max = 8192});
    s.add(&BatchConfig::tileRefine,
          {.key = "tile-refine",
           .label = "Tiled refinement",
           .help = "refine the upscaled image with img2img on overlapping tiles",
           .group = "Stage 3"});
    s.add(&BatchConfig::tileSize,
          {.key = "tile-size",
           .label = "Tile size",
           .valueName = "PX",
           .help = "tile edge of the refinement, a multiple of 8",
           .group = "Stage 3",
           .min = 64,
           .max = 8192,
           .multipleOf = 8});
    s.add(&BatchConfig::tileOverlap,
          {.key = "tile-overlap",
           .label = "Tile overlap",
           .valueName = "PX",
           .help = "overlap of neighbouring tiles, blended",
           .group = "Stage 3",
           .min = 0,
           .max = 8192});
    s.add(&BatchConfig::tileBlend,
          {.key = "tile-blend",
           .label = "Tile blend",
           .valueName = "B",
           .help = "weights across an overlap: cosine or linear ramps",
           .group = "Stage 3",
           .choices = {"cosine", "linear"}});
    s.add(&BatchConfig::tileStrength,
          {.key = "tile-strength",
           .label = "Tile strength",
           .valueName = "S",
           .help = "img2img strength of each tile",
           .group = "Stage 3",
           .min = 0,
           .max = 1,
           .minExclusive = true});
    s.add(&BatchConfig::tileRefiner,
          {.key = "tile-refiner",
           .label = "Refiner on tiles",
           .help = "use the refiner for the tiles (loaded per tile)",
           .group = "Stage 3"});
}

void addOutputSettings(spec::RequestSpec<BatchConfig>& s)
{
    s.add(&BatchConfig::vaeTile, modelsettings::vaeTile(), [](const BatchConfig& c) {
        return modelsettings::checkVaeTile(c.vaeTile);
    });
    s.add(&BatchConfig::offload, modelsettings::offload());
    s.add(&BatchConfig::output,
          {.key = "output",
           .label = "Output folder",
           .valueName = "DIR",
           .help = "root of the output tree (stage1/, metadata/, final/, intermediates/)",
           .group = "Output"},
          [](const BatchConfig& c) -> std::optional<std::string> {
              if (c.output.empty()) return "Name the output folder (output: DIR or --output DIR).";
              return std::nullopt;
          });
    s.add(&BatchConfig::saveIntermediates,
          {.key = "save-intermediates",
           .label = "Save intermediates",
           .help = "keep the stage-2 and stage-3 images and the tiles under intermediates/",
           .group = "Output"});
    s.add(
        &BatchConfig::hdr,
        {.key = "hdr",
         .label = "HDR variant",
         .valueName = "M",
         .help =
             "also make an HDR of every final: none, brackets (exposure brackets) or gainmap (GM-Diffusion)",
         .group = "Output",
         .choices = {"none", "brackets", "gainmap"}});
    s.add(&BatchConfig::gmModel,
          {.key = "gm-model",
           .label = "Gain-map UNet",
           .valueName = "PATH",
           .help = "GM-Diffusion gain-map UNet (hdr: gainmap)",
           .group = "Output"},
          existing(&BatchConfig::gmModel, "gain-map UNet"));
    s.add(&BatchConfig::hdrStrength,
          {.key = "hdr-strength",
           .label = "HDR strength",
           .valueName = "S",
           .help = "img2img strength of the bracketed HDR run (hdr: brackets)",
           .group = "Output",
           .min = 0,
           .max = 1,
           .minExclusive = true});
    s.add(&BatchConfig::count,
          {.key = "count",
           .label = "Count",
           .valueName = "N",
           .help = "stage-1 images to make (0: until stopped; --once: 1)",
           .group = "Output",
           .min = 0,
           .max = 10000000});
    s.add(&BatchConfig::pollSeconds,
          {.key = "poll-seconds",
           .label = "Poll interval",
           .valueName = "S",
           .help = "continuous --upscale: seconds between looks for new stage-1 images",
           .group = "Output",
           .min = 1,
           .max = 86400});
}

spec::RequestSpec<BatchConfig> makeSpec()
{
    spec::RequestSpec<BatchConfig> s;
    addModelSettings(s);
    addSamplingSettings(s);
    addPoolSettings(s);
    addStageSettings(s);
    addOutputSettings(s);
    s.rule([](const BatchConfig& c) -> std::optional<std::string> {
        if (c.model.empty()) return "Name the model (model: PATH in the config, or --model PATH).";
        return std::nullopt;
    });
    s.rule([](const BatchConfig& c) -> std::optional<std::string> {
        if (c.tileOverlap >= c.tileSize) {
            return "Tile overlap (" + std::to_string(c.tileOverlap) +
                   ") must be smaller than the tile size (" + std::to_string(c.tileSize) + ").";
        }
        return std::nullopt;
    });
    s.rule([](const BatchConfig& c) -> std::optional<std::string> {
        if (c.optionsMin > c.optionsMax) {
            return "options-min (" + std::to_string(c.optionsMin) + ") must not exceed options-max (" +
                   std::to_string(c.optionsMax) + ").";
        }
        return std::nullopt;
    });
    s.rule([](const BatchConfig& c) -> std::optional<std::string> {
        if (c.hdr == "gainmap" && c.gmModel.empty()) {
            return "hdr: gainmap needs the gain-map UNet (gm-model: PATH).";
        }
        return std::nullopt;
    });
    return s;
}

} // namespace

const spec::RequestSpec<BatchConfig>& batchConfigSpec()
{
    static const spec::RequestSpec<BatchConfig> spec = makeSpec();
    return spec;
}

const std::vector<SharedKey>& generationKeys()
{
    static const std::vector<SharedKey> keys{
        {"model", "model"},
        {"model-config", "config"},
        {"tokenizer", "tokenizer"},
        {"dtype", "dtype"},
        {"device", "device"},
        {"threads", "threads"},
        {"prompt-style", "prompt-style"},
        {"clip-skip", "clip-skip"},
        {"refiner-switch", "refiner-switch"},
        {"aesthetic-score", "aesthetic-score"},
        {"negative-aesthetic-score", "negative-aesthetic-score"},
        {"sampler", "sampler"},
        {"steps", "steps"},
        {"cfg", "cfg"},
        {"width", "width"},
        {"height", "height"},
        {"vae-tile", "vae-tile"},
        {"offload", "offload"},
    };
    return keys;
}

core::Status validateBatchConfig(const BatchConfig& config)
{
    return batchConfigSpec().validate(config);
}

} // namespace hdr::batch
