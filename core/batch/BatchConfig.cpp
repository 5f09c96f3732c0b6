#include "batch/BatchConfig.h"

#include "batch/SizePresets.h"

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
    s.add(&BatchConfig::model,
          {.key = "model",
           .label = "Model",
           .valueName = "PATH",
           .help = "SD 1.5 / SDXL model: .safetensors, diffusers folder or flat folder",
           .group = "Model"},
          existing(&BatchConfig::model, "model"));
    s.add(&BatchConfig::modelConfig,
          {.key = "model-config",
           .label = "Model configs",
           .valueName = "DIR",
           .help = "configs for a single-file checkpoint (generate's --config)",
           .group = "Model"},
          existing(&BatchConfig::modelConfig, "model config folder", true));
    s.add(&BatchConfig::tokenizerDir,
          {.key = "tokenizer",
           .label = "Tokenizer",
           .valueName = "DIR",
           .help = "tokenizer for a single-file checkpoint",
           .group = "Model"},
          existing(&BatchConfig::tokenizerDir, "tokenizer folder", true));
    s.add(&BatchConfig::dtype,
          {.key = "dtype",
           .label = "Precision",
           .valueName = "T",
           .help = "fp32, bf16 or fp16",
           .group = "Model",
           .choices = {"fp32", "bf16", "fp16"}});
    s.add(
        &BatchConfig::device,
        {.key = "device", .label = "Device", .valueName = "D", .help = "cpu or cuda[:N]", .group = "Model"});
    s.add(&BatchConfig::threads,
          {.key = "threads",
           .label = "Threads",
           .valueName = "N",
           .help = "torch threads (0: all cores)",
           .group = "Model",
           .min = 0,
           .max = 1024});
    s.add(&BatchConfig::promptStyle,
          {.key = "prompt-style",
           .label = "Prompt style",
           .valueName = "S",
           .help = "a1111 (emphasis, BREAK, long prompts) or diffusers",
           .group = "Prompt",
           .choices = {"a1111", "diffusers"}});
    s.add(&BatchConfig::clipSkip,
          {.key = "clip-skip",
           .label = "Clip skip",
           .valueName = "N",
           .help = "text encoder layers to skip (diffusers clip_skip)",
           .group = "Prompt",
           .min = 0,
           .max = 10});
    s.add(&BatchConfig::refiner,
          {.key = "refiner",
           .label = "Refiner",
           .valueName = "PATH",
           .help = "SDXL refiner that finishes the schedule (empty: none)",
           .group = "Refiner"},
          existing(&BatchConfig::refiner, "refiner"));
    s.add(&BatchConfig::refinerSwitch,
          {.key = "refiner-switch",
           .label = "Refiner switch at",
           .valueName = "F",
           .help = "fraction of the schedule the base model runs before the refiner",
           .group = "Refiner",
           .min = 0.01,
           .max = 0.99});
    s.add(&BatchConfig::aestheticScore,
          {.key = "aesthetic-score",
           .label = "Aesthetic score",
           .valueName = "S",
           .help = "SDXL refiner aesthetic-score conditioning",
           .group = "Refiner",
           .min = 0,
           .max = 10});
    s.add(&BatchConfig::negativeAestheticScore,
          {.key = "negative-aesthetic-score",
           .label = "Negative aesthetic score",
           .valueName = "S",
           .help = "SDXL refiner aesthetic score of the unconditional pass",
           .group = "Refiner",
           .min = 0,
           .max = 10});
}

void addSamplingSettings(spec::RequestSpec<BatchConfig>& s)
{
    s.add(&BatchConfig::sampler,
          {.key = "sampler",
           .label = "Sampler",
           .valueName = "NAME",
           .help = "sampler name as for generate (euler, euler_a, dpmpp_2m_karras, ...)",
           .group = "Sampling"});
    s.add(&BatchConfig::steps,
          {.key = "steps",
           .label = "Steps",
           .valueName = "N",
           .help = "denoising steps",
           .group = "Sampling",
           .min = 1,
           .max = 1000});
    s.add(&BatchConfig::cfg,
          {.key = "cfg",
           .label = "CFG scale",
           .valueName = "S",
           .help = "classifier-free guidance scale",
           .group = "Sampling",
           .min = 0,
           .max = 100});
    s.add(&BatchConfig::seed,
          {.key = "seed",
           .label = "Seed",
           .valueName = "N",
           .help = "seed of the first image (unset: drawn when the run starts)",
           .group = "Sampling"});
    s.add(
        &BatchConfig::seedPolicy,
        {.key = "seed-policy",
         .label = "Seed policy",
         .valueName = "P",
         .help =
             "fixed (every image the seed), increment (seed + n) or random (a sequence drawn from the seed)",
         .group = "Sampling",
         .choices = {"fixed", "increment", "random"}});
    s.add(&BatchConfig::width,
          {.key = "width",
           .label = "Width",
           .valueName = "W",
           .help = "stage-1 width, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)",
           .group = "Size",
           .min = 0,
           .max = 8192,
           .multipleOf = 8});
    s.add(&BatchConfig::height,
          {.key = "height",
           .label = "Height",
           .valueName = "H",
           .help = "stage-1 height, a multiple of 8 (0: the model's native size)",
           .group = "Size",
           .min = 0,
           .max = 8192,
           .multipleOf = 8});
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
    s.add(&BatchConfig::vaeTile,
          {.key = "vae-tile",
           .label = "VAE tile",
           .valueName = "PX",
           .help = "decode the VAE in tiles of PX pixels, a multiple of 8 (0: one piece)",
           .group = "Memory",
           .min = 0,
           .max = 8192,
           .multipleOf = 8},
          [](const BatchConfig& c) -> std::optional<std::string> {
              if (c.vaeTile != 0 && c.vaeTile < 64)
                  return "VAE tile must be 0 (one piece) or at least 64 pixels.";
              return std::nullopt;
          });
    s.add(&BatchConfig::offload,
          {.key = "offload",
           .label = "Free models when done",
           .help = "free the text encoders (and the UNet before decoding) once not needed",
           .group = "Memory"});
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
