#pragma once
// The settings every diffusion request shares (txt2img, exposure brackets, gain-map diffusion, the
// batch stages), described once in diffusionSettingsSpec(): CLI flags, GUI controls, validation
// and the metadata record all come from there. Defaults are the member initialisers below; a
// request type may change them in its constructor (BracketedRequest: sd-hdr's defaults).
// Sizes are pixels; 0 means the architecture's native size (512 SD 1.5, 1024 SDXL).
#include "diffusion/lora/LoraSpec.h"
#include "spec/RequestSpec.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hdr::core {
class ImageF;
}

namespace hdr::diffusion {

struct DiffusionSettings {
    // Model
    std::filesystem::path model;        // single .safetensors, diffusers folder or flat folder
    std::filesystem::path configDir;    // configs for single-file checkpoints
    std::filesystem::path tokenizerDir; // tokenizer for single-file checkpoints
    std::string dtype = "fp32";         // fp32 | bf16 | fp16
    std::string device = "cpu";         // cpu | cuda | cuda:N
    int threads = 0;                    // torch threads (0 = all cores)
    // Prompt
    std::string prompt;
    std::optional<std::string> negative; // nullopt: none given
    std::string promptStyle = "a1111";   // a1111 (emphasis, BREAK, long prompts) | diffusers
    int clipSkip = 0;                    // diffusers clip_skip (A1111 "Clip skip 2" = 1)
    std::vector<LoraSpec> loras;         // merged for the run, restored afterwards
    // <lora:name:weight> tags in the prompt are looked up here; with loraPool, one LoRA of
    // loraDir/character and one of loraDir/style are drawn by the seed (PromptLoras.h).
    std::filesystem::path loraDir;
    bool loraPool = false;
    // Sampling
    std::string sampler = "euler";
    int steps = 20;
    double cfg = 7.0; // <= 1: no unconditional pass
    std::uint64_t seed = 0;
    // Size (pixels, multiples of 8; 0 = native). img2img: the input's size wins.
    int width = 0, height = 0;
    // SDXL micro-conditioning in pixels; unset = diffusers' defaults (the output size, 0,0).
    std::optional<std::array<int, 2>> originalSize; // width, height
    std::optional<std::array<int, 2>> cropTopLeft;  // top, left
    std::optional<std::array<int, 2>> targetSize;   // width, height
    // The unconditional pass's values (diffusers negative_*); unset: as diffusers defaults them.
    std::optional<std::array<int, 2>> negativeOriginalSize; // width, height
    std::optional<std::array<int, 2>> negativeCropTopLeft;  // top, left
    std::optional<std::array<int, 2>> negativeTargetSize;   // width, height
    // SDXL refiner: the aesthetic-score conditioning of the two passes (diffusers' defaults).
    double aestheticScore = 6.0;
    double negativeAestheticScore = 2.5;
    // SDXL refiner (generate and the batch stages): the base hands its latents over after
    // refinerSwitch of the schedule (diffusers denoising_end / A1111 "Refiner switch at").
    std::filesystem::path refiner; // empty: no refiner
    double refinerSwitch = 0.8;
    // Image to image
    std::filesystem::path initImage; // empty: text to image
    // In-memory init image instead of a file (the batch stages and tiled refinement): display-
    // referred sRGB values in [0, 1], RGB, any size (cropped to multiples of 8). Not a setting:
    // no flag, no JSON; the record says "(in memory)".
    std::shared_ptr<const core::ImageF> initPixels;
    double strength = 0.75; // the fraction of the schedule that re-noises the input
    // Memory
    int vaeTile = 0;      // tiled VAE decode: tile edge in pixels, multiple of 8 (0 = one piece)
    bool offload = false; // free the text encoders (and the UNet) once they are not needed
};

// Keys (= CLI flags, camelCase in JSON): model config tokenizer dtype device threads prompt negative
// prompt-style clip-skip lora lora-dir lora-pool sampler steps cfg seed width height original-size
// crop-top-left target-size negative-original-size negative-crop-top-left negative-target-size
// aesthetic-score negative-aesthetic-score refiner refiner-switch image strength vae-tile offload.
const spec::RequestSpec<DiffusionSettings>& diffusionSettingsSpec();

// The size a request runs at: width/height, or the architecture's native size where 0.
int resolvedWidth(const DiffusionSettings& settings, bool sdxl);
int resolvedHeight(const DiffusionSettings& settings, bool sdxl);

} // namespace hdr::diffusion
