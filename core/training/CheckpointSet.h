#pragma once

#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace hdr::training {

// The checkpoints of one run folder (runlog::RunPaths::checkpoints()):
//   latest.pt             refreshed at every epoch end (and on a stop request, mid-epoch)
//   ckpt_eXXX_best.pt     each time the validation loss improved
//   best.pt               a hard link to the newest ckpt_eXXX_best.pt (a copy where links fail)
//   index.json            {"latest": {...}, "best": {...}, "checkpoints": [{file, epoch, loss, kind}]}
// Every file is replaced atomically, index.json last, so after a kill -9 each name holds a
// complete checkpoint and the index never names a file that is not there.
class CheckpointSet {
public:
    explicit CheckpointSet(std::filesystem::path runDir); // reads an existing index.json

    core::Status
    saveLatest(torch::nn::Module& model, torch::optim::Optimizer* optimizer, const nlohmann::json& meta);
    core::Status saveBest(torch::nn::Module& model,
                          torch::optim::Optimizer* optimizer,
                          const nlohmann::json& meta,
                          std::int64_t epoch,
                          double loss);

    std::filesystem::path latestPath() const;
    std::filesystem::path bestPath() const;
    const nlohmann::json& index() const { return m_index; }

private:
    core::Status writeIndex();

    std::filesystem::path m_dir;
    nlohmann::json m_index;
};

// checkpoints/best.pt or latest.pt of a run folder ("best" | "latest"), or `which` itself as a
// path; an error names what is missing.
core::Result<std::filesystem::path> resolveCheckpoint(const std::filesystem::path& runDir,
                                                      const std::string& which);

} // namespace hdr::training
