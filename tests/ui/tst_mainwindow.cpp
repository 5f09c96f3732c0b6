// GUI tests on the offscreen platform: open files, change exposure, compare, read back pixels.
#include "io/ImageIO.h"
#include "jobs/JobManager.h"
#include "support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/jobs/JobListPanel.h"
#include "ui/viewer/DisplayControlsPanel.h"
#include "ui/viewer/HistogramWidget.h"
#include "ui/viewer/ImageViewer.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>

using namespace hdr;

namespace {
// A 200x100 image: uniform radiance `level`, with a 10x10 block of 8.0 (3 stops over white)
// in the top-left corner.
std::string writeTestImage(const QTemporaryDir& dir, const char* name, float level)
{
    core::ImageF img(200, 100, 3);
    for (int y = 0; y < 100; ++y) {
        for (int x = 0; x < 200; ++x) {
            const float v = (x < 10 && y < 10) ? 8.0f : level;
            float* p = img.pixel(x, y);
            p[0] = p[1] = p[2] = v;
        }
    }
    const std::string path = dir.filePath(QString::fromLatin1(name)).toStdString();
    core::WriteOptions o;
    o.sampleType = core::SampleType::Float;
    auto ok = core::writeImage(img, path, o);
    if (!ok) {
        qFatal("cannot write test image: %s", ok.error().describe().c_str());
    }
    return path;
}

int greenAt(const QImage& frame, int x, int y)
{
    return qGreen(frame.pixel(x, y));
}

int srgbCode(float linear)
{
    return int(std::lround(core::srgbEncode(linear) * 255.0f));
}
} // namespace

// Signals are counted, not waited for: a job that fails at once (an existing output) can finish
// before its continuation is attached, and then QFuture::then runs it inside the call.
class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    core::JobManager* m_jobs = nullptr;
    ui::MainWindow* m_window = nullptr;

    bool waitForCurrentFrame()
    {
        return QTest::qWaitFor([this] { return m_window->viewer()->frameIsCurrent(); }, 10000);
    }
    QImage frame() const { return m_window->viewer()->currentFrame(); }
    QPoint centre() const { return m_window->viewer()->rect().center(); }

private slots:
    void init()
    {
        m_jobs = new core::JobManager;
        m_window = new ui::MainWindow(m_jobs);
        m_window->setErrorDialogsEnabled(false);
        m_window->resize(1000, 700);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
    }
    void cleanup()
    {
        delete m_window;
        delete m_jobs;
    }

    void openingAFileShowsItAtTheRightBrightness()
    {
        const auto path = writeTestImage(m_dir, "grey.exr", 0.18f);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        m_window->openFile(QString::fromStdString(path));
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        QCOMPARE(opened.at(0).at(0).toString(), QStringLiteral("grey.exr"));
        QVERIFY(waitForCurrentFrame());
        QVERIFY(std::abs(greenAt(frame(), centre().x(), centre().y()) - srgbCode(0.18f)) <= 1);

        // One stop up: 0.36 on screen.
        m_window->displayControls()->setExposure(1.0);
        QVERIFY(waitForCurrentFrame());
        QVERIFY(std::abs(greenAt(frame(), centre().x(), centre().y()) - srgbCode(0.36f)) <= 1);
        // Four stops down: the 8.0 block (top-left) is 0.5, no longer clipped.
        m_window->displayControls()->setExposure(-4.0);
        QVERIFY(waitForCurrentFrame());
        const core::Viewport v = m_window->viewer()->viewport();
        const int bx = int(v.viewX(5.0)), by = int(v.viewY(5.0));
        QVERIFY(std::abs(greenAt(frame(), bx, by) - srgbCode(0.5f)) <= 1);
    }

    void histogramCountsClippedPixels()
    {
        const auto path = writeTestImage(m_dir, "hist.exr", 0.18f);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        m_window->openFile(QString::fromStdString(path));
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        m_window->displayControls()->setExposure(0.0);
        QCOMPARE(m_window->histogram()->clippedHighlights(), std::int64_t(100)); // the 10x10 block
        m_window->displayControls()->setExposure(-4.0);
        QCOMPARE(m_window->histogram()->clippedHighlights(), std::int64_t(0));
    }

    void compareShowsBOnTheRight()
    {
        const auto a = writeTestImage(m_dir, "a.exr", 0.18f);
        const auto b = writeTestImage(m_dir, "b.exr", 0.02f);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        QSignalSpy compared(m_window, &ui::MainWindow::compareOpened);
        m_window->openFile(QString::fromStdString(a));
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        m_window->openFile(QString::fromStdString(b), true);
        QTRY_VERIFY_WITH_TIMEOUT(compared.count() >= 1, 30000);
        m_window->viewer()->setCompareSplit(0.5);
        QVERIFY(waitForCurrentFrame());
        const int y = centre().y() + 20;
        QVERIFY(std::abs(greenAt(frame(), centre().x() - 40, y) - srgbCode(0.18f)) <= 1);
        QVERIFY(std::abs(greenAt(frame(), centre().x() + 40, y) - srgbCode(0.02f)) <= 1);
    }

    void pixelProbeReportsLinearValues()
    {
        const auto path = writeTestImage(m_dir, "probe.exr", 0.25f);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        m_window->openFile(QString::fromStdString(path));
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        QVERIFY(waitForCurrentFrame());
        QSignalSpy probed(m_window->viewer(), &ui::ImageViewer::pixelProbed);
        QTest::mouseMove(m_window->viewer(), centre());
        QTRY_VERIFY(probed.count() >= 1);
        const auto probe = probed.last().at(0).value<std::optional<core::PixelProbe>>();
        QVERIFY(probe.has_value());
        QCOMPARE(probe->rgba[1], 0.25f);
        QVERIFY(std::fabs(probe->ev - (-2.0f)) < 1e-5f);
    }

    void aBadFileShowsAnErrorAndKeepsTheCurrentImage()
    {
        const auto good = writeTestImage(m_dir, "good.exr", 0.18f);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        m_window->openFile(QString::fromStdString(good));
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        const QString bad = m_dir.filePath(QStringLiteral("broken.exr"));
        std::ofstream(bad.toStdString(), std::ios::binary) << "v/1\x01 this is not really an EXR file";
        QSignalSpy errors(m_window, &ui::MainWindow::errorShown);
        m_window->openFile(bad);
        QTRY_VERIFY_WITH_TIMEOUT(errors.count() >= 1, 30000);
        QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("broken.exr")));
        QCOMPARE(m_window->viewer()->document()->displayName, QStringLiteral("good.exr"));
        QTRY_COMPARE(m_window->jobList()->rowCount(), 2); // the failed job stays listed
    }

    void demoSceneOpensOnRequest()
    {
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        m_window->showDemoScene();
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        QCOMPARE(opened.at(0).at(0).toString(), QStringLiteral("Demo scene"));
        QVERIFY(waitForCurrentFrame());
        QVERIFY(m_window->viewer()->document()->stats.dynamicRangeStops > 15.0);
    }

    void exportWritesWhatIsShownAndNeverOverwritesSilently()
    {
        const auto path = writeTestImage(m_dir, "export.exr", 0.18f);
        QSignalSpy opened(m_window, &ui::MainWindow::documentOpened);
        m_window->openFile(QString::fromStdString(path));
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 30000);
        m_window->displayControls()->setExposure(1.0);
        const QString png = m_dir.filePath(QStringLiteral("shown.png"));
        QSignalSpy exported(m_window, &ui::MainWindow::exportFinished);
        m_window->exportTo(png, false);
        QTRY_VERIFY_WITH_TIMEOUT(exported.count() >= 1, 30000);
        QVERIFY(exported.at(0).at(1).toBool());
        auto back = core::readImage(png.toStdString());
        HDR_VERIFY_OK(back);
        QVERIFY(std::fabs(back->pixel(100, 50)[1] - 0.36f) < 0.01f); // exposure baked in, sRGB decoded
        m_window->exportTo(png, false);
        QTRY_VERIFY_WITH_TIMEOUT(exported.count() >= 2, 30000);
        QVERIFY(!exported.at(1).at(1).toBool());
        QVERIFY(m_window->lastError().contains(QStringLiteral("exists")));
    }
};

int main(int argc, char** argv)
{
    hdr::test::initTestEnvironment();
    QApplication app(argc, argv);
    TestMainWindow t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_mainwindow.moc"
