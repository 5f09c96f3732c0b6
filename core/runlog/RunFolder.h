#pragma once

#include "common/Error.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hdr::runlog {

// One training run lives in one folder (the layout of the original tool):
//   runs/<YYYYMMDD_HHMMSS>[_tag]/
//     checkpoints/  ckpt_eXXX_<what>.pt, best.pt, latest.pt, index.json (the trainer's)
//     logs/         train_log.csv, train_log.jsonl, metrics.csv
//     viz/          epochXXXX_sampleN.png
//     tb/           TensorBoard event files
//     loss_curves.png, metrics_curves.png, config.json
//     lock, STOP_TRAINING (the trainer's lock; a stop request from the dashboard)
struct RunPaths {
    std::filesystem::path root;

    explicit RunPaths(std::filesystem::path runDir)
        : root(std::move(runDir))
    {
    }
    std::filesystem::path checkpoints() const { return root / "checkpoints"; }
    std::filesystem::path checkpointIndex() const { return checkpoints() / "index.json"; }
    std::filesystem::path logs() const { return root / "logs"; }
    std::filesystem::path trainCsv() const { return logs() / "train_log.csv"; }
    std::filesystem::path trainJsonl() const { return logs() / "train_log.jsonl"; }
    std::filesystem::path metricsCsv() const { return logs() / "metrics.csv"; }
    std::filesystem::path viz() const { return root / "viz"; }
    std::filesystem::path tensorboard() const { return root / "tb"; }
    std::filesystem::path lossCurves() const { return root / "loss_curves.png"; }
    std::filesystem::path metricsCurves() const { return root / "metrics_curves.png"; }
    std::filesystem::path config() const { return root / "config.json"; }
    std::filesystem::path lock() const { return root / "lock"; }
    std::filesystem::path stopRequest() const { return root / "STOP_TRAINING"; }
};

// The columns of logs/train_log.csv, in order.
inline constexpr std::string_view kTrainCsvHeader = "epoch,phase,loss,time,lr,timestamp";

// "<YYYYMMDD_HHMMSS>[_tag]" in local time. The tag keeps letters, digits, '.', '-' and '_'; any
// other character becomes '_' (so a tag can never leave the runs folder).
std::string runFolderName(std::chrono::system_clock::time_point time, std::string_view tag = {});

// Creates a new, empty run folder under `runsRoot` (created if missing) named after `time` and
// `tag`. An existing folder is never reused: the name is bumped to <name>_2, <name>_3, ... The
// folder is made with one mkdir, so two trainers starting in the same second get different ones.
core::Result<std::filesystem::path>
createRunFolder(const std::filesystem::path& runsRoot,
                std::string_view tag = {},
                std::chrono::system_clock::time_point time = std::chrono::system_clock::now());

// viz/epochXXXX_sampleN.png: the trainer's side-by-side render (input | prediction | truth).
std::string vizFileName(std::int64_t epoch, int sample);
struct VizName {
    std::int64_t epoch = 0;
    int sample = 0;
};
std::optional<VizName> parseVizFileName(std::string_view fileName);
// The series name a viz sample shows under, the same as its TensorBoard image tag: "viz/sampleN".
std::string vizSeriesName(int sample);

// checkpoints/ckpt_eXXX_<what>.pt (epoch with at least three digits).
std::string checkpointFileName(std::int64_t epoch, std::string_view what);
// The epoch of "ckpt_e012_anything.pt"; none for best.pt, latest.pt and other names.
std::optional<std::int64_t> parseCheckpointEpoch(std::string_view fileName);

// Asks the trainer of `runDir` to stop after its current step: STOP_TRAINING is created
// atomically (a trainer polling for it never sees a half-written file). Idempotent.
core::Status requestStop(const std::filesystem::path& runDir);
bool isStopRequested(const std::filesystem::path& runDir);
// The trainer removes the request when it resumes the run; a missing file is not an error.
core::Status clearStopRequest(const std::filesystem::path& runDir);

} // namespace hdr::runlog
