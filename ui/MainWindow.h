#pragma once

#include "display/ViewportRenderer.h"
#include "io/ImageIO.h"
#include "ui/RecentFiles.h"
#include "ui/plugins/GenerationPlugin.h"
#include "ui/viewer/ImageDocument.h"

#include <QFuture>
#include <QMainWindow>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QTabWidget;

namespace hdr::core {
class JobManager;
class OcioConfig;
} // namespace hdr::core

namespace hdr::ui {

class DisplayControlsPanel;
class GalleryPanel;
class HistogramWidget;
class ImageInfoPanel;
class ImageViewer;
class JobListPanel;
class TrainingDashboard;

// Composes the panels. The centre holds one workspace per use of the app: the Viewer
// (experimenting: generation, bracket strip, display controls), the Gallery (curating stage-1
// candidates, "Upscale picked") and Training (the dashboard of run folders). Docks hold display
// controls, histogram, image info, jobs, and the Generate panel. Owns no algorithms: opening,
// exporting, generation and upscaling run as jobs on the JobManager.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(core::JobManager* jobs, QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path, bool asCompare = false);
    void showDemoScene();
    // ByExtension: scene-linear or as-displayed by the file type; UltraHdr: a gain-map JPEG.
    enum class ExportKind { ByExtension, UltraHdr };
    void exportTo(const QString& path, bool overwrite, ExportKind kind = ExportKind::ByExtension);
    // Modal error boxes are off in tests and headless runs; errors still reach the status bar
    // and the job list.
    void setErrorDialogsEnabled(bool enabled) { m_errorDialogs = enabled; }

    ImageViewer* viewer() const { return m_viewer; }
    DisplayControlsPanel* displayControls() const { return m_controls; }
    HistogramWidget* histogram() const { return m_histogram; }
    JobListPanel* jobList() const { return m_jobList; }
    enum class Workspace { Viewer = 0, Gallery = 1, Training = 2 };
    void showWorkspace(Workspace workspace);
    Workspace currentWorkspace() const;
    GalleryPanel* gallery() const { return m_gallery; }
    TrainingDashboard* trainingDashboard() const { return m_training; }
    void openGalleryFolder(const QString& folder);
    void openTrainingRun(const QString& runDir);
    // The Generate dock's panel: nullptr until the engine plugin has loaded (it loads on a worker
    // thread once the window is shown) or when there is no engine.
    GenerationPanelBase* generationPanel() const { return m_generation; }
    // Processes events until the panel exists (tests); false when the engine is unavailable.
    bool waitForGenerationPanel(int milliseconds);
    QString lastError() const { return m_lastError; }

signals:
    void documentOpened(const QString& displayName);
    void compareOpened(const QString& displayName);
    void exportFinished(const QString& path, bool ok);
    void errorShown(const QString& message);
    void generationPanelReady(bool available);

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;
    void closeEvent(QCloseEvent* e) override;
    void showEvent(QShowEvent* event) override;
    void startGenerationLoad();

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
    void attachGenerationPanel(GenerationPanelBase* panel);
    void createWorkspaces();               // MainWindowWorkspaces.cpp
    void addWorkspaceActions(QMenu* file); // MainWindowWorkspaces.cpp
    void upscalePicked(const QStringList& picked);
    void showGeneratedImage(std::shared_ptr<const core::ImageF> image, const QString& name);

    core::JobManager* m_jobs;
    std::shared_ptr<const core::OcioConfig> m_ocio;
    ImageViewer* m_viewer = nullptr;
    QTabWidget* m_workspaces = nullptr;
    GalleryPanel* m_gallery = nullptr;
    TrainingDashboard* m_training = nullptr;
    QList<QAction*> m_viewerActions; // single-key shortcuts: only while the Viewer is shown
    DisplayControlsPanel* m_controls = nullptr;
    HistogramWidget* m_histogram = nullptr;
    ImageInfoPanel* m_info = nullptr;
    JobListPanel* m_jobList = nullptr;
    GenerationPanelBase* m_generation = nullptr;
    GenerationPlugin* m_generationPlugin = nullptr;
    QFuture<core::Result<GenerationPlugin*>> m_generationLoad;
    bool m_generationLoadStarted = false;
    QDockWidget* m_jobsDock = nullptr;
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
