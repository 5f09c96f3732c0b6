#pragma once
// Generation parameters as image metadata (torch-free): the A1111 "parameters" infotext, a JSON
// sidecar, and the model hash. Format, quoting and parse rules follow
// ../shared/reference/diffusion.md §5.4 (A1111 modules/processing.py::create_infotext and
// infotext_utils.py::parse_generation_parameters):
//   <prompt>\nNegative prompt: <negative>\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, ...
// A value is written JSON-quoted when it contains ',', ':' or '\n'. Keys we add that A1111 does
// not know ("Prompt style", "LoRA", "Original size", ...) are ignored by other readers.
// Seeds: "Seed" is the seed of the image's batch (request seed + batch-count index); "Batch size"
// and "Batch pos" say which image of that batch it is (batch elements share one noise draw).
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

struct GenerationParameters {
    std::string prompt;
    std::optional<std::string> negative; // nullopt: none given
    std::uint64_t seed = 0;
    std::string sampler = "euler"; // our short name (scheduling/SchedulerConfig.h)
    int steps = 20;
    double cfg = 7.0;
    int width = 512, height = 512;
    int batchSize = 1, batchPosition = 0;
    std::string modelName;          // file or folder name
    std::string modelHash;          // AutoV2: first 10 hex digits of SHA-256 (empty: unknown)
    std::vector<std::string> loras; // "path:strength" (formatLoraSpec)
    std::string promptStyle = "a1111";
    int clipSkip = 0;               // diffusers clip_skip (A1111 "Clip skip" = this + 1)
    int vaeTile = 0;                // tiled VAE decode, tile edge in pixels (0: one piece)
    std::optional<double> strength; // img2img denoising strength
    std::string initImage;          // img2img input path (our key; A1111 does not store it)
    std::optional<std::string> originalSize, cropTopLeft, targetSize; // SDXL "WxH", "T,L"
};

// The A1111 infotext (for the PNG "parameters" text chunk).
std::string formatA1111Parameters(const GenerationParameters& p);
// Reads an A1111 infotext (ours or another tool's). Unknown keys are ignored; sampler display
// names ("Euler a", "DPM++ 2M" + "Schedule type: Karras") map back to our names.
// Errors: no parameters line (fewer than 3 "Key: value" entries on the last line).
core::Result<GenerationParameters> parseA1111Parameters(std::string_view text);

std::string toJson(const GenerationParameters& p);
core::Result<GenerationParameters> parametersFromJson(std::string_view text);

// Reads the parameters of an image (its "parameters" PNG text chunk, or a JSON sidecar) or a
// text/JSON file holding them.
core::Result<GenerationParameters> readParametersFrom(const std::filesystem::path& path);

// AutoV2 hash: the first 10 hex digits of the SHA-256 of the file (a folder: of its UNet weight
// files in name order, our convention). Reads the whole file.
core::Result<std::string> modelHash(const std::filesystem::path& modelPath);
std::string sha256Hex(std::string_view bytes); // for tests

// A prompt/negative/image argument: the non-empty lines of a text file when `value` names one,
// otherwise the string itself. For images, an existing image file is the single entry.
std::vector<std::string> expandGenerateList(const std::string& value, bool isImageArgument);

} // namespace hdr::diffusion
