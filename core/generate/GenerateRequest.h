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
#include "generate/DiffusionSettings.h"
#include "generate/GenerationMetadata.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct GenerateRequest : DiffusionSettings {
    GenerateRequest() = default; // not an aggregate: GCC 12 misreads aggregate init of a base
    int batchSize = 1, batchCount = 1;
    std::string modelHash; // precomputed AutoV2 hash; empty = computed once per generate() call
    std::function<void(const std::string&)> log; // LoRA reports and other notes (may be empty)
};

// The diffusion settings plus --batch and --batch-count.
const spec::RequestSpec<GenerateRequest>& generateRequestSpec();

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

// A request that reproduces `p` (its batch at its seed): the settings come from `p`; the model,
// config and tokenizer folders, dtype, device and threads from `base`, and so do its LoRAs and init
// image when it has any (the record's paths may be from another machine).
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
