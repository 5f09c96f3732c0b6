#pragma once

#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hdr::runlog {

// What a run folder holds, unified over its sources (train_log.csv/.jsonl, metrics.csv, viz/,
// TensorBoard event files, checkpoints/, config.json).
//
// Series names: "train/loss", "val/loss", "<phase>/time", "lr" (from the train rows), extra
// scalars of train_log.jsonl as "<phase>/<name>", metrics as "metrics/<name>", viz images as
// "viz/sampleN"; TensorBoard tags as they are (so our own tb/ files name the same series), with
// " (<folder>)" appended for event files in other subfolders than the run folder itself and tb/.

struct Point {
    std::int64_t step = 0; // the epoch for our logs, TensorBoard's step otherwise
    double value = 0;      // NaN and ±inf are kept (a diverged loss is information)
    double wallTime = 0;   // seconds since the Unix epoch; NaN when the source has no time
};

// One image of an image series; the bytes are loaded on demand (RunFollower::loadImageBytes).
struct ImageRef {
    std::string series;
    std::int64_t step = 0;
    double wallTime = 0;
    std::filesystem::path file;     // the PNG (viz/), or the event file holding it
    bool inEventFile = false;       // true: `file` is an event file, the image is at recordOffset
    std::uint64_t recordOffset = 0; // see tensorboard::ImageRecord
    int sample = 0;                 // index within its record
    std::int64_t width = 0;         // 0 when unknown (viz PNGs are not opened to list them)
    std::int64_t height = 0;
};

struct CheckpointInfo {
    std::string name; // file name in checkpoints/
    std::filesystem::path path;
    std::optional<std::int64_t> epoch; // from "ckpt_eXXX_..."; none for best.pt, latest.pt
    std::uint64_t bytes = 0;
    double modifiedTime = 0; // seconds since the Unix epoch
    bool operator==(const CheckpointInfo&) const = default;
};

// What one RunFollower::poll() found since the previous one.
struct RunUpdate {
    // New points per series, in step order of their source. A series in resetSeries starts over:
    // drop what earlier updates gave for it, then append these (its source was re-read, or a
    // source the reader trusts more took it over; see RunFollower).
    std::map<std::string, std::vector<Point>> scalars;
    std::set<std::string> resetSeries;
    std::vector<ImageRef> images;
    std::set<std::string> resetImageSeries;
    std::optional<std::vector<CheckpointInfo>> checkpoints; // the full list, when it changed
    std::optional<nlohmann::json> checkpointIndex;          // checkpoints/index.json, when it changed
    std::optional<nlohmann::json> config;                   // config.json, when it changed
    // Errors that did not stop the poll (a malformed line, a damaged record, an unreadable file),
    // each naming the file and where in it.
    std::vector<core::Error> problems;
    bool caughtUp = true; // false: a source has more to read (huge file read in slices): poll again soon

    bool empty() const
    {
        return scalars.empty() && resetSeries.empty() && images.empty() && resetImageSeries.empty() &&
               !checkpoints && !checkpointIndex && !config;
    }
};

// Everything read so far: RunUpdates applied in order.
struct RunSnapshot {
    std::map<std::string, std::vector<Point>> scalars;
    std::map<std::string, std::map<std::int64_t, ImageRef>> images; // series -> step -> image (last wins)
    std::vector<CheckpointInfo> checkpoints;
    nlohmann::json checkpointIndex;
    nlohmann::json config;
    std::vector<core::Error> problems;

    // Applies `update`; returns the names of the scalar series that changed.
    std::set<std::string> apply(RunUpdate update);
    // The image of `series` at the largest step <= `step`; none when there is none.
    const ImageRef* imageAtOrBefore(const std::string& series, std::int64_t step) const;
};

} // namespace hdr::runlog
