// The viewer's OpenGL path against the CPU path, pixel by pixel. Needs an X display with OpenGL
// 3.3: CTest runs it under Xvfb (xvfb-run, Mesa llvmpipe) where xvfb-run is installed.
// HDR_SCREENSHOT_DIR=<folder> saves what the GL viewer shows, for a person to look at.
#include "color/Ocio.h"
#include "display/DisplayTransform.h"
#include "display/ViewportRenderer.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"
#include "ui/viewer/GlViewerSurface.h"
#include "ui/viewer/ImageDocument.h"
#include "ui/viewer/ImageViewer.h"

#include <QApplication>
#include <QDir>
#include <QOpenGLWidget>

#include <cmath>
#include <limits>

using namespace hdr;

namespace {

// 320x200: a log ramp of greys (2^-10 .. 2^8) on top, a hue sweep at three brightnesses in the
// middle, and NaN / +Inf / 0 / negative pixels in the bottom-left corner.
ui::DocumentPtr syntheticDocument()
{
    core::ImageF img(320, 200, 3);
    for (int y = 0; y < 200; ++y) {
        for (int x = 0; x < 320; ++x) {
            float* p = img.pixel(x, y);
            const float t = float(x) / 320.0f;
            if (y < 60) {
                p[0] = p[1] = p[2] = std::exp2(-10.0f + 18.0f * t);
            } else {
                const float level = std::exp2(float((y - 60) / 47) * 3.0f - 2.0f);
                const float h = t * 6.0f;
                p[0] = level * std::clamp(std::fabs(h - 3.0f) - 1.0f, 0.0f, 1.0f);
                p[1] = level * std::clamp(2.0f - std::fabs(h - 2.0f), 0.0f, 1.0f);
                p[2] = level * std::clamp(2.0f - std::fabs(h - 4.0f), 0.0f, 1.0f);
            }
        }
    }
    const float specials[] = {
        std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 0.0f};
    for (int i = 0; i < 3; ++i) {
        for (int y = 190; y < 200; ++y) {
            for (int x = i * 10; x < i * 10 + 10; ++x) {
                img.pixel(x, y)[i] = specials[i];
            }
        }
    }
    auto doc =
        ui::buildDocument(std::move(img), QString(), QStringLiteral("synthetic"), core::nullJobContext());
    if (!doc) {
        qFatal("%s", doc.error().describe().c_str());
    }
    return *doc;
}

struct FrameDifference {
    int max = 0;
    double overOne = 0; // fraction of channel values off by more than one code
};

FrameDifference compareFrames(const QImage& a, const QImage& b)
{
    FrameDifference d;
    std::size_t over = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            for (int e : {std::abs(qRed(p) - qRed(q)),
                          std::abs(qGreen(p) - qGreen(q)),
                          std::abs(qBlue(p) - qBlue(q))}) {
                d.max = std::max(d.max, e);
                over += e > 1 ? 1 : 0;
            }
        }
    }
    d.overOne = double(over) / (3.0 * a.width() * a.height());
    return d;
}

// What the CPU shows for a document in the viewer's current viewport (exact per-pixel path).
QImage cpuFrame(const ui::ImageDocument& doc,
                core::DisplaySettings s,
                const core::OcioConfig* config,
                const core::Viewport& viewport)
{
    const float k = std::exp2(s.exposureEv);
    s.toneMap.logAverageLuminance = float(std::max(1e-9, doc.stats.logAverageLuminance)) * k;
    s.toneMap.maxLuminance = float(std::max(1e-9, doc.stats.maxLuminance)) * k;
    auto t = core::DisplayTransform::create(s, config, doc.image().colorSpace);
    if (!t) {
        qFatal("%s", t.error().describe().c_str());
    }
    QImage frame(viewport.width, viewport.height, QImage::Format_RGB32);
    core::renderViewport(*doc.pyramid,
                         *t,
                         viewport,
                         reinterpret_cast<std::uint32_t*>(frame.bits()),
                         std::size_t(frame.bytesPerLine() / 4));
    return frame;
}

void saveScreenshot(QWidget& widget, const QString& name)
{
    const QString dir = qEnvironmentVariable("HDR_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QDir().mkpath(dir);
        widget.grab().save(QDir(dir).filePath(name));
    }
}

} // namespace

class TestGlViewer : public QObject {
    Q_OBJECT
    std::shared_ptr<const core::OcioConfig> m_ocio;
    ui::DocumentPtr m_synthetic;
    ui::DocumentPtr m_photo; // ../shared data when present

    static bool waitForFrame(ui::ImageViewer& viewer)
    {
        return QTest::qWaitFor([&] { return viewer.frameIsCurrent(); }, 20000);
    }

private slots:
    void initTestCase()
    {
        QString why;
        if (!ui::GlViewerSurface::contextAvailable(&why)) {
            QSKIP(qPrintable(QStringLiteral("needs an X display with OpenGL 3.3 (CTest runs this test under "
                                            "xvfb-run where it is installed): ") +
                             why));
        }
        auto config = core::OcioConfig::loadDefault();
        HDR_VERIFY_OK(config);
        m_ocio = *config;
        m_synthetic = syntheticDocument();
        const std::string photo = "data/rgbe/mpi_atrium_3.hdr";
        if (hdr::test::haveShared(photo)) {
            auto doc = ui::loadDocument(
                QString::fromStdString(hdr::test::sharedPath(photo).string()), {}, core::nullJobContext());
            HDR_VERIFY_OK(doc);
            m_photo = *doc;
        }
    }

    void theGlPathIsTaken()
    {
        ui::ImageViewer viewer;
        QCOMPARE(viewer.renderPath(), ui::ImageViewer::RenderPath::OpenGl);
        QCOMPARE(viewer.findChildren<QOpenGLWidget*>().size(), 1);
    }

    void glFramesMatchTheCpuPath_data()
    {
        QTest::addColumn<QString>("display");
        QTest::addColumn<QString>("view");
        QTest::addColumn<int>("op");
        QTest::addColumn<int>("overlay");
        QTest::addColumn<float>("exposure");
        QTest::addColumn<float>("gamma");
        using core::ToneMapOperator;
        auto row = [](const char* name, const char* display, const char* view, ToneMapOperator op, float ev) {
            QTest::newRow(name) << QString::fromLatin1(display) << QString::fromLatin1(view) << int(op)
                                << int(core::DisplayOverlay::None) << ev << 1.0f;
        };
        row("sRGB Standard", "sRGB", "Standard", ToneMapOperator::Clip, 0.0f);
        row("sRGB Standard +3 EV", "sRGB", "Standard", ToneMapOperator::Clip, 3.0f);
        row("sRGB AgX", "sRGB", "AgX", ToneMapOperator::Clip, 0.0f);
        row("sRGB ACES", "sRGB", "ACES", ToneMapOperator::Clip, 1.0f);
        row("sRGB Raw", "sRGB", "Raw", ToneMapOperator::Clip, 0.0f);
        row("Display P3 Standard", "Display P3", "Standard", ToneMapOperator::Clip, 0.0f);
        row("Rec.2100-PQ Standard", "Rec.2100-PQ", "Standard", ToneMapOperator::Clip, 0.0f);
        row("Rec.2100-PQ AgX", "Rec.2100-PQ", "AgX", ToneMapOperator::Clip, 0.0f);
        for (ToneMapOperator op : core::allToneMapOperators()) {
            if (op != ToneMapOperator::Clip) {
                QTest::newRow(core::nameOf(op)) << QStringLiteral("sRGB") << QStringLiteral("Standard")
                                                << int(op) << int(core::DisplayOverlay::None) << 0.5f << 1.0f;
            }
        }
        QTest::newRow("gamma 1.8") << QStringLiteral("sRGB") << QStringLiteral("Standard") << 0
                                   << int(core::DisplayOverlay::None) << 0.0f << 1.8f;
        QTest::newRow("clipping overlay") << QStringLiteral("sRGB") << QStringLiteral("Standard") << 0
                                          << int(core::DisplayOverlay::Clipping) << 1.0f << 1.0f;
        QTest::newRow("false colour") << QStringLiteral("sRGB") << QStringLiteral("Standard") << 0
                                      << int(core::DisplayOverlay::FalseColor) << -1.0f << 1.0f;
    }
    void glFramesMatchTheCpuPath()
    {
        QFETCH(QString, display);
        QFETCH(QString, view);
        QFETCH(int, op);
        QFETCH(int, overlay);
        QFETCH(float, exposure);
        QFETCH(float, gamma);
        core::DisplaySettings s;
        s.display = display.toStdString();
        s.view = view.toStdString();
        s.toneMap.op = core::ToneMapOperator(op);
        s.overlay = core::DisplayOverlay(overlay);
        s.exposureEv = exposure;
        s.gamma = gamma;

        ui::ImageViewer viewer;
        viewer.setOcioConfig(m_ocio);
        viewer.resize(480, 320);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        QCOMPARE(viewer.renderPath(), ui::ImageViewer::RenderPath::OpenGl);
        for (const ui::DocumentPtr& doc : {m_synthetic, m_photo}) {
            if (!doc) {
                continue; // the photograph needs ../shared
            }
            viewer.setDocument(doc);
            viewer.setDisplaySettings(s);
            QVERIFY(waitForFrame(viewer));
            const QImage gl = viewer.currentFrame();
            QCOMPARE(gl.size(), QSize(480, 320));
            const QImage cpu = cpuFrame(*doc, s, m_ocio.get(), viewer.viewport());
            const FrameDifference d = compareFrames(gl, cpu);
            qInfo("%s, %s: GL vs CPU max %d codes, >1 code: %.4f%%",
                  QTest::currentDataTag(),
                  qPrintable(doc->displayName),
                  d.max,
                  d.overOne * 100.0);
            // GLSL float maths (llvmpipe) against the C++ and OCIO CPU code: rounding at .5 code
            // boundaries, and OCIO's CPU fast-power approximations.
            if (overlay == int(core::DisplayOverlay::Clipping)) {
                // A pixel whose value sits on the clip threshold may be marked by one path and
                // not the other (full-code flips); they must stay isolated boundary pixels.
                QVERIFY2(d.overOne < 0.002, qPrintable(QString::number(d.overOne)));
            } else {
                QVERIFY2(d.max <= 2, qPrintable(QString::number(d.max)));
                QVERIFY(d.overOne < 0.001);
            }
            if (doc == m_photo || !m_photo) {
                saveScreenshot(viewer,
                               QStringLiteral("glviewer_%1.png")
                                   .arg(QString::fromLatin1(QTest::currentDataTag())
                                            .replace(QLatin1Char(' '), QLatin1Char('_'))));
            }
        }
    }

    void zoomPanAndCompareMatchTheCpuPath()
    {
        ui::ImageViewer viewer;
        viewer.setOcioConfig(m_ocio);
        viewer.resize(500, 300);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        const ui::DocumentPtr a = m_photo ? m_photo : m_synthetic;
        viewer.setDocument(a);
        core::DisplaySettings s;
        s.view = "AgX";
        viewer.setDisplaySettings(s);
        for (double factor : {3.7, 0.13, 1.0}) { // zoomed in (big pixels), out (coarse mip level)
            viewer.zoomBy(factor, QPointF(173, 91));
            QVERIFY(waitForFrame(viewer));
            const FrameDifference d =
                compareFrames(viewer.currentFrame(), cpuFrame(*a, s, m_ocio.get(), viewer.viewport()));
            QVERIFY2(d.max <= 2, qPrintable(QStringLiteral("zoom %1: %2").arg(viewer.zoom()).arg(d.max)));
        }
        // A/B: B (the synthetic scene) right of the split.
        viewer.zoomToFit();
        viewer.setCompareDocument(m_synthetic);
        viewer.setCompareSplit(0.4);
        QVERIFY(waitForFrame(viewer));
        const QImage gl = viewer.currentFrame();
        const QImage left = cpuFrame(*a, s, m_ocio.get(), viewer.viewport());
        const QImage right = cpuFrame(*m_synthetic, s, m_ocio.get(), viewer.viewport());
        const int split = int(std::lround(0.4 * 500));
        QVERIFY(compareFrames(gl.copy(0, 0, split, 300), left.copy(0, 0, split, 300)).max <= 2);
        QVERIFY(
            compareFrames(gl.copy(split, 0, 500 - split, 300), right.copy(split, 0, 500 - split, 300)).max <=
            2);
        saveScreenshot(viewer, QStringLiteral("glviewer_compare.png"));
    }

    void switchingToTheCpuAndBack()
    {
        ui::ImageViewer viewer;
        viewer.setOcioConfig(m_ocio);
        viewer.resize(320, 240);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        viewer.setDocument(m_synthetic);
        QVERIFY(waitForFrame(viewer));
        const QImage gl = viewer.currentFrame();
        QCOMPARE(viewer.setRenderPath(ui::ImageViewer::RenderPath::CpuLut),
                 ui::ImageViewer::RenderPath::CpuLut);
        QTRY_VERIFY(viewer.findChildren<QOpenGLWidget*>().isEmpty());
        QVERIFY(waitForFrame(viewer));
        QVERIFY(compareFrames(viewer.currentFrame(), gl).max <= 2);
        QCOMPARE(viewer.setRenderPath(ui::ImageViewer::RenderPath::OpenGl),
                 ui::ImageViewer::RenderPath::OpenGl);
        QVERIFY(waitForFrame(viewer));
        QVERIFY(compareFrames(viewer.currentFrame(), gl).max == 0);
    }
};

int main(int argc, char** argv)
{
    hdr::test::initTestEnvironment(); // keeps QT_QPA_PLATFORM when CTest sets xcb
    QApplication app(argc, argv);
    TestGlViewer t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_glviewer.moc"
