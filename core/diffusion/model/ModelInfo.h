#pragma once
// Torch-free description of a model for the CLI (`hdrstudio-cli model-info`): architecture,
// layout, per component the tensors and their dtypes, and every missing / unexpected /
// wrong-shaped tensor compared with the network its config describes (checked on the meta device,
// nothing is loaded).
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct ComponentInfo {
    std::string name;                    // "unet", "vae", "text_encoder", "text_encoder_2"
    std::string config;                  // config file, or "built-in sd15/sdxl preset"
    std::vector<std::string> files;      // weight files
    std::int64_t tensors = 0;            // diffusers-named tensors found
    std::int64_t parameters = 0;         // elements of those tensors
    std::int64_t expectedParameters = 0; // elements of the network the config describes
    std::vector<std::string> dtypes;     // "F16", "F32", ...
    std::vector<std::string> missing, unexpected, shapeMismatches;
};

struct ModelInfo {
    std::string path;
    std::string arch;   // "sd15" / "sdxl"
    std::string layout; // "single-file" / "diffusers" / "flat"
    std::vector<ComponentInfo> components;
    std::string tokenizer, tokenizer2;       // folders, empty when absent
    std::string scheduler;                   // config file or "built-in preset"
    std::vector<std::string> ignoredKeys;    // single file: tensors skipped on purpose
    std::vector<std::string> unexpectedKeys; // single file: tensors no component takes
    std::vector<std::string> notes;

    // One sentence why the model cannot be used as it is; empty when it can.
    std::string problem() const;
    std::string toJson() const;
};

struct ModelInfoOptions {
    std::filesystem::path tokenizerDir;
    std::filesystem::path configDir;
};

// Errors: unreadable/unsupported files and folders (the message says why). A model that opens but
// does not match its configs comes back with the lists filled and problem() non-empty.
core::Result<ModelInfo> inspectModel(const std::filesystem::path& path, const ModelInfoOptions& options = {});

} // namespace hdr::diffusion
