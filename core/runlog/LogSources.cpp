#include "runlog/LogSources.h"

#include "runlog/CsvFormat.h"
#include "runlog/IsoTime.h"

#include <cmath>
#include <limits>

namespace hdr::runlog::detail {

namespace fs = std::filesystem;

namespace {

constexpr double kNoTime = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxNameBytes = 200;

std::optional<std::int64_t> stepFrom(double value)
{
    if (!std::isfinite(value) || std::fabs(value) > 9.0e15 || value != std::floor(value)) {
        return std::nullopt;
    }
    return std::int64_t(value);
}

// Names that become series: printable, not too long.
bool isUsableName(std::string_view name)
{
    if (name.empty() || name.size() > kMaxNameBytes) {
        return false;
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7F) {
            return false;
        }
    }
    return true;
}

core::Error rowProblem(const fs::path& file, std::int64_t row, const std::string& what)
{
    return {core::ErrorCode::CorruptData, "row " + std::to_string(row) + ": " + what, file.string()};
}

// A line source's batch starts with what its follower saw (restart, caught up, problems); the
// lines themselves are parsed by the source.
SourceBatch batchFor(LineBatch& lines)
{
    SourceBatch batch;
    batch.restarted = lines.restarted;
    batch.caughtUp = lines.caughtUp;
    batch.problems = std::move(lines.problems);
    return batch;
}

} // namespace

std::string seriesFor(const std::string& phase, const std::string& column)
{
    if (column == "lr") {
        return phase == "train" ? std::string("lr") : std::string();
    }
    return phase + "/" + column;
}

nlohmann::json parseJsonBounded(std::string_view text, const std::string& where, int maxDepth)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (char c : text) {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > maxDepth) {
                core::throwError(core::ErrorCode::CorruptData,
                                 "JSON nested deeper than " + std::to_string(maxDepth) + " levels",
                                 where);
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
        core::throwError(core::ErrorCode::CorruptData, "not valid JSON", where);
    }
    return value;
}

// --- CSV ---------------------------------------------------------------------------------------

CsvLogSource::CsvLogSource(fs::path file, Kind kind, const LogLimits& limits)
    : m_lines(std::move(file), LineFollowerOptions{limits.maxLineBytes, limits.maxBytesPerPoll})
    , m_kind(kind)
    , m_maxColumns(limits.maxColumns)
{
}

core::Result<SourceBatch> CsvLogSource::poll()
{
    auto lines = m_lines.poll();
    if (!lines) {
        return tl::unexpected<core::Error>(lines.error());
    }
    SourceBatch batch = batchFor(*lines);
    if (lines->restarted) {
        m_columns.clear();
        m_row = 0;
    }
    for (const std::string& line : lines->lines) {
        if (m_columns.empty()) {
            auto header = splitCsvLine(line, m_maxColumns);
            if (!header || header->empty()) {
                batch.problems.push_back({core::ErrorCode::CorruptData,
                                          "the first line is not a CSV header of at most " +
                                              std::to_string(m_maxColumns) + " columns",
                                          m_lines.file().string()});
                m_columns = {std::string()}; // unusable header: every row then reports a field-count mismatch
                continue;
            }
            m_columns = std::move(*header);
            continue;
        }
        parseRow(line, batch);
    }
    return batch;
}

void CsvLogSource::parseRow(const std::string& line, SourceBatch& batch)
{
    ++m_row;
    const fs::path& file = m_lines.file();
    auto fields = splitCsvLine(line, m_columns.size());
    if (!fields || fields->size() != m_columns.size()) {
        batch.problems.push_back(rowProblem(file,
                                            m_row,
                                            "expected " + std::to_string(m_columns.size()) +
                                                " comma-separated fields as in the header"));
        return;
    }
    std::optional<std::int64_t> step;
    std::string phase = "train";
    double wallTime = kNoTime;
    bool haveStepColumn = false;
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        const std::string& column = m_columns[c];
        const std::string& cell = (*fields)[c];
        if (column == "epoch" || (column == "step" && !haveStepColumn)) {
            haveStepColumn = true;
            const auto number = parseNumber(cell);
            step = number ? stepFrom(*number) : std::nullopt;
            if (!step) {
                batch.problems.push_back(rowProblem(file, m_row, "the " + column + " is not a whole number"));
                return;
            }
        } else if (column == "phase" && m_kind == Kind::TrainLog) {
            phase = cell;
        } else if (column == "timestamp") {
            wallTime = parseIsoTimestamp(cell).value_or(kNoTime);
        }
    }
    if (!haveStepColumn) {
        step = m_row - 1;
    }
    if (m_kind == Kind::TrainLog && (!isUsableName(phase) || phase.find('/') != std::string::npos)) {
        batch.problems.push_back(rowProblem(file, m_row, "the phase is empty or not a plain name"));
        return;
    }
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        const std::string& column = m_columns[c];
        if (column == "epoch" || column == "step" || column == "phase" || column == "timestamp" ||
            !isUsableName(column) || (*fields)[c].empty()) {
            continue;
        }
        const auto value = parseNumber((*fields)[c]);
        if (!value) {
            batch.problems.push_back(rowProblem(file, m_row, "the " + column + " is not a number"));
            continue;
        }
        const std::string series = m_kind == Kind::Metrics ? "metrics/" + column : seriesFor(phase, column);
        if (!series.empty()) {
            batch.points[series].push_back(Point{*step, *value, wallTime});
        }
    }
}

// --- JSON lines --------------------------------------------------------------------------------

JsonlLogSource::JsonlLogSource(fs::path file, const LogLimits& limits)
    : m_lines(std::move(file), LineFollowerOptions{limits.maxLineBytes, limits.maxBytesPerPoll})
{
}

core::Result<SourceBatch> JsonlLogSource::poll()
{
    auto lines = m_lines.poll();
    if (!lines) {
        return tl::unexpected<core::Error>(lines.error());
    }
    SourceBatch batch = batchFor(*lines);
    if (lines->restarted) {
        m_row = 0;
    }
    for (const std::string& line : lines->lines) {
        parseLine(line, batch);
    }
    return batch;
}

void JsonlLogSource::parseLine(const std::string& line, SourceBatch& batch)
{
    ++m_row;
    const fs::path& file = m_lines.file();
    nlohmann::json object;
    try {
        object = parseJsonBounded(line, file.string());
    } catch (const core::HdrError& error) {
        batch.problems.push_back(rowProblem(file, m_row, error.error().message));
        return;
    }
    if (!object.is_object()) {
        batch.problems.push_back(rowProblem(file, m_row, "not a JSON object"));
        return;
    }
    std::optional<std::int64_t> step;
    for (const char* key : {"epoch", "step"}) {
        const auto it = object.find(key);
        if (it != object.end() && !step) {
            step = it->is_number() ? stepFrom(it->get<double>()) : std::nullopt;
            if (!step) {
                batch.problems.push_back(
                    rowProblem(file, m_row, std::string("the ") + key + " is not a whole number"));
                return;
            }
        }
    }
    if (!step) {
        step = m_row - 1;
    }
    std::string phase = "train";
    if (const auto it = object.find("phase"); it != object.end()) {
        if (!it->is_string() || !isUsableName(it->get_ref<const std::string&>()) ||
            it->get_ref<const std::string&>().find('/') != std::string::npos) {
            batch.problems.push_back(rowProblem(file, m_row, "the phase is not a plain name"));
            return;
        }
        phase = it->get<std::string>();
    }
    double wallTime = kNoTime;
    if (const auto it = object.find("timestamp"); it != object.end() && it->is_string()) {
        wallTime = parseIsoTimestamp(it->get_ref<const std::string&>()).value_or(kNoTime);
    }
    for (const auto& [key, value] : object.items()) {
        if (key == "epoch" || key == "step" || key == "phase" || key == "timestamp" || !isUsableName(key)) {
            continue;
        }
        double number = 0;
        if (value.is_number()) {
            number = value.get<double>();
        } else if (value.is_null()) {
            number = std::numeric_limits<double>::quiet_NaN();
        } else {
            continue; // strings, booleans, nested objects: not scalars
        }
        const std::string series = seriesFor(phase, key);
        if (!series.empty()) {
            batch.points[series].push_back(Point{*step, number, wallTime});
        }
    }
}

} // namespace hdr::runlog::detail
