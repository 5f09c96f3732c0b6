#pragma once

#include "runlog/RunData.h"

#include <QColor>
#include <QFuture>
#include <QImage>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <memory>
#include <set>
#include <string>
#include <vector>

class QTimer;

namespace hdr::core {
class JobManager;
}
namespace hdr::runlog {
class RunFollower;
}

namespace hdr::ui {

// One run the dashboard shows: what was read so far (GUI thread only) and its follower (used by
// one worker at a time).
struct TrainingRun {
    int id = 0;
    QString dir;
    QString name; // the folder name
    QColor color;
    runlog::RunSnapshot data;
    std::shared_ptr<runlog::RunFollower> follower;
    QString error; // why the last poll failed (folder gone, unreadable); empty when fine
    bool everPolled = false;
};

// What one poll changed in a run.
struct RunChange {
    int runId = 0;
    std::set<std::string> series; // scalar series with new or reset points
    bool images = false;
    bool checkpoints = false;
    bool config = false;
    int problems = 0; // new problems reported
};

struct LoadedImage {
    QImage image; // null when it could not be loaded
    QString error;
};

// The runs of a dashboard and their live following: a timer (1 s by default) starts a poll of
// every run on a worker thread (the JobManager's I/O pool, or a pool of our own); the results
// are applied on the GUI thread. At most one poll is in flight: ticks during a slow poll
// coalesce into one poll after it. A run whose logs are larger than one poll reads
// (RunUpdate::caughtUp) is polled again at once.
class RunCollection : public QObject {
    Q_OBJECT
public:
    explicit RunCollection(core::JobManager* jobs = nullptr, QObject* parent = nullptr);
    ~RunCollection() override;

    // Adds a run folder (or returns the id it already has) and polls it soon.
    int addRun(const QString& dir);
    void removeRun(int id);
    const TrainingRun* run(int id) const;
    const TrainingRun* runByDir(const QString& dir) const;
    std::vector<const TrainingRun*> runs() const; // in the order they were added

    void setFollowing(bool following); // live polling on/off (off: one poll per addRun/pollNow)
    bool isFollowing() const { return m_following; }
    void setPollInterval(int milliseconds);
    void pollNow();
    bool isPolling() const { return m_polling; }

    // Loads and decodes one image on a worker thread; `maxSide` > 0 scales it down to fit.
    QFuture<LoadedImage> loadImage(int runId, const runlog::ImageRef& image, int maxSide = 0);

signals:
    void runAdded(int id);
    void runRemoved(int id);
    void runChanged(const hdr::ui::RunChange& change);
    void pollFinished();

private:
    struct PollResult;
    void startPoll();
    void applyResults(std::vector<PollResult>& results);
    QThreadPool& pool();

    core::JobManager* m_jobs;
    QThreadPool m_ownPool;
    QTimer* m_timer = nullptr;
    std::vector<std::unique_ptr<TrainingRun>> m_runs;
    int m_nextId = 1;
    bool m_following = true;
    bool m_polling = false;
    bool m_pollAgain = false;
};

// The colour of the n-th run (the same qualitative palette as the PNG curve figures).
QColor runColor(int index);

} // namespace hdr::ui
