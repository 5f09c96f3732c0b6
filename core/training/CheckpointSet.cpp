#include "training/CheckpointSet.h"

#include "common/AtomicFile.h"
#include "runlog/IsoTime.h"
#include "runlog/RunFolder.h"
#include "training/Checkpoint.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace hdr::training {

namespace fs = std::filesystem;

CheckpointSet::CheckpointSet(fs::path runDir)
    : m_dir(runlog::RunPaths(std::move(runDir)).checkpoints())
{
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    std::ifstream in(m_dir / "index.json");
    if (in) {
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_object()) {
            m_index = std::move(j);
        }
    }
    if (!m_index.is_object()) {
        m_index = nlohmann::json::object();
    }
    if (!m_index.contains("checkpoints") || !m_index["checkpoints"].is_array()) {
        m_index["checkpoints"] = nlohmann::json::array();
    }
}

fs::path CheckpointSet::latestPath() const
{
    return m_dir / "latest.pt";
}
fs::path CheckpointSet::bestPath() const
{
    return m_dir / "best.pt";
}

core::Status CheckpointSet::writeIndex()
{
    const std::string text = m_index.dump(2) + "\n";
    return core::writeFileAtomically(
        m_dir / "index.json", std::as_bytes(std::span(text.data(), text.size())), true);
}

namespace {

nlohmann::json entry(const std::string& file, const nlohmann::json& meta)
{
    const auto& t = meta.contains("trainer") ? meta["trainer"] : nlohmann::json::object();
    return {{"file", file},
            {"epoch", t.value("epoch", 0)},
            {"next_batch", t.value("next_batch", 0)},
            {"global_step", t.value("global_step", 0)},
            {"loss", t.contains("loss") ? t["loss"] : nlohmann::json(nullptr)},
            {"time", runlog::isoTimestamp(std::chrono::system_clock::now())}};
}

// best.pt := `source`, atomically: a hard link under a temporary name renamed over best.pt.
core::Status linkOrCopy(const fs::path& source, const fs::path& target)
{
    const fs::path temp = core::temporarySiblingPath(target);
    if (::link(source.c_str(), temp.c_str()) != 0) {
        std::error_code ec;
        fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
        if (ec) {
            return core::fail(core::ErrorCode::IoError,
                              "Cannot copy the checkpoint: " + ec.message() + ".",
                              target.string());
        }
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temp.c_str());
        return core::fail(
            core::ErrorCode::IoError, "Cannot replace the checkpoint: " + reason + ".", target.string());
    }
    core::syncParentFolder(target);
    return {};
}

} // namespace

core::Status CheckpointSet::saveLatest(torch::nn::Module& model,
                                       torch::optim::Optimizer* optimizer,
                                       const nlohmann::json& meta)
{
    if (auto s = saveCheckpoint(latestPath(), model, optimizer, meta); !s) {
        return s;
    }
    m_index["latest"] = entry("latest.pt", meta);
    return writeIndex();
}

core::Status CheckpointSet::saveBest(torch::nn::Module& model,
                                     torch::optim::Optimizer* optimizer,
                                     const nlohmann::json& meta,
                                     std::int64_t epoch,
                                     double loss)
{
    const std::string name = runlog::checkpointFileName(epoch, "best");
    if (auto s = saveCheckpoint(m_dir / name, model, optimizer, meta); !s) {
        return s;
    }
    if (auto s = linkOrCopy(m_dir / name, bestPath()); !s) {
        return s;
    }
    auto e = entry(name, meta);
    e["loss"] = loss;
    e["kind"] = "best";
    m_index["checkpoints"].push_back(e);
    e["file"] = "best.pt";
    e["source"] = name;
    m_index["best"] = e;
    return writeIndex();
}

core::Result<fs::path> resolveCheckpoint(const fs::path& runDir, const std::string& which)
{
    if (which == "best" || which == "latest") {
        const fs::path p = runlog::RunPaths(runDir).checkpoints() / (which + ".pt");
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) {
            return core::fail(core::ErrorCode::IoError,
                              "The run folder has no " + which + " checkpoint to resume from.",
                              p.string());
        }
        return p;
    }
    std::error_code ec;
    if (!fs::is_regular_file(which, ec)) {
        return core::fail(core::ErrorCode::IoError, "The checkpoint to resume from does not exist.", which);
    }
    return fs::path(which);
}

} // namespace hdr::training
