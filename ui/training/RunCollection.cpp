#include "ui/training/RunCollection.h"

#include "jobs/JobManager.h"
#include "runlog/CurvePlot.h"
#include "runlog/RunFollower.h"
#include "ui/training/BackgroundTask.h"

#include <QDir>
#include <QFileInfo>
#include <QTimer>

namespace hdr::ui {

struct RunCollection::PollResult {
    int runId = 0;
    core::Result<runlog::RunUpdate> update;
};

QColor runColor(int index)
{
    const runlog::Rgb rgb = runlog::seriesColor(std::size_t(std::max(index, 0)));
    return QColor(rgb.r, rgb.g, rgb.b);
}

RunCollection::RunCollection(core::JobManager* jobs, QObject* parent)
    : QObject(parent)
    , m_jobs(jobs)
    , m_timer(new QTimer(this))
{
    m_ownPool.setMaxThreadCount(2);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &RunCollection::pollNow);
    m_timer->start();
}

RunCollection::~RunCollection()
{
    // Work in our own pool holds only shared followers; wait so it does not outlive the pool.
    m_ownPool.waitForDone();
}

QThreadPool& RunCollection::pool()
{
    return m_jobs ? m_jobs->pool(core::JobResource::Io) : m_ownPool;
}

int RunCollection::addRun(const QString& dir)
{
    const QString clean = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    if (const TrainingRun* existing = runByDir(clean)) {
        return existing->id;
    }
    auto run = std::make_unique<TrainingRun>();
    run->id = m_nextId++;
    run->dir = clean;
    run->name = QFileInfo(clean).fileName();
    run->color = runColor(run->id - 1);
    run->follower = std::make_shared<runlog::RunFollower>(clean.toStdString());
    const int id = run->id;
    m_runs.push_back(std::move(run));
    emit runAdded(id);
    pollNow();
    return id;
}

void RunCollection::removeRun(int id)
{
    const auto it =
        std::find_if(m_runs.begin(), m_runs.end(), [id](const auto& run) { return run->id == id; });
    if (it != m_runs.end()) {
        m_runs.erase(it); // a poll in flight keeps its follower alive; its result is dropped
        emit runRemoved(id);
    }
}

const TrainingRun* RunCollection::run(int id) const
{
    for (const auto& run : m_runs) {
        if (run->id == id) {
            return run.get();
        }
    }
    return nullptr;
}

const TrainingRun* RunCollection::runByDir(const QString& dir) const
{
    const QString clean = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    for (const auto& run : m_runs) {
        if (run->dir == clean) {
            return run.get();
        }
    }
    return nullptr;
}

std::vector<const TrainingRun*> RunCollection::runs() const
{
    std::vector<const TrainingRun*> out;
    for (const auto& run : m_runs) {
        out.push_back(run.get());
    }
    return out;
}

void RunCollection::setFollowing(bool following)
{
    m_following = following;
    if (following) {
        m_timer->start();
        pollNow();
    } else {
        m_timer->stop();
    }
}

void RunCollection::setPollInterval(int milliseconds)
{
    m_timer->setInterval(std::max(milliseconds, 10));
}

void RunCollection::pollNow()
{
    if (m_polling) {
        m_pollAgain = true; // coalesce: one more poll once this one is applied
        return;
    }
    startPoll();
}

void RunCollection::startPoll()
{
    std::vector<std::pair<int, std::shared_ptr<runlog::RunFollower>>> followers;
    for (const auto& run : m_runs) {
        followers.emplace_back(run->id, run->follower);
    }
    if (followers.empty()) {
        return;
    }
    m_polling = true;
    m_pollAgain = false;
    auto future = runInPool(pool(), [followers = std::move(followers)]() {
        std::vector<PollResult> results;
        for (const auto& [id, follower] : followers) {
            results.push_back({id, follower->poll()});
        }
        return results;
    });
    future.then(this, [this](QFuture<std::vector<PollResult>> done) {
        m_polling = false;
        if (done.resultCount() > 0) {
            std::vector<PollResult> results = done.takeResult();
            applyResults(results);
        }
        emit pollFinished();
        if (m_pollAgain) {
            pollNow();
        }
    });
}

void RunCollection::applyResults(std::vector<PollResult>& results)
{
    for (PollResult& result : results) {
        const auto it = std::find_if(
            m_runs.begin(), m_runs.end(), [&](const auto& run) { return run->id == result.runId; });
        if (it == m_runs.end()) {
            continue; // removed while the poll ran
        }
        TrainingRun& run = **it;
        run.everPolled = true;
        RunChange change;
        change.runId = run.id;
        if (!result.update) {
            const QString error = QString::fromStdString(result.update.error().describe());
            if (error != run.error) {
                run.error = error;
                emit runChanged(change);
            }
            continue;
        }
        runlog::RunUpdate& update = *result.update;
        const bool caughtUp = update.caughtUp;
        change.images = !update.images.empty() || !update.resetImageSeries.empty();
        change.checkpoints = update.checkpoints.has_value();
        change.config = update.config.has_value();
        change.problems = int(update.problems.size());
        const bool hadError = !run.error.isEmpty();
        run.error.clear();
        const bool empty = update.empty() && update.problems.empty();
        change.series = run.data.apply(std::move(update));
        if (!empty || hadError) {
            emit runChanged(change);
        }
        if (!caughtUp) {
            m_pollAgain = true; // more to read: go on without waiting for the timer
        }
    }
}

QFuture<LoadedImage> RunCollection::loadImage(int runId, const runlog::ImageRef& image, int maxSide)
{
    const TrainingRun* owner = run(runId);
    std::shared_ptr<runlog::RunFollower> follower = owner ? owner->follower : nullptr;
    return runInPool(pool(), [follower, image, maxSide]() {
        LoadedImage loaded;
        if (!follower) {
            loaded.error = QStringLiteral("the run was closed");
            return loaded;
        }
        auto bytes = follower->loadImageBytes(image);
        if (!bytes) {
            loaded.error = QString::fromStdString(bytes.error().describe());
            return loaded;
        }
        loaded.image = QImage::fromData(QByteArray::fromStdString(*bytes));
        if (loaded.image.isNull()) {
            loaded.error = QStringLiteral("%1 is not an image Qt can decode")
                               .arg(QString::fromStdString(image.file.string()));
        } else if (maxSide > 0 && (loaded.image.width() > maxSide || loaded.image.height() > maxSide)) {
            loaded.image =
                loaded.image.scaled(maxSide, maxSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        }
        return loaded;
    });
}

} // namespace hdr::ui
