#include "support/TestSupport.h"
#include "tonemap/ToneMap.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace hdr::core;

class TestToneMap : public QObject {
    Q_OBJECT
    static float grey(ToneMapOperator op, float x)
    {
        ToneMapParams p;
        p.op = op;
        p.logAverageLuminance = 0.18f;
        p.maxLuminance = 100.0f;
        float r = x, g = x, b = x;
        toneMapPixel(p, r, g, b);
        return g;
    }

private slots:
    void knownValues()
    {
        QCOMPARE(grey(ToneMapOperator::Clip, 3.0f), 1.0f);
        QVERIFY(std::fabs(grey(ToneMapOperator::Reinhard, 1.0f) - 0.5f) < 1e-5f); // L/(1+L)
        // Hill's ACES fit at 0.18 (input matrix leaves grey unchanged up to rounding).
        const float v = 0.18f;
        const float fit =
            (v * (v + 0.0245786f) - 0.000090537f) / (v * (0.983729f * v + 0.4329510f) + 0.238081f);
        QVERIFY(std::fabs(grey(ToneMapOperator::AcesFitted, 0.18f) - fit) < 2e-3f);
        // PBR Neutral leaves values below the compression start nearly untouched (offset only).
        QVERIFY(std::fabs(grey(ToneMapOperator::PbrNeutral, 0.5f) - 0.46f) < 1e-5f);
    }
    void everyOperatorIsMonotonicAndBounded_data()
    {
        QTest::addColumn<int>("op");
        for (ToneMapOperator op : allToneMapOperators()) {
            QTest::newRow(nameOf(op)) << int(op);
        }
    }
    void everyOperatorIsMonotonicAndBounded()
    {
        QFETCH(int, op);
        float previous = -1.0f;
        for (float x = 1e-5f; x < 1e6f; x *= 1.25f) {
            const float y = grey(ToneMapOperator(op), x);
            QVERIFY2(y >= previous - 1e-6f, qPrintable(QStringLiteral("not monotonic at %1").arg(x)));
            QVERIFY(y >= 0.0f && y <= 1.0f);
            previous = y;
        }
        QVERIFY2(grey(ToneMapOperator(op), 0.0f) < 0.01f, "black must stay (near) black");
    }
    void greysStayNeutral()
    {
        for (ToneMapOperator op : allToneMapOperators()) {
            for (float x : {0.01f, 0.18f, 1.0f, 5.0f, 40.0f}) {
                ToneMapParams p;
                p.op = op;
                float r = x, g = x, b = x;
                toneMapPixel(p, r, g, b);
                QVERIFY2(std::fabs(r - g) < 2e-3f && std::fabs(b - g) < 2e-3f,
                         qPrintable(QStringLiteral("%1(%2) = %3 %4 %5")
                                        .arg(QString::fromLatin1(nameOf(op)))
                                        .arg(x)
                                        .arg(r)
                                        .arg(g)
                                        .arg(b)));
            }
        }
    }
    void specialValuesAreSafe()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN(),
                    inf = std::numeric_limits<float>::infinity();
        for (ToneMapOperator op : allToneMapOperators()) {
            for (float x : {nan, inf, -inf, -3.0f, 1e-42f, 0.0f, 1e30f}) {
                const float y = grey(op, x);
                QVERIFY2(
                    std::isfinite(y) && y >= 0.0f && y <= 1.0f,
                    qPrintable(
                        QStringLiteral("%1(%2) = %3").arg(QString::fromLatin1(nameOf(op))).arg(x).arg(y)));
            }
        }
    }
    void bulkPathEqualsScalarReference()
    {
        std::vector<float> px;
        for (int i = 0; i < 300; ++i) {
            px.insert(px.end(), {0.01f * float(i), 0.02f * float(i % 17), 0.5f * float(i % 5), 0.5f});
        }
        for (ToneMapOperator op : allToneMapOperators()) {
            ToneMapParams p;
            p.op = op;
            std::vector<float> bulk = px;
            toneMapPixels(p, bulk.data(), 300, 4);
            for (int i = 0; i < 300; ++i) {
                float r = px[std::size_t(i) * 4], g = px[std::size_t(i) * 4 + 1],
                      b = px[std::size_t(i) * 4 + 2];
                toneMapPixel(p, r, g, b);
                QCOMPARE(bulk[std::size_t(i) * 4], r);
                QCOMPARE(bulk[std::size_t(i) * 4 + 2], b);
                QCOMPARE(bulk[std::size_t(i) * 4 + 3], 0.5f); // alpha untouched
            }
        }
    }
    void parametersAreValidated()
    {
        ToneMapParams p;
        p.dragoBias = 2.0f;
        QVERIFY(!p.validate());
        p.dragoBias = 0.85f;
        p.whitePoint = -1.0f;
        QVERIFY(!p.validate());
        QVERIFY(toneMapOperatorFromString("agx").has_value());
        QVERIFY(!toneMapOperatorFromString("nope").has_value());
    }
};

HDR_TEST_MAIN(TestToneMap)
#include "tst_tonemap.moc"
