#include "ui/MainWindow.h"

#include "color/Ocio.h"
#include "display/DisplayExport.h"
#include "image/DemoScene.h"
#include "jobs/JobManager.h"
#include "ui/Logging.h"
#include "ui/jobs/JobListPanel.h"
#include "ui/viewer/DisplayControlsPanel.h"
#include "ui/viewer/HistogramWidget.h"
#include "ui/viewer/ImageInfoPanel.h"
#include "ui/viewer/ImageViewer.h"
#include "ui/viewer/UltraHdrExport.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace hdr::ui {

MainWindow::MainWindow(core::JobManager* jobs, QWidget* parent)
    : QMainWindow(parent)
    , m_jobs(jobs)
{
    setWindowTitle(QStringLiteral("HDR Studio"));
    setAcceptDrops(true);
    resize(1400, 860);

    m_viewer = new ImageViewer;
    createWorkspaces();
    createDocks();
    createActions();

    m_probeLabel = new QLabel;
    m_probeLabel->setMinimumWidth(520);
    m_zoomLabel = new QLabel;
    statusBar()->addWidget(m_probeLabel, 1);
    statusBar()->addPermanentWidget(m_zoomLabel);

    auto config = core::OcioConfig::loadDefault();
    if (config) {
        m_ocio = *config;
    } else {
        qCWarning(lcColor).noquote() << QString::fromStdString(config.error().describe());
        statusBar()->showMessage(tr("Colour management unavailable (%1); using built-in sRGB")
                                     .arg(QString::fromStdString(config.error().message)));
    }
    m_viewer->setOcioConfig(m_ocio);
    m_controls->setOcioConfig(m_ocio);

    connect(m_controls, &DisplayControlsPanel::settingsChanged, this, [this](const core::DisplaySettings& s) {
        m_viewer->setDisplaySettings(s);
        m_histogram->setDisplaySettings(s);
    });
    connect(m_controls, &DisplayControlsPanel::compareSplitChanged, m_viewer, &ImageViewer::setCompareSplit);
    connect(m_controls, &DisplayControlsPanel::normalizeRequested, this, &MainWindow::autoExposure);
    connect(m_viewer, &ImageViewer::pixelProbed, this, &MainWindow::updateProbe);
    connect(m_viewer, &ImageViewer::zoomChanged, this, [this](double z) {
        m_zoomLabel->setText(tr("zoom %1%").arg(z * 100.0, 0, 'f', z < 0.1 ? 1 : 0));
    });
    connect(m_viewer, &ImageViewer::renderFailed, this, &MainWindow::showError);
    m_viewer->setDisplaySettings(m_controls->settings());
}

MainWindow::~MainWindow() = default;

void MainWindow::createDocks()
{
    auto addDock = [this](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(w);
        addDockWidget(area, dock);
        return dock;
    };
    m_controls = new DisplayControlsPanel;
    m_histogram = new HistogramWidget;
    m_info = new ImageInfoPanel;
    m_jobList = new JobListPanel(m_jobs);
    addDock(tr("Display"), QStringLiteral("displayDock"), m_controls, Qt::RightDockWidgetArea);
    addDock(tr("Histogram"), QStringLiteral("histogramDock"), m_histogram, Qt::RightDockWidgetArea);
    addDock(tr("Image info"), QStringLiteral("infoDock"), m_info, Qt::RightDockWidgetArea);
    auto* jobsDock = addDock(tr("Jobs"), QStringLiteral("jobsDock"), m_jobList, Qt::BottomDockWidgetArea);
    jobsDock->setMaximumHeight(180);
    createGenerationDock(jobsDock);
}

void MainWindow::createGenerationDock(QDockWidget* jobsDock)
{
    m_jobsDock = jobsDock;
    // libtorch loads with the plugin: on a worker thread once the window is up (see showEvent).
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    startGenerationLoad();
}

void MainWindow::startGenerationLoad()
{
    // Not m_generationLoad.isStarted(): a default QFuture reports itself started, finished and
    // cancelled.
    if (m_generationLoadStarted) {
        return;
    }
    m_generationLoadStarted = true;
    m_generationLoad = QtConcurrent::run([] { return loadGenerationPlugin(); });
    auto* watcher = new QFutureWatcher<core::Result<GenerationPlugin*>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        const auto plugin = m_generationLoad.result();
        if (!plugin) {
            qCInfo(lcCore).noquote() << "Generate panel unavailable:"
                                     << QString::fromStdString(plugin.error().describe());
            emit generationPanelReady(false);
            return;
        }
        m_generationPlugin = *plugin;
        attachGenerationPanel(m_generationPlugin->createPanel(m_jobs, nullptr));
        emit generationPanelReady(true);
    });
    watcher->setFuture(m_generationLoad);
}

bool MainWindow::waitForGenerationPanel(int milliseconds)
{
    startGenerationLoad();
    QElapsedTimer timer;
    timer.start();
    while (!m_generation && timer.elapsed() < milliseconds) {
        if (m_generationLoad.isFinished() && !m_generationLoad.result()) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    return m_generation != nullptr;
}

void MainWindow::attachGenerationPanel(GenerationPanelBase* panel)
{
    m_generation = panel;
    // The panel is taller than most screens allow a dock: it scrolls rather than squeezing.
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_generation);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(m_generation->minimumSizeHint().width() + 20);
    m_generationDock = new QDockWidget(tr("Generate"), this);
    m_generationDock->setObjectName(QStringLiteral("generateDock"));
    m_generationDock->setWidget(scroll);
    addDockWidget(Qt::LeftDockWidgetArea, m_generationDock);
    // The result strip sits beside the job list under the viewer: a row of 3-7 thumbnails needs
    // the width, and a click shows that image in the viewer right above.
    m_bracketsDock = new QDockWidget(tr("Brackets"), this);
    m_bracketsDock->setObjectName(QStringLiteral("bracketsDock"));
    m_bracketsDock->setWidget(m_generation->resultStrip());
    m_generation->resultStrip()->show();
    addDockWidget(Qt::BottomDockWidgetArea, m_bracketsDock);
    splitDockWidget(m_jobsDock, m_bracketsDock, Qt::Horizontal);
    m_viewMenu->addAction(m_generationDock->toggleViewAction());
    m_viewMenu->addAction(m_bracketsDock->toggleViewAction());

    connect(m_generation,
            &GenerationPanelBase::generationSucceeded,
            this,
            [this](const QString& hdrFile, const QStringList&, const QString& summary) {
                if (!hdrFile.isEmpty()) {
                    // Opening the result replaces the status text with the image's statistics;
                    // say where the files went once it is shown.
                    connect(
                        this,
                        &MainWindow::documentOpened,
                        this,
                        [this, summary] { statusBar()->showMessage(summary, 20000); },
                        Qt::SingleShotConnection);
                    showWorkspace(Workspace::Viewer);
                    openFile(hdrFile);
                }
                statusBar()->showMessage(summary, 20000);
            });
    connect(m_generation, &GenerationPanelBase::generationFailed, this, &MainWindow::showError);
    connect(m_generation, &GenerationPanelBase::bracketActivated, this, &MainWindow::showGeneratedImage);
}

void MainWindow::showGeneratedImage(std::shared_ptr<const core::ImageF> image, const QString& name)
{
    if (!image) {
        return;
    }
    auto future = m_jobs->submit<DocumentPtr>(
        tr("Show %1").arg(name), core::JobResource::Compute, [image, name](core::JobContext& ctx) {
            return buildDocument(*image, QString(), name, ctx);
        });
    future.then(this, [this](const core::Result<DocumentPtr>& result) {
        if (result) {
            setDocument(*result);
        } else if (result.error().code != core::ErrorCode::Cancelled) {
            showError(QString::fromStdString(result.error().describe()));
        }
    });
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] { openDialog(false); });
    file->addAction(tr("Open image &B to compare…"), QKeySequence(tr("Ctrl+Shift+O")), this, [this] {
        openDialog(true);
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("&Demo scene"), this, &MainWindow::showDemoScene);
    addWorkspaceActions(file);
    file->addSeparator();
    file->addAction(tr("&Save As…"), QKeySequence::SaveAs, this, &MainWindow::saveAsDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    rebuildRecentMenu();

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    const int firstViewerAction = int(m_viewMenu->actions().size());
    m_viewMenu->addAction(tr("Zoom to &fit"), QKeySequence(Qt::Key_F), m_viewer, &ImageViewer::zoomToFit);
    m_viewMenu->addAction(tr("&1:1"), QKeySequence(Qt::Key_1), m_viewer, &ImageViewer::zoomOneToOne);
    m_viewMenu->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, this, [this] {
        m_viewer->zoomBy(2.0, m_viewer->rect().center());
    });
    m_viewMenu->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, this, [this] {
        m_viewer->zoomBy(0.5, m_viewer->rect().center());
    });
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("Exposure +½ stop"), QKeySequence(Qt::Key_E), this, [this] {
        m_controls->setExposure(m_controls->exposure() + 0.5);
    });
    m_viewMenu->addAction(tr("Exposure −½ stop"), QKeySequence(Qt::SHIFT | Qt::Key_E), this, [this] {
        m_controls->setExposure(m_controls->exposure() - 0.5);
    });
    m_viewMenu->addAction(tr("&Auto exposure"), QKeySequence(Qt::Key_N), this, &MainWindow::autoExposure);
    m_viewMenu->addAction(
        tr("&Reset display"), QKeySequence(Qt::Key_R), m_controls, &DisplayControlsPanel::resetDisplay);
    m_viewMenu->addAction(tr("Close compare image"), this, [this] {
        m_viewer->setCompareDocument(nullptr);
        m_controls->setCompareAvailable(false);
    });
    // F, 1, E, N, R are the Gallery's keys too (grid, stars, loupe): these act on the Viewer only.
    m_viewerActions = m_viewMenu->actions().mid(firstViewerAction);
    m_viewMenu->addSeparator(); // the Generate and Brackets docks add themselves when loaded

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About HDR Studio"), this, [this] {
        QMessageBox::about(
            this,
            tr("About HDR Studio"),
            tr("<b>HDR Studio %1</b><p>High-dynamic-range images: view, convert, and (soon) "
               "generate with diffusion models.</p><p>Mouse: wheel zooms around the cursor, drag "
               "pans, double-click toggles fit / 1:1; Ctrl+drag moves the A/B split.</p>")
                .arg(QStringLiteral(HDR_VERSION)));
    });
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = m_recent.files();
    for (const QString& f : files) {
        m_recentMenu->addAction(QFileInfo(f).fileName(), this, [this, f] { openFile(f); })->setToolTip(f);
    }
    if (!files.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            m_recent.clear();
            rebuildRecentMenu();
        });
    }
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::openDialog(bool asCompare)
{
    const QString path = QFileDialog::getOpenFileName(
        this,
        asCompare ? tr("Open image B") : tr("Open HDR image"),
        QString(),
        tr("Images (*.exr *.hdr *.pic *.tif *.tiff *.dng *.png *.jpg *.jpeg);;All files (*)"));
    if (!path.isEmpty()) {
        openFile(path, asCompare);
    }
}

void MainWindow::openFile(const QString& path, bool asCompare)
{
    statusBar()->showMessage(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    auto future =
        m_jobs->submit<DocumentPtr>(tr("Open %1").arg(QFileInfo(path).fileName()),
                                    core::JobResource::Io,
                                    [path](core::JobContext& ctx) { return loadDocument(path, {}, ctx); });
    future.then(this, [this, path, asCompare](const core::Result<DocumentPtr>& result) {
        if (!result) {
            if (result.error().code != core::ErrorCode::Cancelled) {
                showError(
                    tr("Could not open %1: %2")
                        .arg(QFileInfo(path).fileName(), QString::fromStdString(result.error().describe())));
            }
            return;
        }
        m_recent.add(path);
        rebuildRecentMenu();
        if (asCompare) {
            m_viewer->setCompareDocument(*result);
            m_controls->setCompareAvailable(true);
            statusBar()->showMessage(
                tr("Comparing with %1 (Ctrl+drag moves the split)").arg((*result)->displayName), 5000);
            emit compareOpened((*result)->displayName);
        } else {
            setDocument(*result);
        }
    });
}

void MainWindow::showDemoScene()
{
    auto future = m_jobs->submit<DocumentPtr>(
        tr("Render demo scene"), core::JobResource::Compute, [](core::JobContext& ctx) {
            ctx.setProgress(0.0, "Rendering demo scene");
            return buildDocument(
                core::renderDemoScene(1920, 1080), QString(), QStringLiteral("Demo scene"), ctx);
        });
    future.then(this, [this](const core::Result<DocumentPtr>& result) {
        if (result) {
            // The sun sits 19 stops above the shadows: show it through the filmic AgX view so a
            // first look is not a clipped white sky (the user can switch back to Standard).
            if (m_ocio) {
                core::DisplaySettings s = m_controls->settings();
                const auto views = m_ocio->views(s.display.empty() ? m_ocio->defaultDisplay() : s.display);
                if (std::find(views.begin(), views.end(), "AgX") != views.end()) {
                    s.view = "AgX";
                    m_controls->setSettings(s);
                }
            }
            setDocument(*result);
        } else {
            showError(QString::fromStdString(result.error().describe()));
        }
    });
}

void MainWindow::setDocument(const DocumentPtr& doc)
{
    m_viewer->setDocument(doc);
    m_histogram->setHistogram(doc->histogram);
    m_info->setDocument(doc);
    setWindowTitle(QStringLiteral("%1 — HDR Studio").arg(doc->displayName));
    statusBar()->showMessage(tr("%1: %2 x %3, %4 stops of dynamic range")
                                 .arg(doc->displayName)
                                 .arg(doc->image().width())
                                 .arg(doc->image().height())
                                 .arg(doc->stats.robustDynamicRangeStops, 0, 'f', 1),
                             8000);
    emit documentOpened(doc->displayName);
}

void MainWindow::saveAsDialog()
{
    if (!m_viewer->document()) {
        return;
    }
    const QString ultraHdr = tr("Ultra HDR JPEG: displayed SDR + gain map (*.jpg)");
    QString selected;
    const QString path =
        QFileDialog::getSaveFileName(this,
                                     tr("Save image as"),
                                     QString(),
                                     tr("OpenEXR, scene-linear (*.exr);;Radiance HDR (*.hdr);;TIFF 32-bit "
                                        "float (*.tif);;Linear DNG (*.dng);;"
                                        "PNG as displayed (*.png);;JPEG as displayed (*.jpg);;") +
                                         ultraHdr,
                                     &selected);
    if (!path.isEmpty()) {
        // The dialog already confirmed replacing an existing file.
        exportTo(path, true, selected == ultraHdr ? ExportKind::UltraHdr : ExportKind::ByExtension);
    }
}

void MainWindow::exportTo(const QString& path, bool overwrite, ExportKind kind)
{
    DocumentPtr doc = m_viewer->document();
    if (!doc) {
        return;
    }
    const core::DisplaySettings settings = m_viewer->displaySettings();
    auto ocio = m_ocio;
    auto future = m_jobs->submit<bool>(
        tr("Save %1").arg(QFileInfo(path).fileName()),
        core::JobResource::Io,
        [doc, path, settings, ocio, overwrite, kind](core::JobContext& ctx) -> core::Result<bool> {
            const std::string file = path.toStdString();
            const core::FileFormat format = core::formatFromExtension(file);
            core::WriteOptions options;
            options.overwrite = overwrite;
            if (kind == ExportKind::UltraHdr) {
                return exportUltraHdr(*doc, settings, ocio.get(), file, overwrite, ctx);
            }
            const bool displayReferred = format == core::FileFormat::Png || format == core::FileFormat::Jpeg;
            if (!displayReferred) {
                core::ImageF image = doc->image();
                core::applyExposure(image, settings.exposureEv);
                auto ok = core::writeImage(image, file, options);
                return ok ? core::Result<bool>(true) : tl::unexpected(ok.error());
            }
            auto transform = core::DisplayTransform::create(settings, ocio.get(), doc->image().colorSpace);
            if (!transform) {
                return tl::unexpected(transform.error());
            }
            auto encoded = core::renderDisplayImage(doc->image(), *transform, ctx);
            if (!encoded) {
                return tl::unexpected(encoded.error());
            }
            auto ok = core::writeDisplayImage(*encoded, file, options);
            return ok ? core::Result<bool>(true) : tl::unexpected(ok.error());
        });
    future.then(this, [this, path](const core::Result<bool>& r) {
        if (r) {
            statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
        } else {
            showError(tr("Could not save %1: %2").arg(path, QString::fromStdString(r.error().describe())));
        }
        emit exportFinished(path, bool(r));
    });
}

void MainWindow::showError(const QString& message)
{
    m_lastError = message;
    qCWarning(lcViewer).noquote() << message;
    statusBar()->showMessage(message, 15000);
    emit errorShown(message);
    if (m_errorDialogs) {
        auto* box = new QMessageBox(QMessageBox::Warning, tr("HDR Studio"), message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open(); // window-modal but non-blocking: the app keeps running
    }
}

void MainWindow::updateProbe(const std::optional<core::PixelProbe>& probe, bool fromCompare)
{
    if (!probe) {
        m_probeLabel->clear();
        return;
    }
    const core::PixelProbe& p = *probe;
    m_probeLabel->setText(
        tr("%1(%2, %3)  R %4  G %5  B %6%7  Y %8  %9 EV")
            .arg(fromCompare ? QStringLiteral("B ") : QString())
            .arg(p.x)
            .arg(p.y)
            .arg(double(p.rgba[0]), 0, 'g', 5)
            .arg(double(p.rgba[1]), 0, 'g', 5)
            .arg(double(p.rgba[2]), 0, 'g', 5)
            .arg(p.channels == 4 ? QStringLiteral("  A %1").arg(double(p.rgba[3]), 0, 'g', 4) : QString())
            .arg(double(p.luminance), 0, 'g', 5)
            .arg(std::isfinite(p.ev) ? QString::number(double(p.ev), 'f', 2) : QStringLiteral("−∞")));
}

void MainWindow::autoExposure()
{
    DocumentPtr doc = m_viewer->document();
    if (!doc) {
        return;
    }
    // Exposure that puts the 99.5th percentile of the brightest channel at display white.
    const core::LogHistogram& h = doc->histogram;
    std::int64_t total = 0;
    for (std::uint32_t c : h.maxChannel) {
        total += c;
    }
    std::int64_t acc = 0;
    float ev = 0.0f;
    for (std::size_t i = 0; i < h.maxChannel.size(); ++i) {
        acc += h.maxChannel[i];
        if (double(acc) >= 0.995 * double(total)) {
            ev = h.minEv + (float(i) + 1.0f) * h.binWidthEv();
            break;
        }
    }
    m_controls->setExposure(std::round(-ev * 10.0f) / 10.0f);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e)
{
    if (e->mimeData()->hasUrls()) {
        e->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* e)
{
    const QList<QUrl> urls = e->mimeData()->urls();
    // Drop one file to open it; Shift+drop (or a second file) opens image B for comparison.
    const bool shift = e->modifiers() & Qt::ShiftModifier;
    for (int i = 0; i < urls.size() && i < 2; ++i) {
        if (urls[i].isLocalFile()) {
            openFile(urls[i].toLocalFile(), shift || i == 1);
        }
    }
    e->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* e)
{
    m_jobs->cancelAll();
    e->accept();
}

} // namespace hdr::ui
