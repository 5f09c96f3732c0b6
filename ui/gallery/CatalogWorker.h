#pragma once
// Runs the gallery's catalog work (scans, sidecar writes, moving rejected files) on the I/O pool,
// one task at a time and in submission order, so a refresh queued after a rating sees that rating
// on disk. The catalog lives with the tasks and is only touched by the running one; each task
// returns a continuation that runs on the GUI thread before the next task starts.
#include "catalog/Catalog.h"

#include <QObject>

#include <deque>
#include <functional>
#include <memory>

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

class CatalogWorker : public QObject {
    Q_OBJECT
public:
    using Continuation = std::function<void()>;
    // Runs on a pool thread with the current catalog (null until a folder is opened; a task may
    // replace it). Returns what to do on the GUI thread (may be empty).
    using Task = std::function<Continuation(std::unique_ptr<catalog::Catalog>& catalog)>;

    CatalogWorker(core::JobManager* jobs, QObject* parent = nullptr);
    ~CatalogWorker() override;

    void post(Task task);
    // Drops the tasks not started yet (a new folder makes them moot).
    void dropPending();
    bool isBusy() const { return m_running || !m_queue.empty(); }

signals:
    void idle(); // the queue ran empty

private:
    void startNext();

    struct Shared; // the catalog, shared with the running task so it outlives this object if need be
    core::JobManager* m_jobs;
    std::shared_ptr<Shared> m_shared;
    std::deque<Task> m_queue;
    bool m_running = false;
};

} // namespace hdr::ui
