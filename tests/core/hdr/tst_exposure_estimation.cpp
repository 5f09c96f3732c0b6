// Relative exposures estimated from the pixels of a bracket (no EXIF): camera-like brackets made
// from the demo scene at known EVs, with 8-bit sRGB quantisation and a generator-like local
// change, must give back the EVs; brackets too far apart give a clear error.
#include "hdr/ExposureEstimation.h"
#include "image/DemoScene.h"
#include "image/TransferFunction.h"
#include "support/TestSupport.h"

#include <QtTest>

#include <cmath>

using namespace hdr::core;

namespace {

// What a camera or a generator writes: exposure, clip at 1, 8-bit sRGB; then decoded back.
ImageF bracketOf(const ImageF& scene, double ev)
{
    ImageF out = scene;
    const float gain = static_cast<float>(std::exp2(ev));
    float* p = out.data();
    for (std::int64_t i = 0; i < out.pixelCount() * out.channels(); ++i) {
        const float v = std::clamp(p[i] * gain, 0.0f, 1.0f);
        p[i] = srgbDecode(std::round(srgbEncode(v) * 255.0f) / 255.0f);
    }
    return out;
}

} // namespace

class TestExposureEstimation : public QObject {
    Q_OBJECT

private slots:
    void recoversKnownEvs_data()
    {
        QTest::addColumn<QList<double>>("evs");
        QTest::newRow("-2 0 +2") << QList<double>{-2.0, 0.0, 2.0};
        QTest::newRow("-1 0 +1") << QList<double>{-1.0, 0.0, 1.0};
        QTest::newRow("5 stops uneven") << QList<double>{-3.0, -1.0, 0.0, 0.5, 2.0};
    }

    void recoversKnownEvs()
    {
        QFETCH(QList<double>, evs);
        const ImageF scene = renderDemoScene(480, 270);
        std::vector<ImageF> brackets;
        for (double ev : evs) {
            brackets.push_back(bracketOf(scene, ev));
        }
        auto est = estimateRelativeExposures(brackets);
        HDR_VERIFY_OK(est);
        const int ref = (static_cast<int>(evs.size()) - 1) / 2;
        for (int i = 0; i < evs.size(); ++i) {
            const double expected = evs[i] - evs[ref];
            QVERIFY2(
                std::abs(est->ev[i] - expected) < 0.02,
                qPrintable(
                    QStringLiteral("image %1: %2 stops, expected %3").arg(i).arg(est->ev[i]).arg(expected)));
        }
        for (auto px : est->pixels) {
            QVERIFY(px > 1000);
        }
    }

    void ignoresAMinorityOfChangedPixels()
    {
        // A generator does not expose proportionally everywhere: brighten a quarter of the
        // frame by an extra stop in one branch; the median must still see the global EV.
        const ImageF scene = renderDemoScene(480, 270);
        std::vector<ImageF> brackets{bracketOf(scene, -1.0), bracketOf(scene, 0.0), bracketOf(scene, 1.0)};
        ImageF& changed = brackets[2];
        for (int y = 0; y < changed.height() / 2; ++y) {
            for (int x = 0; x < changed.width() / 2; ++x) {
                float* p = changed.pixel(x, y);
                for (int c = 0; c < 3; ++c) {
                    p[c] = std::min(1.0f, p[c] * 2.0f);
                }
            }
        }
        auto est = estimateRelativeExposures(brackets);
        HDR_VERIFY_OK(est);
        QVERIFY2(std::abs(est->ev[2] - 1.0) < 0.1, qPrintable(QString::number(est->ev[2])));
        QVERIFY(std::abs(est->ev[0] + 1.0) < 0.02);
    }

    void referenceIndexSetsTheZero()
    {
        const ImageF scene = renderDemoScene(320, 180);
        std::vector<ImageF> brackets{bracketOf(scene, 0.0), bracketOf(scene, 1.0)};
        ExposureEstimationParams params;
        params.referenceIndex = 0;
        auto est = estimateRelativeExposures(brackets, params);
        HDR_VERIFY_OK(est);
        QCOMPARE(est->ev[0], 0.0);
        QVERIFY(std::abs(est->ev[1] - 1.0) < 0.02);
    }

    void clearErrors()
    {
        const ImageF scene = renderDemoScene(320, 180);
        std::vector<ImageF> one{bracketOf(scene, 0.0)};
        QVERIFY(!estimateRelativeExposures(one));
        // 20 stops apart: nothing is well exposed in both.
        std::vector<ImageF> far{bracketOf(scene, -14.0), bracketOf(scene, 6.0)};
        auto est = estimateRelativeExposures(far);
        QVERIFY(!est);
        QVERIFY2(QString::fromStdString(est.error().message).contains("share only"),
                 est.error().message.c_str());
        std::vector<ImageF> sizes{bracketOf(scene, 0.0), bracketOf(renderDemoScene(160, 90), 0.0)};
        QVERIFY(!estimateRelativeExposures(sizes));
        ExposureEstimationParams bad;
        bad.highLinear = 0.0f;
        QVERIFY(!bad.validate());
    }
};

HDR_TEST_MAIN(TestExposureEstimation)
#include "tst_exposure_estimation.moc"
