#pragma once
// The one metadata record of a generated image, shared by every generation workflow (txt2img,
// exposure brackets, gain-map diffusion, batch stages): the DiffusionSettings it ran with (size
// resolved, seed = the seed of its batch) plus which image of the batch it is and the model's
// name and hash. Written as a JSON sidecar through generationParametersSpec() (the same keys as
// the CLI flags, camelCase) and as the A1111 infotext (A1111Infotext.h), and read back from either.
// Seeds: "seed" is the seed of the image's batch (request seed + batch-count index); batchSize
// and batchPosition say which image of that batch it is (batch elements share one noise draw).
#include "common/Error.h"
#include "generate/A1111Infotext.h" // IWYU pragma: export
#include "generate/DiffusionSettings.h"
#include "generate/ModelHash.h" // IWYU pragma: export

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

struct GenerationParameters : DiffusionSettings {
    GenerationParameters() = default; // not an aggregate: GCC 12 misreads aggregate init of a base
    int batchSize = 1, batchPosition = 0;
    std::string modelName;     // file or folder name (A1111 "Model")
    std::string modelHash;     // AutoV2: first 10 hex digits of SHA-256 (empty: unknown)
    bool imageToImage = false; // strength applies (A1111 writes "Denoising strength" then)
};

const spec::RequestSpec<GenerationParameters>& generationParametersSpec();

// The record of settings `s` as run: width/height resolved for the architecture.
GenerationParameters parametersOf(const DiffusionSettings& s, bool sdxl);

// JSON sidecar: the spec's keys plus "parameters" (the A1111 infotext), pretty-printed.
nlohmann::json metadataJson(const GenerationParameters& p);
std::string toJson(const GenerationParameters& p);
// Reads a sidecar: the spec's keys when present, otherwise its "parameters" infotext.
core::Result<GenerationParameters> parametersFromJson(std::string_view text);

// Reads the parameters of an image (its "parameters" PNG text chunk / EXR attribute, or a JSON
// sidecar) or a text/JSON file holding them.
core::Result<GenerationParameters> readParametersFrom(const std::filesystem::path& path);

// A prompt/negative/image argument: the non-empty lines of a text file when `value` names one,
// otherwise the string itself. For images, an existing image file is the single entry.
std::vector<std::string> expandListArgument(const std::string& value, bool isImageArgument);

} // namespace hdr::diffusion
