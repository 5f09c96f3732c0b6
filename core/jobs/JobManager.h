#pragma once

#include "common/Error.h"
#include "common/JobContext.h"

#include <QDateTime>
#include <QFuture>
#include <QMutex>
#include <QObject>
#include <QPromise>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

namespace hdr::core {

enum class JobState { Queued, Running, Succeeded, Failed, Cancelled };
enum class JobResource {
    Io,      // file reads/writes: a small pool, so disk work never starves compute
    Compute, // CPU-heavy algorithms: one thread per core
    Device,  // libtorch inference/training: exactly one at a time
};

const char* nameOf(JobState s);

struct JobInfo {
    quint64 id = 0;
    QString title;
    JobResource resource = JobResource::Compute;
    JobState state = JobState::Queued;
    double progress = 0.0; // 0..1
    QString stage;
    QString error; // the user-facing message of a failed job (kept until cleared)
    QDateTime queuedAt, startedAt, finishedAt;
    bool hasPreview = false;

    bool finished() const
    {
        return state == JobState::Succeeded || state == JobState::Failed || state == JobState::Cancelled;
    }
    // Seconds left, extrapolated from progress so far; < 0 when unknown.
    double etaSeconds() const;
};

// Runs core functions (taking a JobContext&) on Qt's thread pools and tracks them for the UI:
// Queued / Running / Succeeded / Failed / Cancelled, progress with a stage text, the error of a
// failed job, the latest preview. Owned by the application (not a singleton); lives in the GUI
// thread; its signals arrive there. The newest submission gets the highest priority within its
// pool, so the user's latest request runs first.
class JobManager : public QObject {
    Q_OBJECT
public:
    explicit JobManager(QObject* parent = nullptr);
    ~JobManager() override;

    // Queues `work` and returns its future, which holds the work's Result (an error result when
    // it failed, was cancelled or threw). A job cancelled before it started may finish with no
    // result at all: check resultCount(). Call from the manager's thread.
    template <typename T>
    QFuture<Result<T>>
    submit(const QString& title, JobResource resource, std::function<Result<T>(JobContext&)> work);

    void cancel(quint64 id);
    void cancelAll();
    void waitForAll(); // blocks until every pool is idle (shutdown, tests)
    QList<JobInfo> jobs() const;
    std::optional<JobInfo> job(quint64 id) const;
    PreviewFrame preview(quint64 id) const;
    void clearFinished(); // drops succeeded and cancelled jobs; failed ones stay until cleared
    void clearAll();      // drops every finished job, failed ones too

    QThreadPool& pool(JobResource r);

signals:
    void jobAdded(quint64 id);
    void jobChanged(quint64 id);
    void jobFinished(quint64 id, hdr::core::JobState state);
    void jobPreview(quint64 id);
    void jobsCleared();

private:
    class Context;
    struct Record {
        JobInfo info;
        std::shared_ptr<Context> context;
        PreviewFrame preview;
        qint64 lastProgressEmitMs = 0;
    };

    std::shared_ptr<Context> addJob(const QString& title, JobResource resource);
    void markRunning(quint64 id);
    void markDone(quint64 id, JobState state, const QString& error);
    void reportProgress(quint64 id, double fraction, const QString& stage);
    void reportPreview(quint64 id, const PreviewFrame& frame);
    void postChanged(quint64 id);
    int nextPriority();

    mutable QMutex m_mutex;
    std::map<quint64, Record> m_records;
    quint64 m_nextId = 1;
    std::atomic<int> m_priority{0};
    QThreadPool m_ioPool;
    QThreadPool m_devicePool;
};

// The JobContext a job's work sees: cancellation through JobManager::cancel(),
// progress and previews forwarded to the manager (thread-safe, throttled).
class JobManager::Context final : public JobContext {
public:
    Context(JobManager* manager, quint64 id)
        : m_manager(manager)
        , m_id(id)
    {
    }
    bool isCancelled() const override { return m_cancelled.load(std::memory_order_relaxed); }
    void setProgress(double fraction, std::string_view stage) override;
    void publishPreview(const PreviewFrame& frame) override;
    void cancel() { m_cancelled.store(true); }
    quint64 id() const { return m_id; }

private:
    JobManager* m_manager;
    quint64 m_id;
    std::atomic<bool> m_cancelled{false};
};

template <typename T>
QFuture<Result<T>>
JobManager::submit(const QString& title, JobResource resource, std::function<Result<T>(JobContext&)> work)
{
    std::shared_ptr<Context> ctx = addJob(title, resource);
    const quint64 id = ctx->id();
    auto task = [this, ctx, id, work = std::move(work)]() -> Result<T> {
        if (ctx->isCancelled()) {
            markDone(id, JobState::Cancelled, {});
            return fail(ErrorCode::Cancelled, "cancelled before it started");
        }
        markRunning(id);
        Result<T> result = [&]() -> Result<T> {
            try {
                return work(*ctx);
            } catch (...) {
                return tl::unexpected(errorFromCurrentException(ErrorCode::Internal, {}));
            }
        }();
        if (!result && (result.error().code == ErrorCode::Cancelled || ctx->isCancelled())) {
            markDone(id, JobState::Cancelled, {});
        } else if (!result) {
            markDone(id, JobState::Failed, QString::fromStdString(result.error().describe()));
        } else {
            markDone(id, JobState::Succeeded, {});
        }
        return result;
    };
    // A plain QPromise + QThreadPool::start rather than QtConcurrent: QFuture::waitForFinished()
    // steals a queued QtConcurrent runnable and runs it on the waiting thread, which would let
    // two device jobs run at once (caught by tst_jobmanager).
    auto promise = std::make_shared<QPromise<Result<T>>>();
    QFuture<Result<T>> future = promise->future();
    promise->start();
    pool(resource).start(
        [promise, task = std::move(task)]() mutable {
            promise->addResult(task());
            promise->finish();
        },
        nextPriority());
    return future;
}

} // namespace hdr::core
