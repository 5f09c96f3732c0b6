// Exposure-pair selection on a synthetic 7-frame bracket (EV -3..+3) of a high-DR scene.
#include "stacks/ExposureSelection.h"
#include "stacks/SyntheticBrackets.h"
#include "support/TestSupport.h"

#include <cmath>

using namespace hdr::core;

class TestExposureSelection : public QObject {
    Q_OBJECT
private slots:
    void ranksAllPairsBestFirst()
    {
        // 14-stop ramp with texture, so that fusion has contrast to weigh.
        ImageF scene(128, 64, 3);
        for (int y = 0; y < 64; ++y) {
            for (int x = 0; x < 128; ++x) {
                const float t = 1.0f + 0.3f * std::sin(float(x) * 0.9f) * std::cos(float(y) * 0.7f);
                float* p = scene.pixel(x, y);
                p[0] = p[1] = p[2] = t * std::exp2(float(x) / 128.0f * 14.0f - 9.0f);
            }
        }
        BracketParams bp;
        bp.evs = {-3, -2, -1, 0, 1, 2, 3};
        auto frames = synthesizeBrackets(scene, bp, nullJobContext());
        HDR_VERIFY_OK(frames);
        std::vector<ImageF> stack;
        for (auto& f : *frames) {
            stack.push_back(f.signal);
        }
        ExposureSelectionParams p;
        p.maxSize = 64; // exercises the downscale
        auto ranking = rankExposurePairs(stack, p, nullJobContext());
        HDR_VERIFY_OK(ranking);
        QCOMPARE(ranking->size(), std::size_t(21));
        for (std::size_t i = 1; i < ranking->size(); ++i) {
            QVERIFY((*ranking)[i - 1].score >= (*ranking)[i].score);
        }
        // A wide pair covers this scene better than two neighbours at one end.
        const PairScore best = ranking->front();
        QVERIFY2(best.second - best.first >= 3,
                 qPrintable(QStringLiteral("%1,%2").arg(best.first).arg(best.second)));
        QVERIFY(best.score > 0.5 && best.score <= 1.0);
        double adjacentDark = 0;
        for (const auto& s : *ranking) {
            if (s.first == 0 && s.second == 1) {
                adjacentDark = s.score;
            }
        }
        QVERIFY(best.score > adjacentDark);
        // Errors: one image, bad sizes.
        QVERIFY(!rankExposurePairs(std::span(stack.data(), 1), p, nullJobContext()));
        stack[1] = ImageF(10, 10, 3);
        QVERIFY(!rankExposurePairs(stack, p, nullJobContext()));
    }
    void downscale()
    {
        ImageF img(100, 40, 3);
        img.pixel(0, 0)[0] = 4.0f;
        const ImageF s = downscaleToMaxSize(img, 50);
        QCOMPARE(s.width(), 50);
        QCOMPARE(s.height(), 20);
        QCOMPARE(s.pixel(0, 0)[0], 1.0f); // box average of 2x2
    }
};

HDR_TEST_MAIN(TestExposureSelection)
#include "tst_exposure_selection.moc"
