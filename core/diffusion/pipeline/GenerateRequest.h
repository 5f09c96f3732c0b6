#pragma once
// Torch-free entry point for txt2img / img2img (`hdrstudio-cli generate`, the GUI): loads the
// model, applies LoRAs (restored afterwards), encodes the prompts, runs the sampler (Pipeline.h)
// batch by batch and decodes the images. Seeds: batch j of batchCount uses seed + j; the
// batchSize images of one batch are drawn together from one generator, as diffusers draws
// randn([batchSize, 4, h/8, w/8]) (reference/diffusion.md §5; oracle README gotchas 13-15).
// Progress and a latent preview go to the JobContext every step; cancellation is checked every
// step: generate() then fails with Cancelled, and images already delivered through the callback
// stay valid.
#include "common/Error.h"
#include "common/JobContext.h"
#include "diffusion/lora/LoraSpec.h"
#include "diffusion/pipeline/GenerationMetadata.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct GenerateRequest {
    std::filesystem::path modelPath;
    std::filesystem::path configDir;    // configs for single-file checkpoints
    std::filesystem::path tokenizerDir; // tokenizer for single-file checkpoints
    std::string prompt;
    std::optional<std::string> negative;
    std::filesystem::path initImage; // img2img input (empty: txt2img)
    double strength = 0.75;
    int steps = 20;
    double cfg = 7.0;
    std::uint64_t seed = 0;
    std::string sampler = "euler";
    // Multiples of 8; 0 = the architecture's native size (512 SD 1.5, 1024 SDXL). img2img: the
    // input's size rounded down to multiples of 8 instead.
    int width = 0, height = 0;
    int batchSize = 1, batchCount = 1;
    std::vector<LoraSpec> loras;
    std::string dtype = "fp32"; // fp32 | bf16 | fp16
    std::string device = "cpu";
    int threads = 0; // torch threads (0 = all cores)
    // Tiled VAE decode: tile edge in image pixels, a multiple of 8 (0 = one piece). Lowers the
    // decode's memory peak; pixels near the blended seams differ slightly. Recorded as metadata.
    int vaeTile = 0;
    std::string promptStyle = "a1111"; // a1111 | diffusers
    int clipSkip = 0;                  // diffusers clip_skip (A1111 "Clip skip 2" = 1)
    // SDXL micro-conditioning in pixels; unset = diffusers' defaults (the output size, 0,0).
    std::optional<std::array<int, 2>> originalSize; // width, height
    std::optional<std::array<int, 2>> cropTopLeft;  // top, left
    std::optional<std::array<int, 2>> targetSize;   // width, height
    std::string modelHash; // precomputed AutoV2 hash; empty = computed once per generate() call
    std::function<void(const std::string&)> log; // LoRA reports and other notes (may be empty)
};

struct GeneratedImage {
    int width = 0, height = 0;
    // Display-referred sRGB values in [0, 1], RGB interleaved, rows top to bottom (the VAE output
    // as diffusers returns it; NOT scene-linear, so not an ImageF: decode with the sRGB transfer
    // to get one, see displayToLinearImage()).
    std::vector<float> srgb;
    // Final latents of this image before the VAE, in UNet space, float32 [1, 4, h/8, w/8].
    std::vector<float> latents;
    std::array<std::int64_t, 4> latentShape{};
    GenerationParameters parameters;
    int batchIndex = 0; // j of batchCount
};
using GeneratedImageCallback = std::function<void(const GeneratedImage&)>;

core::Result<std::vector<GeneratedImage>>
generate(const GenerateRequest& request, core::JobContext& job, const GeneratedImageCallback& onImage = {});

// The same on a model that is already open (request.modelPath is then only used for the
// metadata and the hash); LoRAs are merged into it for this call and restored before returning.
class StableDiffusionModel;
core::Result<std::vector<GeneratedImage>> generate(const GenerateRequest& request,
                                                   StableDiffusionModel& model,
                                                   core::JobContext& job,
                                                   const GeneratedImageCallback& onImage = {});

// A request that reproduces `p` (its batch at its seed); paths and dtype come from `base`.
GenerateRequest requestFromParameters(const GenerationParameters& p, const GenerateRequest& base);

// Output files of one image in `directory`: "<NNNNN>-<seed>.png|.exr" + ".json" sidecar, numbered
// past every existing file (never overwrites). PNG: 8-bit sRGB with the "parameters" text chunk;
// EXR: float, linearised sRGB (Rec.709 primaries), no 8-bit quantisation, parameters as string
// attribute. Returns the written paths.
core::Result<std::vector<std::filesystem::path>> writeGeneratedImage(const GeneratedImage& image,
                                                                     const std::filesystem::path& directory,
                                                                     const std::string& format);

// One safetensors file with one tensor "latents" [N, 4, h/8, w/8] float32 (all images, in order).
core::Status writeLatentsFile(const std::vector<GeneratedImage>& images, const std::filesystem::path& path);

} // namespace hdr::diffusion
