#pragma once

// Internal to hdr_runlog: the text logs of a run folder (train_log.csv, train_log.jsonl,
// metrics.csv) turned into series points, one poll at a time.

#include "common/Error.h"
#include "runlog/LineFollower.h"
#include "runlog/RunData.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hdr::runlog::detail {

struct SourceBatch {
    std::map<std::string, std::vector<Point>> points;
    std::vector<core::Error> problems;
    bool restarted = false; // the file was read again from its start: its series start over
    bool caughtUp = true;
};

struct LogLimits {
    std::size_t maxLineBytes = std::size_t(1) << 20;
    std::uint64_t maxBytesPerPoll = std::uint64_t(64) << 20;
    std::size_t maxColumns = 1024;
};

// A CSV log whose first line names the columns. Train logs (epoch, phase, loss, time, lr,
// timestamp, and any other numeric column) give "<phase>/<column>" ("lr" from the train rows only);
// metrics logs give "metrics/<column>". The step is the "epoch" (or "step") column, else the row
// number. A "timestamp" column (ISO-8601) gives the wall time. Empty cells give no point.
class CsvLogSource {
public:
    enum class Kind { TrainLog, Metrics };
    CsvLogSource(std::filesystem::path file, Kind kind, const LogLimits& limits);
    core::Result<SourceBatch> poll();

private:
    void parseRow(const std::string& line, SourceBatch& batch);

    LineFollower m_lines;
    Kind m_kind;
    std::size_t m_maxColumns;
    std::vector<std::string> m_columns; // empty until the header line was read
    std::int64_t m_row = 0;             // data rows read so far
};

// One JSON object per line: "epoch" (or "step"), "phase" (default "train"), "timestamp", and
// numbers: "loss" -> "<phase>/loss", "time" -> "<phase>/time", "lr" -> "lr" (train rows only), any
// other numeric key -> "<phase>/<key>". null is NaN (how JSON writers spell a NaN loss).
class JsonlLogSource {
public:
    JsonlLogSource(std::filesystem::path file, const LogLimits& limits);
    core::Result<SourceBatch> poll();

private:
    void parseLine(const std::string& line, SourceBatch& batch);

    LineFollower m_lines;
    std::int64_t m_row = 0;
};

// JSON text parsed without recursion trouble: nesting deeper than maxDepth is refused before
// parsing (nlohmann's parser itself is iterative, but a hostile "[[[[..." should not even get
// there). Throws core::HdrError (CorruptData) naming `where`.
nlohmann::json parseJsonBounded(std::string_view text, const std::string& where, int maxDepth = 64);

// The series of a train-log column: "<phase>/<column>", but "lr" for the train phase and nothing
// (empty) for the lr of other phases: the learning rate belongs to training, and validation rows
// repeat it.
std::string seriesFor(const std::string& phase, const std::string& column);

} // namespace hdr::runlog::detail
