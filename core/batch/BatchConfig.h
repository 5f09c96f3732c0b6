#pragma once
// Every setting of a batch run (docs/batch.md), described once in batchConfigSpec(): the YAML
// config file (BatchConfigYaml.h), the `hdrstudio-cli batch` flags that override it and the
// "config" record in each image's metadata all use the same keys. The generation settings use the
// keys of `hdrstudio-cli generate` (model, sampler, steps, cfg, width, vae-tile, ...) so a value
// moves between the two unchanged; only the checkpoint config folder is "model-config" here,
// because --config names the YAML file. Defaults are the member initialisers below.
#include "common/Error.h"
#include "spec/RequestSpec.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hdr::batch {

struct BatchConfig {
    // Model (generate's keys)
    std::filesystem::path model;        // SD 1.5 / SDXL: single file, diffusers folder or flat folder
    std::filesystem::path modelConfig;  // generate --config: configs for single-file checkpoints
    std::filesystem::path tokenizerDir; // generate --tokenizer
    std::string dtype = "fp32";
    std::string device = "cpu";
    int threads = 0;
    std::string promptStyle = "a1111";
    int clipSkip = 0;
    std::filesystem::path refiner; // SDXL refiner; empty: none
    double refinerSwitch = 0.8;
    double aestheticScore = 6.0, negativeAestheticScore = 2.5;
    // Sampling
    std::string sampler = "euler";
    int steps = 20;
    double cfg = 7.0;
    std::optional<std::uint64_t> seed;    // the first image's seed; unset: drawn when the run starts
    std::string seedPolicy = "increment"; // fixed | increment | random (SeedPolicy.h)
    // Size: width/height (0: the model's native size), or `sizes` to draw one per image
    int width = 0, height = 0;
    std::vector<std::string> sizes; // "WxH", "sdxl" (the SDXL buckets), "sd15" (SD 1.5 presets)
    // Prompt pool (PromptPool.h)
    std::string prompt;
    std::optional<std::string> negative;
    std::filesystem::path promptFile, negativeFile, optionsFile;
    int optionsMin = 0, optionsMax = 5;
    // LoRA pool (LoraPool.h): <loraDir>/character and <loraDir>/style
    std::filesystem::path loraDir;
    double characterStrength = 1.0, styleStrength = 0.85;
    // Stage 1 (txt2img)
    bool stage1Refiner = true;
    // Stage 2: Lanczos upscale by stage2Scale, then img2img at stage2Strength
    bool stage2 = true;
    double stage2Scale = 2.0;
    double stage2Strength = 0.25;
    bool stage2Refiner = true;
    // Stage 3: ESRGAN (or Lanczos without weights), then tiled img2img refinement
    bool stage3 = true;
    std::filesystem::path upscaler; // empty: Lanczos
    double upscalerScale = 0.0;     // 0: the network's own scale (Lanczos: 4)
    int upscalerTile = 512;         // Real-ESRGAN tile in input pixels (0: whole image)
    bool tileRefine = true;
    int tileSize = 2048, tileOverlap = 256;
    std::string tileBlend = "cosine"; // cosine | linear
    double tileStrength = 0.4;
    bool tileRefiner = false;
    // Memory (generate's keys)
    int vaeTile = 0;
    bool offload = false;
    // Output
    std::filesystem::path output = "batch-output";
    bool saveIntermediates = true;
    std::string hdr = "none";      // none | brackets | gainmap: an HDR variant of every final
    std::filesystem::path gmModel; // the gain-map UNet for hdr: gainmap
    double hdrStrength = 0.3;      // hdr: brackets: img2img strength of the bracketed run
    int count = 0;                 // stage-1 images per run (0: until stopped; --once: 1)
    int pollSeconds = 10;          // continuous --upscale: how often to look for new images
};

// Keys: model model-config tokenizer dtype device threads prompt-style clip-skip refiner
// refiner-switch aesthetic-score negative-aesthetic-score sampler steps cfg seed seed-policy width
// height sizes prompt negative prompt-file negative-file options-file options-min options-max
// lora-dir character-strength style-strength stage1-refiner stage2 stage2-scale stage2-strength
// stage2-refiner stage3 upscaler upscaler-scale upscaler-tile tile-refine tile-size tile-overlap
// tile-blend tile-strength tile-refiner vae-tile offload output save-intermediates hdr gm-model
// hdr-strength count poll-seconds.
const spec::RequestSpec<BatchConfig>& batchConfigSpec();

// The settings shared with `generate`: {batch key, generate key} (the runner copies them by name).
struct SharedKey {
    const char* batchKey;
    const char* generateKey;
};
const std::vector<SharedKey>& generationKeys();

// Every problem of `config` (ranges, choices, the rules across settings) as InvalidArgument.
core::Status validateBatchConfig(const BatchConfig& config);

} // namespace hdr::batch
