#pragma once
// Finding and opening the files of a Stable Diffusion model, without loading any weights:
//  - a single-file checkpoint (.safetensors with LDM names; pickled .ckpt/.pt/.bin are refused:
//    they can run code when unpickled, so we ask for a safetensors conversion instead),
//  - a diffusers folder (model_index.json; unet/ vae/ text_encoder/ text_encoder_2/ with config.json
//    and diffusion_pytorch_model[.fp16].safetensors / model[.fp16].safetensors, or sharded
//    *.safetensors.index.json; tokenizer/ tokenizer_2/ scheduler/),
//  - a flat folder (unet.safetensors + unet_config.json, ... side by side: the oracle's tiny models).
// Every tensor of the model is indexed under its diffusers/transformers name per component; for
// single files the index carries the LDM->diffusers transform (LdmConversion.h). Torch-free.
#include "common/Error.h"
#include "diffusion/model/LdmConversion.h"
#include "diffusion/model/ModelTypes.h"
#include "tensorfile/Safetensors.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hdr::diffusion {

// Where one diffusers-named tensor lives (and how to turn the stored tensor into it).
struct TensorRef {
    std::shared_ptr<SafetensorsFile> file;
    const SafetensorsEntry* entry = nullptr; // owned by file
    TensorTransform transform = TensorTransform::Identity;
    int part = 0;

    TensorShape shape() const { return transformedShape(entry->shape, transform); }
    TensorDType dtype() const { return entry->dtype; }
};
using TensorIndex = std::map<std::string, TensorRef>;

struct ComponentFiles {
    TensorIndex tensors;                            // diffusers names
    std::filesystem::path configFile;               // empty: the preset of the detected architecture
    std::vector<std::filesystem::path> weightFiles; // the files the tensors come from
};

struct ModelOpenOptions {
    // Configs (and tokenizer/scheduler when the model has none) for single-file checkpoints: a
    // diffusers or flat folder of the same family. Needed when the checkpoint is not full-size.
    std::filesystem::path configDir;
    // vocab.json + merges.txt: a tokenizer folder, or a folder with tokenizer/ and tokenizer_2/.
    std::filesystem::path tokenizerDir;
    bool preferFp16Variant = false; // diffusers: *.fp16.safetensors when both variants exist
};

struct ModelFiles {
    std::filesystem::path path;
    ModelLayout layout = ModelLayout::SingleFile;
    ModelArch arch = ModelArch::SD15;
    std::map<Component, ComponentFiles> components;
    std::filesystem::path tokenizerDir;      // empty when absent (see notes)
    std::filesystem::path tokenizer2Dir;     // SDXL
    std::filesystem::path schedulerConfig;   // empty: the preset of the architecture
    LdmLayout ldmLayout;                     // single file: the numbering used for the conversion
    std::vector<std::string> ignoredKeys;    // single file: EMA copies, schedule buffers, position_ids
    std::vector<std::string> unexpectedKeys; // single file: tensors we could not place
    std::vector<std::string> notes;          // e.g. missing tokenizer, and what to pass instead
    // A model folder whose shared_components.json names a sibling folder that provides the
    // components this one lacks (the VAE and text encoder an SDXL refiner shares with its base).
    std::filesystem::path componentDonor;
};

core::Result<ModelFiles> openModelFiles(const std::filesystem::path& path,
                                        const ModelOpenOptions& options = {});

// Reads a small JSON/text file (configs, indexes) with a size cap; error names the file.
core::Result<std::string> readSmallTextFile(const std::filesystem::path& path,
                                            std::uintmax_t maxBytes = 64u << 20);

// The config file of `component` in a diffusers folder (unet/config.json) or a flat folder
// (unet_config.json); empty when neither exists.
std::filesystem::path findComponentConfig(const std::filesystem::path& dir, Component component);

// Built-in configs (diffusers JSON) for the real SD 1.5 / SDXL base schedulers.
std::string presetSchedulerConfig(ModelArch arch);

} // namespace hdr::diffusion
