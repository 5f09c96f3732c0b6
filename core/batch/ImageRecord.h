#pragma once
// The metadata record of a batch image, metadata/<stem>.json (OutputTree.h), which the gallery
// (core/catalog) reads:
//   stage 1: {"stage": "stage1", "image": "stage1/<file>", "stamp", "parameters": <the generation
//             record, generate's metadata JSON>, "loras": [{"kind", "name", "path", "strength",
//             "trigger"}], "promptOptions": [...], "config": {every batch setting}, "finals": []}
//   final:   {"stage": "final", "image": "final/<file>", "source": "stage1/<file>", "stamp",
//             "parameters", "loras", "promptOptions", "config", "stages": {what stages 2 and 3
//             did}, "intermediates": [...], "hdr": [...]}
// Paths inside the tree are relative to its root, '/'-separated.
#include "batch/LoraChoice.h"
#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::batch {

struct ImageRecord {
    std::string stage; // "stage1" | "final"
    std::string image;
    std::string source; // final: the stage-1 image it came from
    std::string stamp;
    nlohmann::json parameters = nlohmann::json::object();
    std::vector<LoraChoice> loras;
    std::vector<std::string> promptOptions;
    nlohmann::json config = nlohmann::json::object();
    nlohmann::json stages = nlohmann::json::object(); // final only
    std::vector<std::string> intermediates;           // final only
};

nlohmann::json recordJson(const ImageRecord& record);
// Pretty-printed with a final newline; invalid UTF-8 in prompts becomes U+FFFD.
std::string recordText(const ImageRecord& record);

// Reads a record back (what the upscale pass needs from a stage-1 record): stage, image, source,
// stamp, parameters, loras, promptOptions, config. Errors name the file.
core::Result<ImageRecord> readImageRecord(const std::filesystem::path& json);
core::Result<ImageRecord> parseImageRecord(std::string_view text, const std::string& where);

} // namespace hdr::batch
