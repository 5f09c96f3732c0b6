#pragma once

#include "common/Error.h"
#include "image/DisplayImage.h"
#include "image/Image.h"
#include "runlog/RunFolder.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace hdr::runlog {

// One line of the training log: an epoch (or part of one) in one phase.
struct EpochLog {
    std::int64_t epoch = 0;
    std::string phase = "train";         // "train" or "val" (any plain name: letters, digits, '_', '-', '.')
    double loss = 0;                     // NaN/inf are logged as they are (a diverged run is information)
    double seconds = 0;                  // wall time the phase took in this epoch
    double lr = 0;                       // learning rate (to TensorBoard as "lr" from train rows only)
    std::map<std::string, double> extra; // more scalars: JSONL and TensorBoard "<phase>/<name>"
};

struct RunLogWriterOptions {
    bool tensorboard = true; // also write tb/ event files
};

// What the trainer writes into a run folder (RunFolder.h has the layout). The trainer calls it
// from its training thread; readers (RunFollower, the dashboard, TensorBoard) may read the folder
// at the same time from other processes.
//
//  - open() creates the subfolders and opens the logs for appending. A resumed run keeps its
//    logs: headers are written only into new (empty) files, and a partial last line left by a
//    killed trainer is cut off first (LineAppender). An existing train_log.csv with other columns
//    is refused rather than mixed. Each open() starts a new TensorBoard event file in tb/
//    (TensorBoard merges the files of a folder).
//  - Every log line is one write(): a live reader never sees half of it.
//  - metrics.csv takes its columns from the first logMetrics() call (epoch, then the names in
//    sorted order). A later call with a name the header lacks widens the file: it is rewritten
//    atomically with the new column appended to the header and empty cells in the earlier rows,
//    so no value is lost (readers notice the replacement and read it again). A call without some
//    of the columns leaves those cells empty.
//  - config.json, viz PNGs and the curve figures are written atomically (replacing older ones).
// Not thread-safe.
class RunLogWriter {
public:
    static core::Result<RunLogWriter> open(const std::filesystem::path& runDir,
                                           RunLogWriterOptions options = {});

    RunLogWriter(RunLogWriter&&) noexcept;
    RunLogWriter& operator=(RunLogWriter&&) noexcept;
    ~RunLogWriter();

    // train_log.csv (epoch,phase,loss,time,lr,timestamp), train_log.jsonl (the same plus
    // `extra`) and TensorBoard ("<phase>/loss", "<phase>/time", "lr", "<phase>/<extra name>").
    core::Status logEpoch(const EpochLog& entry);
    // metrics.csv and TensorBoard "metrics/<name>". Names: printable, no newline, <= 200 bytes.
    core::Status logMetrics(std::int64_t epoch, const std::map<std::string, double>& metrics);
    // viz/epochXXXX_sampleN.png as 8-bit sRGB and the TensorBoard image "viz/sampleN" at step
    // `epoch`. The ImageF is scene-linear (the project's convention: 1.0 = diffuse white; the
    // trainer renders input | prediction | truth side by side and tone-maps HDR content first);
    // it is encoded with the sRGB transfer. A DisplayImage8 is written as it is.
    core::Status writeVizSample(std::int64_t epoch, int sample, const core::ImageF& image);
    core::Status writeVizSample(std::int64_t epoch, int sample, const core::DisplayImage8& image);
    // config.json (pretty-printed, atomically): all options plus machine and library versions
    // (describeMachine() has the machine part). Must be a JSON object.
    core::Status writeConfig(const nlohmann::json& config);
    // loss_curves.png and metrics_curves.png from what the logs hold now (including epochs
    // logged before a resume).
    core::Status renderCurves();

    core::Status flush(); // fdatasync the logs and the event file
    core::Status close(); // flush and close; later calls fail

    const RunPaths& paths() const;

private:
    class Impl;
    explicit RunLogWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// Host name, operating system, CPU cores and the compiler this library was built with: the
// machine part of a run's config.json.
nlohmann::json describeMachine();

} // namespace hdr::runlog
