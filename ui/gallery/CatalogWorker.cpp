#include "ui/gallery/CatalogWorker.h"

#include "jobs/JobManager.h"

#include <QPointer>

namespace hdr::ui {

struct CatalogWorker::Shared {
    std::unique_ptr<catalog::Catalog> catalog;
};

CatalogWorker::CatalogWorker(core::JobManager* jobs, QObject* parent)
    : QObject(parent)
    , m_jobs(jobs)
    , m_shared(std::make_shared<Shared>())
{
}

CatalogWorker::~CatalogWorker() = default;

void CatalogWorker::post(Task task)
{
    m_queue.push_back(std::move(task));
    if (!m_running) startNext();
}

void CatalogWorker::dropPending()
{
    m_queue.clear();
}

void CatalogWorker::startNext()
{
    if (m_queue.empty()) {
        m_running = false;
        emit idle();
        return;
    }
    m_running = true;
    Task task = std::move(m_queue.front());
    m_queue.pop_front();
    // The result comes back through the JobManager (it outlives every job and lives in the GUI
    // thread); the QPointer is only read there, so a worker deleted meanwhile is noticed safely.
    QPointer<CatalogWorker> self(this);
    core::JobManager* jobs = m_jobs;
    std::shared_ptr<Shared> shared = m_shared;
    m_jobs->pool(core::JobResource::Io).start([self, jobs, shared, task = std::move(task)]() mutable {
        Continuation done;
        try {
            done = task(shared->catalog);
        } catch (...) {
            // Tasks report their errors through their continuation; nothing may escape a pool thread.
        }
        QMetaObject::invokeMethod(
            jobs,
            [self, done = std::move(done)] {
                if (!self) return;
                if (done) done();
                if (self) self->startNext();
            },
            Qt::QueuedConnection);
    });
}

} // namespace hdr::ui
