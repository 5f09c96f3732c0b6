#pragma once
// What the images of one batch run share (internal to hdr_batch): the settings, the output tree,
// the open model, its hash (computed once: hashing a checkpoint reads all of it) and the
// config record every metadata file carries.
#include "batch/BatchConfig.h"
#include "batch/OutputTree.h"
#include "common/ShareOfJob.h"
#include "generate/GenerateRequest.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hdr::diffusion {
class StableDiffusionModel;
}

namespace hdr::batch {

struct BatchSession {
    const BatchConfig& config;
    OutputTree& tree;
    diffusion::StableDiffusionModel& model;
    std::string modelHash;
    nlohmann::json configRecord;                    // batchConfigSpec().toJson(config)
    std::vector<std::filesystem::path> loraFolders; // where <lora:name> tags are looked up
    std::function<void(const std::string&)> log;    // may be empty
};

// The config's generation settings as a generate request: the shared keys (generationKeys())
// copied by name through both specs, so the two stay one vocabulary. Prompt, seed, LoRAs, size,
// refiner and init image are the caller's.
core::Result<diffusion::GenerateRequest> generationRequestOf(const BatchConfig& config);

// The folders <lora:name> tags are resolved in: lora-dir, then its character/ and style/.
std::vector<std::filesystem::path> promptLoraFolders(const BatchConfig& config);

using core::ShareOfJob;

} // namespace hdr::batch
