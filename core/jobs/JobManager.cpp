#include "jobs/JobManager.h"

#include <QDateTime>
#include <QMetaObject>
#include <QThread>

namespace hdr::core {
namespace {
constexpr qint64 kProgressEmitIntervalMs = 50; // at most ~20 progress updates a second per job
}

const char* nameOf(JobState s)
{
    switch (s) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Succeeded: return "succeeded";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
    }
    return "?";
}

double JobInfo::etaSeconds() const
{
    if (state != JobState::Running || progress <= 0.01 || !startedAt.isValid()) {
        return -1.0;
    }
    const double elapsed = double(startedAt.msecsTo(QDateTime::currentDateTimeUtc())) / 1000.0;
    return elapsed * (1.0 - progress) / progress;
}

void JobManager::Context::setProgress(double fraction, std::string_view stage)
{
    m_manager->reportProgress(m_id, fraction, QString::fromUtf8(stage.data(), qsizetype(stage.size())));
}

void JobManager::Context::publishPreview(const PreviewFrame& frame)
{
    m_manager->reportPreview(m_id, frame);
}

JobManager::JobManager(QObject* parent)
    : QObject(parent)
{
    m_ioPool.setMaxThreadCount(2);
    m_ioPool.setObjectName(QStringLiteral("hdr.io"));
    m_devicePool.setMaxThreadCount(1);
    m_devicePool.setObjectName(QStringLiteral("hdr.device"));
}

JobManager::~JobManager()
{
    cancelAll();
    waitForAll();
}

QThreadPool& JobManager::pool(JobResource r)
{
    switch (r) {
    case JobResource::Io: return m_ioPool;
    case JobResource::Device: return m_devicePool;
    case JobResource::Compute: break;
    }
    return *QThreadPool::globalInstance();
}

int JobManager::nextPriority()
{
    return ++m_priority;
}

std::shared_ptr<JobManager::Context> JobManager::addJob(const QString& title, JobResource resource)
{
    quint64 id = 0;
    std::shared_ptr<Context> ctx;
    {
        QMutexLocker lock(&m_mutex);
        id = m_nextId++;
        ctx = std::make_shared<Context>(this, id);
        Record rec;
        rec.info.id = id;
        rec.info.title = title;
        rec.info.resource = resource;
        rec.info.queuedAt = QDateTime::currentDateTimeUtc();
        rec.context = ctx;
        m_records.emplace(id, std::move(rec));
    }
    emit jobAdded(id);
    return ctx;
}

void JobManager::postChanged(quint64 id)
{
    QMetaObject::invokeMethod(
        this, [this, id] { emit jobChanged(id); }, Qt::QueuedConnection);
}

void JobManager::markRunning(quint64 id)
{
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_records.find(id);
        if (it == m_records.end() || it->second.info.finished()) {
            return;
        }
        it->second.info.state = JobState::Running;
        it->second.info.startedAt = QDateTime::currentDateTimeUtc();
    }
    postChanged(id);
}

void JobManager::markDone(quint64 id, JobState state, const QString& error)
{
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_records.find(id);
        if (it == m_records.end()) {
            return;
        }
        JobInfo& info = it->second.info;
        if (info.finished() && info.state == state) {
            return;
        }
        info.state = state;
        info.error = error;
        info.finishedAt = QDateTime::currentDateTimeUtc();
        if (state == JobState::Succeeded) {
            info.progress = 1.0;
        }
    }
    QMetaObject::invokeMethod(
        this,
        [this, id, state] {
            emit jobChanged(id);
            emit jobFinished(id, state);
        },
        Qt::QueuedConnection);
}

void JobManager::reportProgress(quint64 id, double fraction, const QString& stage)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_records.find(id);
        if (it == m_records.end()) {
            return;
        }
        it->second.info.progress = std::clamp(fraction, 0.0, 1.0);
        it->second.info.stage = stage;
        if (now - it->second.lastProgressEmitMs < kProgressEmitIntervalMs && fraction < 1.0) {
            return;
        }
        it->second.lastProgressEmitMs = now;
    }
    postChanged(id);
}

void JobManager::reportPreview(quint64 id, const PreviewFrame& frame)
{
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_records.find(id);
        if (it == m_records.end()) {
            return;
        }
        it->second.preview = frame;
        it->second.info.hasPreview = true;
    }
    QMetaObject::invokeMethod(
        this, [this, id] { emit jobPreview(id); }, Qt::QueuedConnection);
}

void JobManager::cancel(quint64 id)
{
    bool wasQueued = false;
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_records.find(id);
        if (it == m_records.end() || it->second.info.finished()) {
            return;
        }
        it->second.context->cancel();
        wasQueued = it->second.info.state == JobState::Queued;
    }
    // A queued job may never run its body (the pool skips cancelled tasks), so settle it here.
    if (wasQueued) {
        markDone(id, JobState::Cancelled, {});
    }
}

void JobManager::cancelAll()
{
    QList<quint64> ids;
    {
        QMutexLocker lock(&m_mutex);
        for (const auto& [id, rec] : m_records) {
            if (!rec.info.finished()) {
                ids.push_back(id);
            }
        }
    }
    for (quint64 id : ids) {
        cancel(id);
    }
}

void JobManager::waitForAll()
{
    m_ioPool.waitForDone();
    m_devicePool.waitForDone();
    QThreadPool::globalInstance()->waitForDone();
}

QList<JobInfo> JobManager::jobs() const
{
    QMutexLocker lock(&m_mutex);
    QList<JobInfo> out;
    for (const auto& [id, rec] : m_records) {
        out.push_back(rec.info);
    }
    return out;
}

std::optional<JobInfo> JobManager::job(quint64 id) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_records.find(id);
    if (it == m_records.end()) {
        return std::nullopt;
    }
    return it->second.info;
}

PreviewFrame JobManager::preview(quint64 id) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_records.find(id);
    return it == m_records.end() ? PreviewFrame{} : it->second.preview;
}

void JobManager::clearFinished()
{
    {
        QMutexLocker lock(&m_mutex);
        std::erase_if(m_records, [](const auto& kv) {
            const JobState s = kv.second.info.state;
            return s == JobState::Succeeded || s == JobState::Cancelled;
        });
    }
    emit jobsCleared();
}

void JobManager::clearAll()
{
    {
        QMutexLocker lock(&m_mutex);
        std::erase_if(m_records, [](const auto& kv) { return kv.second.info.finished(); });
    }
    emit jobsCleared();
}

} // namespace hdr::core
