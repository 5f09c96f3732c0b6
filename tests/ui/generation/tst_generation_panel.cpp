// The Generate dock on the offscreen platform: validation without any model (a bogus file the
// test writes, empty prompt, sizes, EV lists), then real 64x64 runs with the tiny oracle SDXL and
// SD 1.5 models: architecture detection, bracket strip in EV order, latent preview, the merged
// EXR opened in the viewer, files on disk, queued jobs, clicking a bracket, and cancellation.
#include "bracketed/BracketSettings.h"
#include "io/ImageIO.h"
#include "jobs/JobManager.h"
#include "support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/generation/BracketStrip.h"
#include "ui/generation/GainMapSection.h"
#include "ui/generation/GenerationOptions.h"
#include "ui/generation/GenerationPanel.h"
#include "ui/generation/LatentPreview.h"
#include "ui/generation/ModelPicker.h"
#include "ui/jobs/JobListPanel.h"
#include "ui/viewer/ImageViewer.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolButton>

#include <fstream>

using namespace hdr;

namespace {
constexpr int kRunTimeoutMs = 60000; // a tiny-model run takes ~1 s; generous for loaded CI machines

QString sharedModel(const char* name)
{
    return QString::fromStdString(hdr::test::sharedPath(std::string("oracle/models/") + name).string());
}

QStringList filesIn(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files, QDir::Name);
}

// Screenshots for a person to look at, written only when HDR_SCREENSHOT_DIR names a folder.
void saveScreenshot(QWidget* widget, const char* name)
{
    const QString dir = qEnvironmentVariable("HDR_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QVERIFY(widget->grab().save(QDir(dir).filePath(QLatin1String(name))));
    }
}
} // namespace

class TestGenerationPanel : public QObject {
    Q_OBJECT
    core::JobManager* m_jobs = nullptr;
    ui::MainWindow* m_window = nullptr;
    ui::GenerationPanel* m_panel = nullptr;

    // A tiny, fast run: 64x64, 4 steps, half of them as branches, 2 threads.
    void configureTinyRun(const QString& model, const QString& arch, const QString& output)
    {
        m_panel->modelPicker()->setModelPath(model);
        QTRY_COMPARE_WITH_TIMEOUT(m_panel->modelPicker()->arch(), arch, 20000);
        m_panel->promptEdit()->setPlainText(QStringLiteral("a bright window in a dark room"));
        m_panel->setCustomSize(64, 64);
        m_panel->setSteps(4);
        m_panel->setBranchFraction(0.5);
        m_panel->setBracketCount(3);
        m_panel->setSeed(42);
        m_panel->setThreads(2);
        m_panel->setOutputFolder(output);
        m_panel->setFormats({QStringLiteral("exr"), QStringLiteral("png")});
    }

private slots:
    void initTestCase() { QSettings().remove(QStringLiteral("generation")); }

    void init()
    {
        m_jobs = new core::JobManager;
        m_window = new ui::MainWindow(m_jobs);
        m_window->setErrorDialogsEnabled(false);
        m_window->resize(1500, 1000);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        // The Generate panel comes with the engine plugin, loaded once the window is shown.
        QVERIFY(m_window->waitForGenerationPanel(60000));
        m_panel = qobject_cast<ui::GenerationPanel*>(m_window->generationPanel());
        QVERIFY(m_panel);
    }

    void cleanup()
    {
        m_jobs->cancelAll();
        m_jobs->waitForAll();
        QCoreApplication::processEvents();
        delete m_window;
        delete m_jobs;
        QSettings().remove(QStringLiteral("generation"));
    }

    // --- data the test makes itself (no ../shared) ---

    void optionsValidation()
    {
        ui::GenerationOptions o;
        o.request.model = "/models/x.safetensors";
        o.arch = QStringLiteral("sdxl");
        o.request.prompt = "a lighthouse at dusk";
        o.request.outputDir = "/tmp/out";
        QVERIFY2(ui::validationProblem(o).isEmpty(), qPrintable(ui::validationProblem(o)));
        ui::GenerationOptions bad = o;
        bad.request.prompt = "   \n";
        QVERIFY(ui::validationProblem(bad).contains(QStringLiteral("prompt")));
        bad = o;
        bad.request.width = 100;
        QVERIFY(ui::validationProblem(bad).contains(QStringLiteral("multiple of 8")));
        bad = o;
        bad.request.height = 9000;
        QVERIFY(ui::validationProblem(bad).contains(QStringLiteral("8192")));
        bad = o;
        bad.request.formats.clear();
        QVERIFY(ui::validationProblem(bad).contains(QStringLiteral("Formats")));
        bad = o;
        bad.arch.clear();
        QVERIFY(!ui::validationProblem(bad).isEmpty());
        // The core's own checks reach the panel: the exposure step is in (0, 8] stops.
        bad = o;
        bad.request.exposureStep = 0.0;
        QVERIFY(ui::validationProblem(bad).contains(QStringLiteral("Exposure step")));

        // The request carries what the panel shows; a fraction replaces the timestep.
        o.request.branchFraction = 0.4;
        o.request.evs = hdr::diffusion::evenBracketEvs(5, 0.5);
        const auto r = ui::toBracketedRequest(o, 1234);
        QCOMPARE(r.seed, std::uint64_t(1234));
        QCOMPARE(r.evs, (std::vector<double>{-1.0, -0.5, 0.0, 0.5, 1.0}));
        QVERIFY(r.branchFraction && *r.branchFraction == 0.4);
        QCOMPARE(r.formats, (std::set<std::string>{"exr", "png"}));
        QVERIFY(!r.negative);
    }

    void evListsAndLabels()
    {
        QString error;
        QCOMPARE(*ui::parseEvList(QStringLiteral("2, -2 0"), &error), (std::vector<double>{-2.0, 0.0, 2.0}));
        QCOMPARE(*ui::parseEvList(QStringLiteral("−1.5;1.5"), &error), (std::vector<double>{-1.5, 1.5}));
        QVERIFY(!ui::parseEvList(QStringLiteral("1"), &error));
        QVERIFY(error.contains(QStringLiteral("at least 2")));
        QVERIFY(!ui::parseEvList(QStringLiteral("0, 0"), &error));
        QVERIFY(!ui::parseEvList(QStringLiteral("-1, x"), &error));
        QVERIFY(error.contains(QStringLiteral("'x'")));
        QVERIFY(!ui::parseEvList(QStringLiteral("-20, 0"), &error));
        QCOMPARE(ui::formatEv(-1.0), QStringLiteral("\u22121 EV"));
        QCOMPARE(ui::formatEv(0.5), QStringLiteral("+0.5 EV"));
        QCOMPARE(ui::formatEv(1e-9), QStringLiteral("0 EV"));
        QCOMPARE(ui::sizePresets(QStringLiteral("sdxl")).front(), QSize(1024, 1024));
        QCOMPARE(ui::sizePresets(QStringLiteral("sdxl")).size(), std::size_t(9));
        QCOMPARE(ui::sizePresets(QStringLiteral("sd15")).front(), QSize(512, 512));
    }

    void panelBlocksWithoutModelOrPrompt()
    {
        QTemporaryDir dir;
        m_panel->setOutputFolder(dir.path());
        QVERIFY(!m_panel->generateButton()->isEnabled());
        QVERIFY(m_panel->generateButton()->toolTip().contains(QStringLiteral("model")));
        QCOMPARE(m_panel->generate(), quint64(0)); // a programmatic click is refused too

        // Random bytes named like a checkpoint: an error sentence, Generate stays disabled.
        const QString bogus = dir.filePath(QStringLiteral("x.safetensors"));
        {
            std::ofstream out(bogus.toStdString(), std::ios::binary);
            for (int i = 0; i < 4096; ++i) {
                out.put(char(QRandomGenerator::global()->bounded(256)));
            }
        }
        m_panel->promptEdit()->setPlainText(QStringLiteral("a lighthouse"));
        m_panel->modelPicker()->setModelPath(bogus);
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->modelPicker()->isInspecting(), 10000);
        QVERIFY(m_panel->modelPicker()->arch().isEmpty());
        QVERIFY(!m_panel->modelPicker()->problem().isEmpty());
        QVERIFY2(m_panel->modelPicker()->statusText().startsWith(QStringLiteral("Cannot use this model")),
                 qPrintable(m_panel->modelPicker()->statusText()));
        QVERIFY(!m_panel->generateButton()->isEnabled());
        QVERIFY(m_panel->statusText().contains(m_panel->modelPicker()->problem()));

        // A folder that is no model at all.
        m_panel->modelPicker()->setModelPath(dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->modelPicker()->isInspecting(), 10000);
        QVERIFY(!m_panel->modelPicker()->problem().isEmpty());
        QVERIFY(!m_panel->generateButton()->isEnabled());
        QCOMPARE(m_window->lastError(), QString()); // inspection problems are not app errors
    }

    void sizeComboFollowsArchitecture()
    {
        // No model yet: SDXL's buckets plus Custom; Custom enables odd sizes, which are refused.
        const QStringList sizes = m_panel->sizeChoices();
        QCOMPARE(sizes.size(), 10);
        QCOMPARE(sizes.first(), QStringLiteral("1024 × 1024"));
        QCOMPARE(sizes.last(), QStringLiteral("Custom"));
        QCOMPARE(m_panel->selectedSize(), QSize(1024, 1024));
        m_panel->setCustomSize(100, 64);
        QVERIFY(m_panel->blockingReason().contains(QStringLiteral("model"))); // the model is asked first
        m_panel->setEvList(QStringLiteral("-2"));
        m_panel->setBracketCount(5);
        QCOMPARE(m_panel->options().request.evs, (std::vector<double>{-2.0, -1.0, 0.0, 1.0, 2.0}));
    }

    // --- the tiny oracle models ---

    void generateWithTinySdxl()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl");
        QTemporaryDir out;
        configureTinyRun(sharedModel("tiny-sdxl"), QStringLiteral("sdxl"), out.path());
        QVERIFY(m_panel->modelPicker()->statusText().contains(QStringLiteral("SDXL base")));
        QCOMPARE(m_panel->sizeChoices().first(), QStringLiteral("1024 × 1024"));
        QCOMPARE(m_panel->selectedSize(), QSize(64, 64));

        // Empty prompt: blocked with the reason; a prompt: ready.
        m_panel->promptEdit()->clear();
        QVERIFY(!m_panel->generateButton()->isEnabled());
        QVERIFY(m_panel->generateButton()->toolTip().contains(QStringLiteral("prompt")));
        m_panel->promptEdit()->setPlainText(QStringLiteral("a bright window in a dark room"));
        QVERIFY2(m_panel->generateButton()->isEnabled(), qPrintable(m_panel->blockingReason()));

        QSignalSpy succeeded(m_panel, &ui::GenerationPanel::generationSucceeded);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        QTest::mouseClick(m_panel->generateButton(), Qt::LeftButton);
        QCOMPARE(m_panel->pendingJobs(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kRunTimeoutMs);
        QCOMPARE(m_window->lastError(), QString());

        // Strip: three tiles in EV order, estimated EVs filled in after the merge.
        ui::BracketStrip* strip = m_panel->strip();
        QCOMPARE(strip->count(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(strip->nominalEv(i), double(i - 1));
            QVERIFY2(strip->label(i).contains(QStringLiteral("EV")) &&
                         strip->label(i).contains(QStringLiteral("est.")),
                     qPrintable(strip->label(i)));
            QVERIFY(!strip->tile(i).thumbnail.isNull());
            QCOMPARE(strip->tile(i).linear->width(), 64);
        }
        QVERIFY(strip->label(0).startsWith(QStringLiteral("\u22121 EV")));
        QVERIFY(m_panel->preview()->framesShown() > 0);

        // The merged EXR opens in the viewer; the files are there.
        const QString hdrFile = succeeded.first().at(0).toString();
        QVERIFY(hdrFile.endsWith(QStringLiteral(".exr")));
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->viewer()->document() && m_window->viewer()->document()->path == hdrFile, 10000);
        const QStringList files = filesIn(out.path());
        const QString stem = QFileInfo(hdrFile).completeBaseName();
        QVERIFY2(files.contains(stem + QStringLiteral(".exr")) &&
                     files.contains(stem + QStringLiteral("_fused.png")) &&
                     files.contains(stem + QStringLiteral(".json")),
                 qPrintable(files.join(QLatin1Char(' '))));
        QVERIFY(m_panel->statusText().contains(QDir::toNativeSeparators(out.path())));
        QVERIFY(m_panel->generateButton()->isEnabled());

        // The status bar says where the files went, after the opened image's own message.
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->statusBar()->currentMessage().contains(QDir::toNativeSeparators(out.path())), 5000);

        // Save As writes every format its dialog offers from the generated document.
        QTemporaryDir saved;
        QSignalSpy exported(m_window, &ui::MainWindow::exportFinished);
        for (const char* ext : {"exr", "hdr", "tif", "dng", "png"}) {
            m_window->exportTo(saved.filePath(QStringLiteral("saved.") + QLatin1String(ext)), false);
        }
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 5, 10000);
        for (const auto& args : exported) {
            QVERIFY2(args.at(1).toBool(), qPrintable(args.at(0).toString() + m_window->lastError()));
        }
        QCOMPARE(filesIn(saved.path()).size(), 5);

        QTest::qWait(200); // let docks repaint before the screenshot
        saveScreenshot(m_window, "gen_panel_sdxl.png");
        if (auto* tabs = m_panel->findChild<QTabWidget*>()) {
            tabs->setCurrentIndex(1);
            QTest::qWait(50);
            saveScreenshot(m_panel, "gen_panel_dock_brackets_tab.png");
        }
    }

    // Gain-map diffusion from the panel: the method's defaults, the gain-map UNet picker, a run on
    // the tiny models whose strip shows SDR, gain map (false colour) and HDR, the EXR opened in the
    // viewer, and Save As Ultra HDR of it decoding back to HDR.
    void gainMapDiffusionRun()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-gm-sd15");
        QTemporaryDir out;
        configureTinyRun(sharedModel("tiny-sd15"), QStringLiteral("sd15"), out.path());
        m_panel->setMethod(ui::GenerationMethod::GainMap);
        QCOMPARE(m_panel->options().gainMap.sampler, std::string("ddpm")); // the research scripts' defaults
        QCOMPARE(m_panel->options().gainMap.steps, 50);
        m_panel->setSteps(4);
        m_panel->setCustomSize(64, 64);
        // Without the gain-map UNet Generate is blocked and says so; a plain SD 1.5 model is refused.
        m_panel->gainMapSection()->modelPicker()->setModelPath(sharedModel("tiny-sd15"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->gainMapSection()->modelPicker()->isInspecting(), 20000);
        QVERIFY2(m_panel->blockingReason().contains(QStringLiteral("8 input channels")),
                 qPrintable(m_panel->blockingReason()));
        m_panel->gainMapSection()->modelPicker()->setModelPath(sharedModel("tiny-gm-sd15"));
        QTRY_COMPARE_WITH_TIMEOUT(
            m_panel->gainMapSection()->modelPicker()->arch(), QStringLiteral("sd15-gm"), 20000);
        m_panel->gainMapSection()->setQmax(49);
        QVERIFY2(m_panel->generateButton()->isEnabled(), qPrintable(m_panel->blockingReason()));

        QSignalSpy succeeded(m_panel, &ui::GenerationPanel::generationSucceeded);
        QTest::mouseClick(m_panel->generateButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kRunTimeoutMs);
        QCOMPARE(m_window->lastError(), QString());
        ui::BracketStrip* strip = m_panel->strip();
        QCOMPARE(strip->count(), 3);
        QCOMPARE(strip->label(0), QStringLiteral("SDR"));
        QCOMPARE(strip->label(1), QStringLiteral("Gain map"));
        QVERIFY(strip->label(2).startsWith(QStringLiteral("HDR")));
        QVERIFY(m_panel->preview()->framesShown() > 0);
        // The HDR tile holds the scene-linear HDR (peak qmax + 1 = 50 at most).
        float peak = 0.0f;
        const auto& hdrTile = *strip->tile(2).linear;
        for (std::size_t i = 0, n = std::size_t(hdrTile.pixelCount()) * 3; i < n; ++i)
            peak = std::max(peak, hdrTile.data()[i]);
        QVERIFY(peak > 0.0f && peak <= 50.0f);

        const QString hdrFile = succeeded.first().at(0).toString();
        QVERIFY(hdrFile.endsWith(QStringLiteral(".exr")));
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->viewer()->document() && m_window->viewer()->document()->path == hdrFile, 10000);
        const QString stem = QFileInfo(hdrFile).completeBaseName();
        const QStringList files = filesIn(out.path());
        for (const QString& suffix : {QStringLiteral(".exr"),
                                      QStringLiteral(".hdr"),
                                      QStringLiteral("_sdr.png"),
                                      QStringLiteral("_gainmap.png"),
                                      QStringLiteral("_ultrahdr.jpg"),
                                      QStringLiteral(".json")}) {
            QVERIFY2(files.contains(stem + suffix), qPrintable(files.join(QLatin1Char(' '))));
        }

        // Save As Ultra HDR: a gain-map JPEG that decodes back to HDR.
        QTemporaryDir saved;
        QSignalSpy exported(m_window, &ui::MainWindow::exportFinished);
        const QString jpg = saved.filePath(QStringLiteral("saved.jpg"));
        m_window->exportTo(jpg, false, ui::MainWindow::ExportKind::UltraHdr);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 10000);
        QVERIFY2(exported.first().at(1).toBool(), qPrintable(m_window->lastError()));
        auto back = hdr::core::readImage(jpg.toStdString());
        HDR_VERIFY_OK(back);
        QVERIFY(back->metadata.attributes.count("gainmap.source"));
        saveScreenshot(m_window, "gen_panel_gainmap.png");
    }

    void sd15ImageToImage()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15");
        QTemporaryDir out;
        configureTinyRun(sharedModel("tiny-sd15"), QStringLiteral("sd15"), out.path());
        // A missing init image blocks Generate with the reason.
        m_panel->setInitImage(out.filePath(QStringLiteral("missing.png")), 0.5);
        QVERIFY(!m_panel->generateButton()->isEnabled());
        QVERIFY(m_panel->blockingReason().contains(QStringLiteral("init image")));
        // A 72x64 picture: its size, cropped to multiples of 8 (72x64), wins over the 64x64 setting.
        QImage picture(72, 64, QImage::Format_RGB888);
        for (int y = 0; y < 64; ++y) {
            for (int x = 0; x < 72; ++x) {
                picture.setPixelColor(x, y, QColor(x * 3, y * 4, 128));
            }
        }
        const QString input = out.filePath(QStringLiteral("init.png"));
        QVERIFY(picture.save(input));
        m_panel->setInitImage(input, 0.5);
        m_panel->setMemoryOptions(512, true); // small-machine settings on the same run
        QVERIFY2(m_panel->generateButton()->isEnabled(), qPrintable(m_panel->blockingReason()));
        const auto request = ui::toBracketedRequest(m_panel->options(), 7);
        QCOMPARE(QString::fromStdString(request.initImage.string()), input);
        QCOMPARE(request.strength, 0.5);

        QSignalSpy succeeded(m_panel, &ui::GenerationPanel::generationSucceeded);
        QTest::mouseClick(m_panel->generateButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kRunTimeoutMs);
        QCOMPARE(m_panel->strip()->count(), 3);
        QCOMPARE(m_panel->strip()->tile(0).linear->width(), 72);
        const QStringList json = filesIn(out.path()).filter(QStringLiteral(".json"));
        QCOMPARE(json.size(), 1);
        QFile file(out.filePath(json.first()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject parameters =
            QJsonDocument::fromJson(file.readAll()).object()[QLatin1String("parameters")].toObject();
        QCOMPARE(parameters[QLatin1String("image")].toString(), input);
        QCOMPARE(parameters[QLatin1String("strength")].toDouble(), 0.5);
        QCOMPARE(parameters[QLatin1String("vaeTile")].toInt(), 512);
        QTest::qWait(100); // let docks repaint before the screenshot
        saveScreenshot(m_window, "gen_panel_img2img.png");
    }

    void sd15QueuedRunsAndBracketClick()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15");
        QTemporaryDir out;
        configureTinyRun(sharedModel("tiny-sd15"), QStringLiteral("sd15"), out.path());
        QCOMPARE(m_panel->sizeChoices().first(), QStringLiteral("512 × 512"));
        QVERIFY(m_panel->modelPicker()->statusText().contains(QStringLiteral("SD 1.5")));
        m_panel->setEvList(QStringLiteral("2, -2, 0, 1"));

        // Two clicks queue two jobs; the job list shows both; both finish.
        QSignalSpy succeeded(m_panel, &ui::GenerationPanel::generationSucceeded);
        const int rowsBefore = m_window->jobList()->rowCount();
        QTest::mouseClick(m_panel->generateButton(), Qt::LeftButton);
        m_panel->setSeed(43);
        QTest::mouseClick(m_panel->generateButton(), Qt::LeftButton);
        QCOMPARE(m_panel->pendingJobs(), 2);
        QCOMPARE(m_window->jobList()->rowCount(), rowsBefore + 2);
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 2, kRunTimeoutMs);
        QCOMPARE(m_panel->pendingJobs(), 0);
        QCOMPARE(filesIn(out.path()).filter(QStringLiteral(".exr")).size(), 2);

        ui::BracketStrip* strip = m_panel->strip();
        QCOMPARE(strip->count(), 4);
        QCOMPARE(strip->nominalEv(0), -2.0);
        QCOMPARE(strip->nominalEv(3), 2.0);

        // Clicking the +2 EV tile shows that bracket (display-referred, linearised) in the viewer.
        const QString lastHdr = succeeded.last().at(0).toString();
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->viewer()->document() && m_window->viewer()->document()->path == lastHdr, 10000);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        strip->button(3)->click();
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 10000);
        QCOMPARE(opened.first().at(0).toString(), QStringLiteral("Bracket +2 EV"));
        QCOMPARE(m_window->viewer()->document()->image().width(), 64);
        saveScreenshot(m_window, "gen_panel_sd15.png");
    }

    // A run that fails (here: the output folder cannot be created) reaches the window's error
    // path; the app stays up and the panel is ready again.
    void failureReachesErrorPath()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl");
        QTemporaryDir out;
        const QString blocker = out.filePath(QStringLiteral("a-file"));
        QVERIFY(QFile(blocker).open(QIODevice::WriteOnly));
        configureTinyRun(sharedModel("tiny-sdxl"), QStringLiteral("sdxl"), blocker + QStringLiteral("/sub"));
        QSignalSpy errors(m_window, &ui::MainWindow::errorShown);
        QVERIFY(m_panel->generate() != 0);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kRunTimeoutMs);
        QVERIFY2(m_window->lastError().contains(QStringLiteral("output folder")),
                 qPrintable(m_window->lastError()));
        QTRY_COMPARE(m_panel->pendingJobs(), 0);
        QVERIFY(m_panel->statusText().startsWith(QStringLiteral("Generation failed")));
        QVERIFY(m_panel->generateButton()->isEnabled());
    }

    void cancelMidRun()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl");
        QTemporaryDir out;
        configureTinyRun(sharedModel("tiny-sdxl"), QStringLiteral("sdxl"), out.path());
        m_panel->setSteps(30);
        // Cancel through the JobManager (what the job list's Cancel button calls) at the first
        // latent preview, i.e. in the middle of the denoising loop.
        quint64 jobId = 0;
        connect(m_jobs, &core::JobManager::jobPreview, this, [this, &jobId](quint64 id) {
            if (id == jobId) {
                m_jobs->cancel(id);
            }
        });
        QSignalSpy finished(m_jobs, &core::JobManager::jobFinished);
        QSignalSpy succeeded(m_panel, &ui::GenerationPanel::generationSucceeded);
        jobId = m_panel->generate();
        QVERIFY(jobId != 0);
        QTRY_VERIFY_WITH_TIMEOUT(m_jobs->job(jobId) && m_jobs->job(jobId)->finished(), kRunTimeoutMs);
        QCOMPARE(m_jobs->job(jobId)->state, core::JobState::Cancelled);
        QTRY_COMPARE(m_panel->pendingJobs(), 0);
        QCOMPARE(succeeded.count(), 0);
        QCOMPARE(filesIn(out.path()), QStringList());
        QVERIFY(m_panel->statusText().startsWith(QStringLiteral("Cancelled")));
        QVERIFY(m_panel->generateButton()->isEnabled());
        QCOMPARE(m_window->lastError(), QString()); // a cancel is not an error
    }
};

int main(int argc, char** argv)
{
    hdr::test::initTestEnvironment();
    QApplication app(argc, argv);
    TestGenerationPanel t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_generation_panel.moc"
