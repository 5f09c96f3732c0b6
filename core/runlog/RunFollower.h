#pragma once

#include "common/Error.h"
#include "runlog/RunData.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace hdr::runlog {

struct FollowerOptions {
    bool tensorboard = true; // read TensorBoard event files found anywhere under the run folder
    bool images = true;      // list viz/ PNGs and TensorBoard images
    bool files = true;       // checkpoints/, checkpoints/index.json, config.json
    std::size_t maxLineBytes = std::size_t(1) << 20;          // longer log lines are skipped and reported
    std::uint64_t maxBytesPerPoll = std::uint64_t(64) << 20;  // per source; more is read by the next poll
    std::uint64_t maxJsonFileBytes = std::uint64_t(16) << 20; // config.json, index.json
    std::uint64_t maxImageBytes = std::uint64_t(256) << 20;   // one viz PNG / TensorBoard image
    std::size_t maxSeries = 10000;                            // series beyond this are dropped and reported
    std::size_t maxColumns = 1024;                            // of a CSV header
    std::size_t maxProblemsPerPoll = 50;
};

// Reads a run folder incrementally: each poll() returns what appeared since the previous one.
//
// Sources, in the order the reader trusts them: logs/train_log.csv, logs/train_log.jsonl,
// logs/metrics.csv, then every TensorBoard event file under the folder (ours in tb/, or those
// of other tools: PyTorch's SummaryWriter, Lightning, TensorFlow). Our writer logs every value
// to both a log file and tb/, so the same series comes from two sources; each series is taken
// from the most trusted source that has it (the CSV's doubles rather than TensorBoard's float32),
// and the others' points for it are dropped. If a more trusted source shows up later than a less
// trusted one (a race at the very start of a run), the update resets the series and continues
// from the better source (RunUpdate::resetSeries). Images: viz/ PNGs before TensorBoard images of
// the same series ("viz/sampleN" is both).
//
// Tolerant by design: a missing file is a run that has not written it yet; a partial last line
// is waited on; a log replaced by a wider one (metrics.csv gaining a column) is read again and
// its series reset; malformed lines, damaged TensorBoard records and unreadable JSON become
// RunUpdate::problems (each reported once, not on every poll) and reading goes on. Sizes are
// bounded by FollowerOptions, so hostile files give problems, never huge allocations.
//
// poll() fails only when the run folder itself cannot be read. poll() and loadImageBytes() may
// run on different threads: a RunFollower serialises them internally.
class RunFollower {
public:
    explicit RunFollower(std::filesystem::path runDir, FollowerOptions options = {});
    ~RunFollower();
    RunFollower(RunFollower&&) noexcept;
    RunFollower& operator=(RunFollower&&) noexcept;

    core::Result<RunUpdate> poll();

    // The encoded bytes (PNG) of an image from an earlier poll of this follower.
    core::Result<std::string> loadImageBytes(const ImageRef& image) const;

    const std::filesystem::path& runDir() const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

// The whole run as it is now: polls until every source is read.
core::Result<RunSnapshot> readRunFolder(const std::filesystem::path& runDir,
                                        const FollowerOptions& options = {});

} // namespace hdr::runlog
