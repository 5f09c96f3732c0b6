#include "runlog/RunFollower.h"

#include "common/AtomicFile.h"
#include "runlog/LogSources.h"
#include "runlog/RunFolder.h"
#include "tensorboard/EventFiles.h"
#include "tensorboard/EventReader.h"

#include <algorithm>
#include <mutex>
#include <sys/stat.h>

namespace hdr::runlog {

namespace fs = std::filesystem;

namespace {

// Sources in the order the reader trusts them (lower first).
enum ScalarSource : int { kTrainCsv = 0, kTrainJsonl = 1, kMetricsCsv = 2, kEventFiles = 3 };
enum ImageSource : int { kVizFiles = 0, kEventImages = 1 };

// What identifies a version of a small file we re-read only when it changes.
struct FileStamp {
    bool exists = false;
    std::uint64_t size = 0, inode = 0;
    std::int64_t mtimeNs = 0;
    bool operator==(const FileStamp&) const = default;
};

FileStamp stampOf(const fs::path& file)
{
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        return {};
    }
    return {true,
            std::uint64_t(info.st_size),
            std::uint64_t(info.st_ino),
            std::int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
}

double secondsOf(const struct timespec& t)
{
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// config.json or index.json: re-read when its stamp changes; a broken file is reported once.
struct JsonFileWatch {
    fs::path file;
    FileStamp stamp;

    // Sets `out` when the file changed and parsed; adds a problem when it changed and did not.
    void poll(std::uint64_t maxBytes, std::optional<nlohmann::json>& out, std::vector<core::Error>& problems)
    {
        const FileStamp now = stampOf(file);
        if (now == stamp) {
            return;
        }
        stamp = now;
        if (!now.exists) {
            out = nlohmann::json();
            return;
        }
        auto parsed = core::guarded(core::ErrorCode::CorruptData, file.string(), [&] {
            auto bytes = core::unwrap(core::readFileBytes(file, std::size_t(maxBytes)));
            return detail::parseJsonBounded(
                std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), file.string());
        });
        if (parsed) {
            out = std::move(*parsed);
        } else {
            problems.push_back(parsed.error());
        }
    }
};

std::string folderSuffix(const fs::path& runDir, const fs::path& eventFile)
{
    const fs::path folder = eventFile.parent_path().lexically_relative(runDir);
    if (folder.empty() || folder == "." || folder == "tb") {
        return {};
    }
    return " (" + folder.generic_string() + ")";
}

} // namespace

class RunFollower::Impl {
public:
    Impl(fs::path runDir, FollowerOptions options)
        : m_runDir(std::move(runDir))
        , m_paths(m_runDir)
        , m_options(options)
        , m_limits{options.maxLineBytes, options.maxBytesPerPoll, options.maxColumns}
        , m_trainCsv(m_paths.trainCsv(), detail::CsvLogSource::Kind::TrainLog, m_limits)
        , m_trainJsonl(m_paths.trainJsonl(), m_limits)
        , m_metricsCsv(m_paths.metricsCsv(), detail::CsvLogSource::Kind::Metrics, m_limits)
        , m_config{m_paths.config(), {}}
        , m_index{m_paths.checkpointIndex(), {}}
    {
    }

    core::Result<RunUpdate> poll();
    core::Result<std::string> loadImageBytes(const ImageRef& image) const;

    const fs::path& runDir() const { return m_runDir; }
    mutable std::mutex mutex;

private:
    void pollLogs(RunUpdate& update);
    void pollEventFiles(RunUpdate& update);
    void pollViz(RunUpdate& update);
    void pollCheckpoints(RunUpdate& update);
    void takeSeries(int source, const std::string& series, std::vector<Point>&& points, RunUpdate& update);
    void restartSource(int source, RunUpdate& update);
    void takeImage(int source, ImageRef&& image, RunUpdate& update);
    void report(core::Error problem, RunUpdate& update);
    // A problem that repeats on every poll until the file changes (a stuck event file) is
    // reported once per distinct message.
    void reportOnce(const fs::path& file, core::Error problem, RunUpdate& update);

    fs::path m_runDir;
    RunPaths m_paths;
    FollowerOptions m_options;
    detail::LogLimits m_limits;
    detail::CsvLogSource m_trainCsv;
    detail::JsonlLogSource m_trainJsonl;
    detail::CsvLogSource m_metricsCsv;
    std::map<fs::path, tensorboard::EventFileFollower> m_eventFiles;
    std::set<std::string> m_vizSeen;
    std::vector<CheckpointInfo> m_checkpoints;
    JsonFileWatch m_config;
    JsonFileWatch m_index;
    std::map<std::string, int> m_seriesOwner;
    std::map<std::string, int> m_imageOwner;
    std::map<fs::path, std::string> m_lastProblem;
    bool m_reportedTooManySeries = false;
    std::size_t m_problemsThisPoll = 0;
    std::size_t m_droppedProblems = 0;
};

void RunFollower::Impl::report(core::Error problem, RunUpdate& update)
{
    if (m_problemsThisPoll++ < m_options.maxProblemsPerPoll) {
        update.problems.push_back(std::move(problem));
    } else {
        ++m_droppedProblems;
    }
}

void RunFollower::Impl::reportOnce(const fs::path& file, core::Error problem, RunUpdate& update)
{
    std::string& last = m_lastProblem[file];
    if (last != problem.message) {
        last = problem.message;
        report(std::move(problem), update);
    }
}

void RunFollower::Impl::takeSeries(int source,
                                   const std::string& series,
                                   std::vector<Point>&& points,
                                   RunUpdate& update)
{
    auto owner = m_seriesOwner.find(series);
    if (owner == m_seriesOwner.end()) {
        if (m_seriesOwner.size() >= m_options.maxSeries) {
            if (!m_reportedTooManySeries) {
                m_reportedTooManySeries = true;
                report({core::ErrorCode::LimitExceeded,
                        "the run has more than " + std::to_string(m_options.maxSeries) +
                            " series; the others are not shown",
                        m_runDir.string()},
                       update);
            }
            return;
        }
        owner = m_seriesOwner.emplace(series, source).first;
    } else if (source < owner->second) {
        owner->second = source; // a more trusted source: its points replace the others'
        update.resetSeries.insert(series);
        update.scalars[series].clear();
    } else if (source > owner->second) {
        return;
    }
    auto& out = update.scalars[series];
    out.insert(out.end(), std::make_move_iterator(points.begin()), std::make_move_iterator(points.end()));
}

void RunFollower::Impl::restartSource(int source, RunUpdate& update)
{
    for (const auto& [series, owner] : m_seriesOwner) {
        if (owner == source) {
            update.resetSeries.insert(series);
            update.scalars[series].clear();
        }
    }
}

void RunFollower::Impl::takeImage(int source, ImageRef&& image, RunUpdate& update)
{
    auto owner = m_imageOwner.find(image.series);
    if (owner == m_imageOwner.end()) {
        owner = m_imageOwner.emplace(image.series, source).first;
    } else if (source < owner->second) {
        owner->second = source;
        update.resetImageSeries.insert(image.series);
        std::erase_if(update.images, [&](const ImageRef& other) { return other.series == image.series; });
    } else if (source > owner->second) {
        return;
    }
    update.images.push_back(std::move(image));
}

void RunFollower::Impl::pollLogs(RunUpdate& update)
{
    const auto take = [&](int source, core::Result<detail::SourceBatch>&& batch, const fs::path& file) {
        if (!batch) {
            reportOnce(file, batch.error(), update);
            return;
        }
        m_lastProblem.erase(file);
        for (auto& problem : batch->problems) {
            report(std::move(problem), update);
        }
        if (batch->restarted) {
            restartSource(source, update);
        }
        update.caughtUp = update.caughtUp && batch->caughtUp;
        for (auto& [series, points] : batch->points) {
            takeSeries(source, series, std::move(points), update);
        }
    };
    take(kTrainCsv, m_trainCsv.poll(), m_paths.trainCsv());
    take(kTrainJsonl, m_trainJsonl.poll(), m_paths.trainJsonl());
    take(kMetricsCsv, m_metricsCsv.poll(), m_paths.metricsCsv());
}

void RunFollower::Impl::pollEventFiles(RunUpdate& update)
{
    auto files = tensorboard::findEventFiles(m_runDir);
    if (!files) {
        reportOnce(m_runDir, files.error(), update);
        return;
    }
    std::map<std::string, std::vector<Point>> points;
    for (const fs::path& file : *files) {
        auto it = m_eventFiles.find(file);
        if (it == m_eventFiles.end()) {
            tensorboard::ReaderOptions options;
            options.keepImageBytes = false; // images load lazily (loadImageBytes)
            options.maxBytesPerPoll = m_options.maxBytesPerPoll;
            options.maxRecordBytes = std::min<std::uint64_t>(options.maxRecordBytes, m_options.maxImageBytes);
            it = m_eventFiles.emplace(file, tensorboard::EventFileFollower(file, options)).first;
        }
        const std::uint64_t before = it->second.offset();
        auto batch = it->second.poll();
        if (!batch) {
            reportOnce(file, batch.error(), update);
            continue;
        }
        for (auto& problem : batch->problems) {
            reportOnce(file, std::move(problem), update);
        }
        // Not caught up means "stopped at the per-poll budget"; a reader stuck at a damaged
        // record is not caught up either, but polling again at once would not help it.
        if (!batch->caughtUp && it->second.offset() - before >= m_options.maxBytesPerPoll) {
            update.caughtUp = false;
        }
        const std::string suffix = folderSuffix(m_runDir, file);
        for (const auto& scalar : batch->scalars) {
            points[scalar.tag + suffix].push_back(Point{scalar.step, scalar.value, scalar.wallTime});
        }
        if (!m_options.images) {
            continue;
        }
        for (const auto& record : batch->images) {
            ImageRef image;
            image.series =
                record.tag + (record.sample > 0 ? "#" + std::to_string(record.sample) : "") + suffix;
            image.step = record.step;
            image.wallTime = record.wallTime;
            image.file = file;
            image.inEventFile = true;
            image.recordOffset = record.recordOffset;
            image.sample = record.sample;
            image.width = record.width;
            image.height = record.height;
            takeImage(kEventImages, std::move(image), update);
        }
    }
    for (auto& [series, seriesPoints] : points) {
        std::stable_sort(seriesPoints.begin(), seriesPoints.end(), [](const Point& a, const Point& b) {
            return a.step < b.step;
        });
        takeSeries(kEventFiles, series, std::move(seriesPoints), update);
    }
}

void RunFollower::Impl::pollViz(RunUpdate& update)
{
    std::error_code ec;
    fs::directory_iterator it(m_paths.viz(), ec);
    if (ec) {
        return; // no viz/ yet
    }
    std::vector<ImageRef> found;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) {
            break;
        }
        const std::string name = it->path().filename().string();
        const auto viz = parseVizFileName(name);
        if (!viz || m_vizSeen.count(name) || !it->is_regular_file(ec)) {
            continue;
        }
        struct stat info {};
        if (::stat(it->path().c_str(), &info) != 0) {
            continue;
        }
        m_vizSeen.insert(name);
        ImageRef image;
        image.series = vizSeriesName(viz->sample);
        image.step = viz->epoch;
        image.wallTime = secondsOf(info.st_mtim);
        image.file = it->path();
        found.push_back(std::move(image));
    }
    std::sort(found.begin(), found.end(), [](const ImageRef& a, const ImageRef& b) {
        return std::tie(a.series, a.step) < std::tie(b.series, b.step);
    });
    for (auto& image : found) {
        takeImage(kVizFiles, std::move(image), update);
    }
}

void RunFollower::Impl::pollCheckpoints(RunUpdate& update)
{
    std::vector<CheckpointInfo> list;
    std::error_code ec;
    fs::directory_iterator it(m_paths.checkpoints(), ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const fs::path& path = it->path();
        const std::string ext = path.extension().string();
        if (path.filename().string().starts_with(".") ||
            (ext != ".pt" && ext != ".pth" && ext != ".ckpt" && ext != ".safetensors")) {
            continue;
        }
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
            continue;
        }
        CheckpointInfo checkpoint;
        checkpoint.name = path.filename().string();
        checkpoint.path = path;
        checkpoint.epoch = parseCheckpointEpoch(checkpoint.name);
        checkpoint.bytes = std::uint64_t(info.st_size);
        checkpoint.modifiedTime = secondsOf(info.st_mtim);
        list.push_back(std::move(checkpoint));
    }
    std::sort(list.begin(), list.end(), [](const CheckpointInfo& a, const CheckpointInfo& b) {
        const std::int64_t ea = a.epoch.value_or(INT64_MAX), eb = b.epoch.value_or(INT64_MAX);
        return std::tie(ea, a.name) < std::tie(eb, b.name);
    });
    if (list != m_checkpoints) {
        m_checkpoints = list;
        update.checkpoints = std::move(list);
    }
    m_index.poll(m_options.maxJsonFileBytes, update.checkpointIndex, update.problems);
    m_config.poll(m_options.maxJsonFileBytes, update.config, update.problems);
}

core::Result<RunUpdate> RunFollower::Impl::poll()
{
    std::error_code ec;
    if (!fs::is_directory(m_runDir, ec)) {
        return core::fail(
            core::ErrorCode::IoError, "the run folder does not exist or cannot be read", m_runDir.string());
    }
    RunUpdate update;
    m_problemsThisPoll = 0;
    m_droppedProblems = 0;
    pollLogs(update);
    if (m_options.tensorboard) {
        pollEventFiles(update);
    }
    if (m_options.images) {
        pollViz(update);
    }
    if (m_options.files) {
        pollCheckpoints(update);
    }
    if (m_droppedProblems > 0) {
        update.problems.push_back({core::ErrorCode::CorruptData,
                                   std::to_string(m_droppedProblems) + " more problems were not listed",
                                   m_runDir.string()});
    }
    return update;
}

core::Result<std::string> RunFollower::Impl::loadImageBytes(const ImageRef& image) const
{
    if (!image.inEventFile) {
        return core::guarded(core::ErrorCode::IoError, image.file.string(), [&] {
            auto bytes = core::unwrap(core::readFileBytes(image.file, std::size_t(m_options.maxImageBytes)));
            return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        });
    }
    const auto it = m_eventFiles.find(image.file);
    auto records = it != m_eventFiles.end()
                       ? it->second.loadImages(image.recordOffset)
                       : tensorboard::EventFileFollower(image.file).loadImages(image.recordOffset);
    if (!records) {
        return tl::unexpected<core::Error>(records.error());
    }
    for (auto& record : *records) {
        if (record.sample == image.sample) {
            return std::move(record.encoded);
        }
    }
    return core::fail(core::ErrorCode::CorruptData,
                      "the event record at byte " + std::to_string(image.recordOffset) +
                          " holds no such image",
                      image.file.string());
}

RunFollower::RunFollower(fs::path runDir, FollowerOptions options)
    : m_impl(std::make_unique<Impl>(std::move(runDir), options))
{
}

RunFollower::~RunFollower() = default;
RunFollower::RunFollower(RunFollower&&) noexcept = default;
RunFollower& RunFollower::operator=(RunFollower&&) noexcept = default;

core::Result<RunUpdate> RunFollower::poll()
{
    std::lock_guard lock(m_impl->mutex);
    return core::guarded(
        core::ErrorCode::IoError, m_impl->runDir().string(), [&] { return core::unwrap(m_impl->poll()); });
}

core::Result<std::string> RunFollower::loadImageBytes(const ImageRef& image) const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->loadImageBytes(image);
}

const fs::path& RunFollower::runDir() const
{
    return m_impl->runDir();
}

core::Result<RunSnapshot> readRunFolder(const fs::path& runDir, const FollowerOptions& options)
{
    RunFollower follower(runDir, options);
    RunSnapshot snapshot;
    for (int round = 0; round < 100000; ++round) {
        auto update = follower.poll();
        if (!update) {
            return tl::unexpected<core::Error>(update.error());
        }
        const bool caughtUp = update->caughtUp;
        snapshot.apply(std::move(*update));
        if (caughtUp) {
            return snapshot;
        }
    }
    return core::fail(
        core::ErrorCode::LimitExceeded, "the run is too large to read at once", runDir.string());
}

} // namespace hdr::runlog
