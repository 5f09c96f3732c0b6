#pragma once

#include "ui/training/RunCollection.h"

#include <QString>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QTabWidget;

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

class CheckpointList;
class ConfigTable;
class ImagePanels;
class ScalarPlots;

// The training dashboard: opens one or several run folders (runlog layout, or any folder of
// TensorBoard event files), follows live runs, and shows
//  - Scalars: loss / learning rate / metric curves of all runs overlaid (ScalarPlots), with a
//    smoothing slider (TensorBoard's debiased EMA, raw curves faint) and a log/linear y toggle;
//  - Images: every image series under one global step slider (ImagePanels);
//  - Config: the hyper-parameter table, differing keys highlighted (ConfigTable);
//  - Checkpoints: name, epoch, size, time per run (CheckpointList).
// File reading runs on worker threads (RunCollection); the GUI thread only applies results.
//
// Training itself is not started here: Start / Resume emit startRequested / resumeRequested for
// the owner to run through the job system. Stop both emits stopRequested and asks the trainer
// directly by creating STOP_TRAINING in the run folder (atomically, runlog::requestStop), which a
// trainer polls between steps, so stopping works even for a trainer in another process.
class TrainingDashboard : public QWidget {
    Q_OBJECT
public:
    // jobs: whose I/O pool reads the runs; null: the dashboard uses a pool of its own.
    explicit TrainingDashboard(core::JobManager* jobs = nullptr, QWidget* parent = nullptr);
    ~TrainingDashboard() override;

    int addRun(const QString& runDir); // returns the run's id; an open run is not added twice
    void removeRun(int runId);
    QStringList runDirs() const;
    QString currentRunDir() const; // the run Stop / Resume act on (selected in the run list)
    void setCurrentRunDir(const QString& runDir);
    void setFollowing(bool following);
    void setPollInterval(int milliseconds);

    void requestStart(const QString& configPath);
    bool stopRun(const QString& runDir); // false (and the status says why) when it could not
    void resumeRun(const QString& runDir);

    RunCollection* runs() const { return m_runs; }
    ScalarPlots* scalarPlots() const { return m_plots; }
    ImagePanels* imagePanels() const { return m_images; }
    ConfigTable* configTable() const { return m_config; }
    CheckpointList* checkpointList() const { return m_checkpoints; }
    QSlider* smoothingSlider() const { return m_smoothing; }
    QCheckBox* logScaleToggle() const { return m_logScale; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* stopButton() const { return m_stop; }
    QPushButton* resumeButton() const { return m_resume; }
    QTabWidget* tabs() const { return m_tabs; }
    QString statusText() const;

signals:
    void startRequested(const QString& configPath);
    void stopRequested(const QString& runDir);
    void resumeRequested(const QString& runDir);

private:
    void onRunAdded(int id);
    void onRunChanged(const RunChange& change);
    void onRunRemoved(int id);
    void chooseRunFolder();
    void chooseConfig();
    void refreshConfigTable();
    void refreshRunItem(int id);
    void updateButtons();
    void setStatus(const QString& text, bool isError);

    RunCollection* m_runs = nullptr;
    QListWidget* m_runList = nullptr;
    QTabWidget* m_tabs = nullptr;
    ScalarPlots* m_plots = nullptr;
    ImagePanels* m_images = nullptr;
    ConfigTable* m_config = nullptr;
    CheckpointList* m_checkpoints = nullptr;
    QSlider* m_smoothing = nullptr;
    QLabel* m_smoothingValue = nullptr;
    QCheckBox* m_logScale = nullptr;
    QCheckBox* m_follow = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
    QPushButton* m_resume = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace hdr::ui
