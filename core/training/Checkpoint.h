#pragma once

#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace hdr::training {

// A checkpoint is a libtorch archive (torch::serialize::OutputArchive, what torch::save writes):
//   "model"      nested archive: every parameter and buffer by its dotted name, float32 on CPU
//   "optimizer"  nested archive: the optimizer's state (moments, step counts), when saved
//   "metadata"   a JSON string: {"format": "hdrstudio-checkpoint", "version": 1, "epoch",
//                "next_batch", "global_step", "best", ..., "model": {tile, overlap, scale_hdr,
//                alpha_loss, notes, architecture}, "config": {all options}}
// Writes go through core::AtomicOutputFile: a crash (even kill -9) mid-write leaves the previous
// file intact, never a torn checkpoint.
inline constexpr const char* kCheckpointFormat = "hdrstudio-checkpoint";

core::Status saveCheckpoint(const std::filesystem::path& path,
                            torch::nn::Module& model,
                            torch::optim::Optimizer* optimizer,
                            const nlohmann::json& metadata);

// Loads the weights into `model` (names and shapes must match: a mismatch names the tensor) and,
// when given and present, the optimizer state. Returns the metadata.
core::Result<nlohmann::json> loadCheckpoint(const std::filesystem::path& path,
                                            torch::nn::Module& model,
                                            torch::optim::Optimizer* optimizer);

// Only the metadata (for `itm infer` to build the right network before loading the weights).
core::Result<nlohmann::json> readCheckpointMetadata(const std::filesystem::path& path);

// The same file without the optimizer state (what ships: a third of the size with Adam).
core::Status
exportWeightsOnly(const std::filesystem::path& from, const std::filesystem::path& to, bool overwrite);

} // namespace hdr::training
