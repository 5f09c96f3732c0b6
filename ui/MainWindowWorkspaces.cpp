// MainWindow's workspaces: Viewer, Gallery (curation) and Training (dashboard), and the jobs the
// Gallery and the dashboard ask for.
#include "ui/MainWindow.h"

#include "jobs/JobManager.h"
#include "ui/gallery/GalleryPanel.h"
#include "ui/training/TrainingDashboard.h"
#include "ui/training/TrainingLauncher.h"
#include "ui/viewer/ImageViewer.h"

#include <QAction>
#include <QFileDialog>
#include <QMenu>
#include <QPointer>
#include <QStatusBar>
#include <QTabWidget>

namespace hdr::ui {

void MainWindow::createWorkspaces()
{
    m_workspaces = new QTabWidget;
    m_workspaces->setDocumentMode(true);
    m_workspaces->setObjectName(QStringLiteral("workspaces"));
    m_gallery = new GalleryPanel(m_jobs);
    m_training = new TrainingDashboard(m_jobs);
    m_workspaces->addTab(m_viewer, tr("Viewer"));
    m_workspaces->addTab(m_gallery, tr("Gallery"));
    m_workspaces->addTab(m_training, tr("Training"));
    setCentralWidget(m_workspaces);

    connect(m_workspaces, &QTabWidget::currentChanged, this, [this](int index) {
        for (QAction* action : std::as_const(m_viewerActions)) {
            action->setEnabled(index == int(Workspace::Viewer));
        }
        if (index == int(Workspace::Gallery)) {
            m_gallery->setFocus();
        }
    });
    connect(m_gallery, &GalleryPanel::openInViewerRequested, this, [this](const QString& path) {
        showWorkspace(Workspace::Viewer);
        openFile(path);
    });
    connect(m_gallery, &GalleryPanel::errorOccurred, this, &MainWindow::showError);
    connect(m_gallery, &GalleryPanel::upscaleRequested, this, &MainWindow::upscalePicked);

    auto* launcher = new TrainingLauncher(m_jobs, this);
    connect(m_training, &TrainingDashboard::startRequested, launcher, &TrainingLauncher::start);
    connect(m_training, &TrainingDashboard::resumeRequested, launcher, &TrainingLauncher::resume);
    connect(launcher, &TrainingLauncher::runStarted, this, [this](const QString& runDir) {
        m_training->setCurrentRunDir(runDir);
        m_training->addRun(runDir);
    });
    connect(launcher, &TrainingLauncher::failed, this, &MainWindow::showError);
}

void MainWindow::addWorkspaceActions(QMenu* file)
{
    file->addAction(tr("Open batch folder in &Gallery…"), QKeySequence(tr("Ctrl+G")), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Batch folder (with stage1/)"));
        if (!dir.isEmpty()) openGalleryFolder(dir);
    });
    file->addAction(tr("Open &training run…"), QKeySequence(tr("Ctrl+T")), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Run folder (or TensorBoard logs)"));
        if (!dir.isEmpty()) openTrainingRun(dir);
    });
}

void MainWindow::showWorkspace(Workspace workspace)
{
    m_workspaces->setCurrentIndex(int(workspace));
}

MainWindow::Workspace MainWindow::currentWorkspace() const
{
    return Workspace(m_workspaces->currentIndex());
}

void MainWindow::openGalleryFolder(const QString& folder)
{
    m_gallery->openFolder(folder);
    showWorkspace(Workspace::Gallery);
}

void MainWindow::openTrainingRun(const QString& runDir)
{
    m_training->setCurrentRunDir(runDir);
    m_training->addRun(runDir);
    showWorkspace(Workspace::Training);
}

void MainWindow::upscalePicked(const QStringList& picked)
{
    if (picked.isEmpty()) {
        showError(tr("No candidate is picked: press P on the ones to keep, then Upscale picked"));
        return;
    }
    const QString root = m_gallery->folder();
    QPointer<GalleryPanel> gallery = m_gallery;
    auto future = m_jobs->submit<PickedUpscaleResult>(
        tr("Upscale %n picked candidate(s)", nullptr, int(picked.size())),
        core::JobResource::Device,
        [root, picked, gallery](core::JobContext& job) -> core::Result<PickedUpscaleResult> {
            auto plugin = loadGenerationPlugin(); // loaded already, or the engine is missing
            if (!plugin) {
                return tl::unexpected(plugin.error());
            }
            return (*plugin)->upscalePicked(
                root,
                picked,
                [gallery](const QString& finalPath) {
                    // Shown beside its candidate as soon as it exists, not when the job ends.
                    QMetaObject::invokeMethod(
                        gallery,
                        [gallery, finalPath] {
                            if (gallery) gallery->markFinished({finalPath});
                        },
                        Qt::QueuedConnection);
                },
                job);
        });
    future.then(this, [this](const core::Result<PickedUpscaleResult>& result) {
        if (result) {
            statusBar()->showMessage(result->summary, 20000);
        } else if (result.error().code != core::ErrorCode::Cancelled) {
            showError(QString::fromStdString(result.error().describe()));
        }
    });
}

} // namespace hdr::ui
