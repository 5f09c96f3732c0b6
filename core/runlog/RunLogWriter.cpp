#include "runlog/RunLogWriter.h"

#include "common/AtomicFile.h"
#include "io/ImageIO.h"
#include "runlog/CsvFormat.h"
#include "runlog/IsoTime.h"
#include "runlog/LineAppender.h"
#include "runlog/RunCurves.h"
#include "runlog/RunFollower.h"
#include "tensorboard/EventWriter.h"

#include <algorithm>
#include <set>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace hdr::runlog {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxHeaderBytes = std::size_t(1) << 20;
constexpr std::size_t kMaxMetricsFileBytes = std::size_t(256) << 20;
constexpr std::size_t kMaxNameBytes = 200;

bool isPlainName(std::string_view name)
{
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.';
    });
}

bool isScalarName(std::string_view name)
{
    if (name.empty() || name.size() > kMaxNameBytes) {
        return false;
    }
    return std::none_of(
        name.begin(), name.end(), [](char c) { return (unsigned char)c < 0x20 || c == 0x7F; });
}

std::span<const std::byte> asBytes(const std::string& text)
{
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

void makeFolder(const fs::path& folder)
{
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) {
        core::throwError(
            core::ErrorCode::IoError, "cannot create the folder: " + ec.message(), folder.string());
    }
}

} // namespace

class RunLogWriter::Impl {
public:
    Impl(const fs::path& runDir, RunLogWriterOptions options)
        : paths(runDir)
        , m_options(options)
    {
    }

    void open();
    void logEpoch(const EpochLog& entry);
    void logMetrics(std::int64_t epoch, const std::map<std::string, double>& metrics);
    void addVizToTensorBoard(
        std::int64_t epoch, int sample, const fs::path& png, int width, int height, int channels);
    void checkOpen() const
    {
        if (m_closed) {
            core::throwError(core::ErrorCode::IoError, "the run log was closed", paths.root.string());
        }
    }
    void flush();
    void close();

    RunPaths paths;

private:
    void openMetrics();
    void widenMetrics(const std::vector<std::string>& added);

    RunLogWriterOptions m_options;
    std::optional<LineAppender> m_trainCsv;
    std::optional<LineAppender> m_trainJsonl;
    std::optional<LineAppender> m_metricsCsv;
    std::vector<std::string> m_metricColumns; // without "epoch"
    std::optional<tensorboard::EventWriter> m_events;
    bool m_closed = false;
};

void RunLogWriter::Impl::open()
{
    makeFolder(paths.root);
    makeFolder(paths.checkpoints());
    makeFolder(paths.logs());
    makeFolder(paths.viz());
    m_trainCsv = core::unwrap(LineAppender::open(paths.trainCsv()));
    if (m_trainCsv->isEmpty()) {
        core::unwrap(m_trainCsv->append(kTrainCsvHeader));
    } else {
        const std::string header = core::unwrap(readFirstLine(paths.trainCsv(), kMaxHeaderBytes));
        if (header != kTrainCsvHeader) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "the training log has the columns \"" + header.substr(0, 200) + "\", not \"" +
                                 std::string(kTrainCsvHeader) + "\"; start a new run folder",
                             paths.trainCsv().string());
        }
    }
    m_trainJsonl = core::unwrap(LineAppender::open(paths.trainJsonl()));
    std::error_code ec;
    if (fs::exists(paths.metricsCsv(), ec)) {
        openMetrics();
    }
    if (m_options.tensorboard) {
        makeFolder(paths.tensorboard());
        m_events = core::unwrap(tensorboard::EventWriter::create(paths.tensorboard()));
    }
}

void RunLogWriter::Impl::openMetrics()
{
    m_metricsCsv = core::unwrap(LineAppender::open(paths.metricsCsv()));
    m_metricColumns.clear();
    if (m_metricsCsv->isEmpty()) {
        return; // the header comes with the first metrics
    }
    const std::string header = core::unwrap(readFirstLine(paths.metricsCsv(), kMaxHeaderBytes));
    auto columns = splitCsvLine(header, 1024);
    if (!columns || columns->empty() || columns->front() != "epoch") {
        core::throwError(core::ErrorCode::InvalidArgument,
                         "the metrics log does not start with an \"epoch\" column; start a new run folder",
                         paths.metricsCsv().string());
    }
    m_metricColumns.assign(columns->begin() + 1, columns->end());
}

void RunLogWriter::Impl::widenMetrics(const std::vector<std::string>& added)
{
    const fs::path file = paths.metricsCsv();
    const auto bytes = core::unwrap(core::readFileBytes(file, kMaxMetricsFileBytes));
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::string widened;
    widened.reserve(text.size() + 64);
    const std::string extraCells(added.size(), ',');
    std::vector<std::string> extraHeader(added.begin(), added.end());
    bool first = true;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            break; // LineAppender::open already cut off any partial line
        }
        widened.append(text.substr(start, end - start));
        if (first) {
            widened += "," + joinCsv(extraHeader);
            first = false;
        } else if (end > start) {
            widened += extraCells;
        }
        widened += '\n';
        start = end + 1;
    }
    m_metricsCsv.reset();
    core::unwrap(core::writeFileAtomically(file, asBytes(widened), /*overwrite=*/true));
    m_metricsCsv = core::unwrap(LineAppender::open(file));
    m_metricColumns.insert(m_metricColumns.end(), added.begin(), added.end());
}

void RunLogWriter::Impl::logEpoch(const EpochLog& entry)
{
    checkOpen();
    if (!isPlainName(entry.phase)) {
        core::throwError(core::ErrorCode::InvalidArgument,
                         "the phase \"" + entry.phase.substr(0, 80) +
                             "\" is not a plain name (letters, digits, '_', '-', '.')",
                         paths.trainCsv().string());
    }
    static const std::set<std::string, std::less<>> kReserved = {
        "epoch", "phase", "loss", "time", "lr", "timestamp", "step"};
    for (const auto& [name, value] : entry.extra) {
        if (!isScalarName(name) || kReserved.count(name)) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "the extra scalar name \"" + name.substr(0, 80) +
                                 "\" is empty, too long, has control characters or is a column name",
                             paths.trainJsonl().string());
        }
    }
    const auto now = std::chrono::system_clock::now();
    const std::string timestamp = isoTimestamp(now);
    core::unwrap(m_trainCsv->append(joinCsv({std::to_string(entry.epoch),
                                             entry.phase,
                                             formatNumber(entry.loss),
                                             formatNumber(entry.seconds),
                                             formatNumber(entry.lr),
                                             timestamp})));
    nlohmann::ordered_json line;
    line["epoch"] = entry.epoch;
    line["phase"] = entry.phase;
    line["loss"] = entry.loss; // NaN/inf become null: JSON has no spelling for them
    line["time"] = entry.seconds;
    line["lr"] = entry.lr;
    line["timestamp"] = timestamp;
    for (const auto& [name, value] : entry.extra) {
        line[name] = value;
    }
    core::unwrap(m_trainJsonl->append(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    if (m_events) {
        std::vector<std::string> tags = {entry.phase + "/loss", entry.phase + "/time"};
        std::vector<double> values = {entry.loss, entry.seconds};
        if (entry.phase == "train") {
            tags.push_back("lr");
            values.push_back(entry.lr);
        }
        for (const auto& [name, value] : entry.extra) {
            tags.push_back(entry.phase + "/" + name);
            values.push_back(value);
        }
        std::vector<tensorboard::NamedScalar> scalars;
        for (std::size_t i = 0; i < tags.size(); ++i) {
            scalars.push_back({tags[i], values[i]});
        }
        const double wallTime = std::chrono::duration<double>(now.time_since_epoch()).count();
        core::unwrap(m_events->addScalars(scalars, entry.epoch, wallTime));
    }
}

void RunLogWriter::Impl::logMetrics(std::int64_t epoch, const std::map<std::string, double>& metrics)
{
    checkOpen();
    for (const auto& [name, value] : metrics) {
        if (!isScalarName(name) || name == "epoch") {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "the metric name \"" + name.substr(0, 80) +
                                 "\" is empty, too long, has control characters or is \"epoch\"",
                             paths.metricsCsv().string());
        }
    }
    if (metrics.empty()) {
        return;
    }
    if (!m_metricsCsv) {
        openMetrics();
    }
    if (m_metricsCsv->isEmpty()) {
        m_metricColumns.clear();
        std::vector<std::string> header = {"epoch"};
        for (const auto& [name, value] : metrics) {
            header.push_back(name);
            m_metricColumns.push_back(name);
        }
        core::unwrap(m_metricsCsv->append(joinCsv(header)));
    } else {
        std::vector<std::string> added;
        for (const auto& [name, value] : metrics) {
            if (std::find(m_metricColumns.begin(), m_metricColumns.end(), name) == m_metricColumns.end()) {
                added.push_back(name);
            }
        }
        if (!added.empty()) {
            widenMetrics(added);
        }
    }
    std::vector<std::string> row = {std::to_string(epoch)};
    for (const std::string& column : m_metricColumns) {
        const auto it = metrics.find(column);
        row.push_back(it == metrics.end() ? std::string() : formatNumber(it->second));
    }
    core::unwrap(m_metricsCsv->append(joinCsv(row)));
    if (m_events) {
        std::vector<std::string> tags;
        for (const auto& [name, value] : metrics) {
            tags.push_back("metrics/" + name);
        }
        std::vector<tensorboard::NamedScalar> scalars;
        std::size_t i = 0;
        for (const auto& [name, value] : metrics) {
            scalars.push_back({tags[i++], value});
        }
        core::unwrap(m_events->addScalars(scalars, epoch));
    }
}

void RunLogWriter::Impl::addVizToTensorBoard(
    std::int64_t epoch, int sample, const fs::path& png, int width, int height, int channels)
{
    if (!m_events) {
        return;
    }
    const auto bytes = core::unwrap(core::readFileBytes(png, std::size_t(256) << 20));
    const std::string_view encoded(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    core::unwrap(m_events->addImage(vizSeriesName(sample), encoded, width, height, channels, epoch));
}

void RunLogWriter::Impl::flush()
{
    for (auto* log : {&m_trainCsv, &m_trainJsonl, &m_metricsCsv}) {
        if (*log) {
            core::unwrap((*log)->sync());
        }
    }
    if (m_events) {
        core::unwrap(m_events->flush());
    }
}

void RunLogWriter::Impl::close()
{
    if (m_closed) {
        return;
    }
    flush();
    m_trainCsv.reset();
    m_trainJsonl.reset();
    m_metricsCsv.reset();
    if (m_events) {
        core::unwrap(m_events->close());
        m_events.reset();
    }
    m_closed = true;
}

RunLogWriter::RunLogWriter(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
RunLogWriter::RunLogWriter(RunLogWriter&&) noexcept = default;
RunLogWriter& RunLogWriter::operator=(RunLogWriter&&) noexcept = default;
RunLogWriter::~RunLogWriter() = default;

core::Result<RunLogWriter> RunLogWriter::open(const fs::path& runDir, RunLogWriterOptions options)
{
    return core::guarded(core::ErrorCode::IoError, runDir.string(), [&] {
        auto impl = std::make_unique<Impl>(runDir, options);
        impl->open();
        return RunLogWriter(std::move(impl));
    });
}

core::Status RunLogWriter::logEpoch(const EpochLog& entry)
{
    return core::guarded(
        core::ErrorCode::IoError, m_impl->paths.trainCsv().string(), [&] { m_impl->logEpoch(entry); });
}

core::Status RunLogWriter::logMetrics(std::int64_t epoch, const std::map<std::string, double>& metrics)
{
    return core::guarded(core::ErrorCode::IoError, m_impl->paths.metricsCsv().string(), [&] {
        m_impl->logMetrics(epoch, metrics);
    });
}

core::Status RunLogWriter::writeVizSample(std::int64_t epoch, int sample, const core::ImageF& image)
{
    const fs::path png = m_impl->paths.viz() / vizFileName(epoch, sample);
    return core::guarded(core::ErrorCode::IoError, png.string(), [&] {
        m_impl->checkOpen();
        if (sample < 0 || image.empty()) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "the sample index is negative or the image is empty",
                             png.string());
        }
        core::WriteOptions options;
        options.format = core::FileFormat::Png;
        options.sampleType = core::SampleType::U8;
        options.transfer = core::Transfer::srgb();
        options.overwrite = true;
        core::unwrap(core::writeImage(image, png, options));
        m_impl->addVizToTensorBoard(epoch, sample, png, image.width(), image.height(), image.channels());
    });
}

core::Status RunLogWriter::writeVizSample(std::int64_t epoch, int sample, const core::DisplayImage8& image)
{
    const fs::path png = m_impl->paths.viz() / vizFileName(epoch, sample);
    return core::guarded(core::ErrorCode::IoError, png.string(), [&] {
        m_impl->checkOpen();
        if (sample < 0 || image.width <= 0 || image.height <= 0 ||
            (image.channels != 3 && image.channels != 4) ||
            image.pixels.size() !=
                std::size_t(image.width) * std::size_t(image.height) * std::size_t(image.channels)) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "the viz image must be RGB or RGBA with width x height x channels samples",
                             png.string());
        }
        core::DisplayImage16 wide;
        wide.width = image.width;
        wide.height = image.height;
        wide.channels = image.channels;
        wide.transfer = image.transfer;
        wide.primaries = image.primaries;
        wide.pixels.resize(image.pixels.size());
        std::transform(image.pixels.begin(), image.pixels.end(), wide.pixels.begin(), [](std::uint8_t v) {
            return std::uint16_t(v * 257);
        });
        core::WriteOptions options;
        options.format = core::FileFormat::Png;
        options.sampleType = core::SampleType::U8;
        options.overwrite = true;
        core::unwrap(core::writeDisplayImage(wide, png, options));
        m_impl->addVizToTensorBoard(epoch, sample, png, image.width, image.height, image.channels);
    });
}

core::Status RunLogWriter::writeConfig(const nlohmann::json& config)
{
    const fs::path file = m_impl->paths.config();
    if (!config.is_object()) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "the run configuration must be a JSON object", file.string());
    }
    return core::guarded(core::ErrorCode::IoError, file.string(), [&] {
        const std::string text = config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        core::unwrap(core::writeFileAtomically(file, asBytes(text), /*overwrite=*/true));
    });
}

core::Status RunLogWriter::renderCurves()
{
    FollowerOptions options;
    options.tensorboard = false;
    options.images = false;
    options.files = false;
    auto run = readRunFolder(m_impl->paths.root, options);
    if (!run) {
        return tl::unexpected<core::Error>(run.error());
    }
    return writeRunCurves(m_impl->paths.root, *run);
}

core::Status RunLogWriter::flush()
{
    return core::guarded(core::ErrorCode::IoError, m_impl->paths.root.string(), [&] { m_impl->flush(); });
}

core::Status RunLogWriter::close()
{
    return core::guarded(core::ErrorCode::IoError, m_impl->paths.root.string(), [&] { m_impl->close(); });
}

const RunPaths& RunLogWriter::paths() const
{
    return m_impl->paths;
}

nlohmann::json describeMachine()
{
    nlohmann::json machine;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) {
        machine["hostname"] = host;
    }
    struct utsname names {};
    if (::uname(&names) == 0) {
        machine["os"] = std::string(names.sysname) + " " + names.release;
        machine["arch"] = names.machine;
    }
    machine["cpuCores"] = std::thread::hardware_concurrency();
#if defined(__clang__)
    machine["compiler"] = "clang " __clang_version__;
#elif defined(__GNUC__)
    machine["compiler"] = "gcc " __VERSION__;
#endif
    machine["nlohmannJson"] = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_PATCH);
    return machine;
}

} // namespace hdr::runlog
