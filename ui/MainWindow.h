#pragma once

#include "display/ViewportRenderer.h"
#include "io/ImageIO.h"
#include "ui/RecentFiles.h"
#include "ui/viewer/ImageDocument.h"

#include <QMainWindow>

#include <memory>
#include <optional>

class QDockWidget;
class QLabel;
class QMenu;

namespace hdr::core {
class JobManager;
class OcioConfig;
} // namespace hdr::core

namespace hdr::ui {

class DisplayControlsPanel;
class GenerationPanel;
class HistogramWidget;
class ImageInfoPanel;
class ImageViewer;
class JobListPanel;

// Composes the panels: the viewer in the centre, docks for display controls, histogram, image
// info and jobs (later: prompt editor, bracket strip, gallery, training dashboard). Owns no
// algorithms: opening, exporting and the demo scene run as jobs on the JobManager.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(core::JobManager* jobs, QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path, bool asCompare = false);
    void showDemoScene();
    void exportTo(const QString& path, bool overwrite);
    // Modal error boxes are off in tests and headless runs; errors still reach the status bar
    // and the job list.
    void setErrorDialogsEnabled(bool enabled) { m_errorDialogs = enabled; }

    ImageViewer* viewer() const { return m_viewer; }
    DisplayControlsPanel* displayControls() const { return m_controls; }
    HistogramWidget* histogram() const { return m_histogram; }
    JobListPanel* jobList() const { return m_jobList; }
    // The Generate dock's panel; nullptr when the diffusion engine was not built.
    GenerationPanel* generationPanel() const { return m_generation; }
    QString lastError() const { return m_lastError; }

signals:
    void documentOpened(const QString& displayName);
    void compareOpened(const QString& displayName);
    void exportFinished(const QString& path, bool ok);
    void errorShown(const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;
    void closeEvent(QCloseEvent* e) override;

private:
    void createActions();
    void createDocks();
    void rebuildRecentMenu();
    void setDocument(const DocumentPtr& doc);
    void showError(const QString& message);
    void updateProbe(const std::optional<core::PixelProbe>& probe, bool fromCompare);
    void autoExposure();
    void openDialog(bool asCompare);
    void saveAsDialog();
    void createGenerationDock(QDockWidget* jobsDock);
    void showGeneratedImage(std::shared_ptr<const core::ImageF> image, const QString& name);

    core::JobManager* m_jobs;
    std::shared_ptr<const core::OcioConfig> m_ocio;
    ImageViewer* m_viewer = nullptr;
    DisplayControlsPanel* m_controls = nullptr;
    HistogramWidget* m_histogram = nullptr;
    ImageInfoPanel* m_info = nullptr;
    JobListPanel* m_jobList = nullptr;
    GenerationPanel* m_generation = nullptr;
    QDockWidget* m_generationDock = nullptr;
    QDockWidget* m_bracketsDock = nullptr;
    QLabel* m_probeLabel = nullptr;
    QLabel* m_zoomLabel = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    RecentFiles m_recent;
    QString m_lastError;
    bool m_errorDialogs = true;
};

} // namespace hdr::ui
