// hdrstudio: the desktop app. Opens the files given on the command line (the second one as
// image B for A/B comparison), or the demo scene on a first start without files.
#include "common/Parallel.h"
#include "common/ThreadingSetup.h"
#include "jobs/JobManager.h"
#include "ui/Logging.h"
#include "ui/MainWindow.h"
#include "ui/viewer/DisplayControlsPanel.h"
#include "ui/viewer/ImageViewer.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

int main(int argc, char** argv)
{
    // Before libtorch (loaded with the engine plugin) starts its OpenMP team: its idle workers must
    // sleep, not spin against the core's pool (common/ThreadingSetup.h).
    hdr::core::configureThreadingForApp(argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("HDR Studio"));
    QApplication::setOrganizationName(QStringLiteral("HDR Studio"));
    QApplication::setApplicationVersion(QStringLiteral(HDR_VERSION));
    // Installed: the hicolor theme icon; from a build tree: the PNG in resources/.
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral("hdrstudio"),
                         QIcon(QStringLiteral(HDR_SOURCE_RESOURCE_DIR "/icons/hdrstudio-256.png"))));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("HDR Studio: view and convert high-dynamic-range images."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("files"),
                                 QStringLiteral("Image to open, and optionally image B to compare."));
    QCommandLineOption exposure(
        QStringLiteral("exposure"), QStringLiteral("Initial exposure in stops."), QStringLiteral("EV"));
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a PNG of the window once the first image is shown, then quit."),
        QStringLiteral("PNG"));
    QCommandLineOption threads(QStringLiteral("threads"),
                               QStringLiteral("Worker threads (default: all cores)."),
                               QStringLiteral("N"));
    parser.addOptions({exposure, screenshot, threads});
    parser.process(app);

    if (parser.isSet(threads)) {
        hdr::core::setWorkerThreadCount(parser.value(threads).toInt());
    }
    hdr::ui::installCoreLogSink();
    hdr::core::JobManager jobs;
    hdr::ui::MainWindow window(&jobs);
    const bool takeScreenshot = parser.isSet(screenshot);
    window.setErrorDialogsEnabled(!takeScreenshot);
    window.show();

    if (parser.isSet(exposure)) {
        window.displayControls()->setExposure(parser.value(exposure).toDouble());
    }
    if (takeScreenshot) {
        const QString out = parser.value(screenshot);
        QObject::connect(window.viewer(), &hdr::ui::ImageViewer::frameRendered, &window, [&window, out] {
            // Let docks and the histogram paint once more before grabbing.
            QTimer::singleShot(300, &window, [&window, out] {
                window.grab().save(out);
                QApplication::quit();
            });
        });
        QTimer::singleShot(60000, &app, [] { QApplication::exit(3); }); // never hang headless runs
    }

    const QStringList files = parser.positionalArguments();
    if (files.isEmpty()) {
        window.showDemoScene();
    } else {
        window.openFile(files.at(0));
        if (files.size() > 1) {
            window.openFile(files.at(1), true);
        }
    }
    return app.exec();
}
