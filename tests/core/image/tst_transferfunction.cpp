#include "image/TransferFunction.h"
#include "support/TestSupport.h"

#include <cmath>
#include <limits>

using namespace hdr::core;

class TestTransferFunction : public QObject {
    Q_OBJECT
private slots:
    void srgbKnownValues()
    {
        QVERIFY(std::fabs(srgbEncode(0.18f) - 0.4613561f) < 1e-5f);
        QVERIFY(std::fabs(srgbDecode(0.5f) - 0.2140411f) < 1e-5f);
        QCOMPARE(srgbEncode(0.0f), 0.0f);
        QVERIFY(std::fabs(srgbEncode(1.0f) - 1.0f) < 1e-6f);
        // Linear segment below 0.0031308.
        QVERIFY(std::fabs(srgbEncode(0.001f) - 0.01292f) < 1e-7f);
    }
    void pqKnownValues()
    {
        // SMPTE ST 2084 reference points.
        QVERIFY(std::fabs(pqEncodeNits(10000.0f) - 1.0f) < 1e-6f);
        QVERIFY(std::fabs(pqEncodeNits(100.0f) - 0.5080784f) < 1e-5f);
        QVERIFY(std::fabs(pqEncodeNits(1000.0f) - 0.7518271f) < 1e-5f);
        QVERIFY(std::fabs(pqEncodeNits(203.0f) - 0.5806888f) < 1e-5f);
        // Relative linear 1.0 = SDR white = 203 nits.
        QVERIFY(std::fabs(encode(Transfer::pq(), 1.0f) - pqEncodeNits(203.0f)) < 1e-6f);
    }
    void hlgKnownValues()
    {
        QVERIFY(std::fabs(hlgOetf(1.0f / 12.0f) - 0.5f) < 1e-6f);
        QVERIFY(std::fabs(hlgOetf(1.0f) - 1.0f) < 1e-5f);
        QVERIFY(std::fabs(encode(Transfer::hlg(), 1.0f) - 0.75f) < 1e-4f);
    }
    void roundTrips_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : {"srgb", "gamma2.2", "gamma2.6", "pq", "hlg", "linear"}) {
            QTest::newRow(n) << QString::fromLatin1(n);
        }
    }
    void roundTrips()
    {
        QFETCH(QString, name);
        auto t = Transfer::fromString(name.toStdString());
        QVERIFY(t.has_value());
        QCOMPARE(QString::fromStdString(t->name()), name);
        const float maxLinear = t->kind == TransferKind::PQ    ? 49.0f
                                : t->kind == TransferKind::HLG ? 3.7f
                                                               : 1.0f;
        for (float x = 1e-4f; x <= maxLinear; x *= 1.37f) {
            const float back = decode(*t, encode(*t, x));
            QVERIFY2(std::fabs(back - x) <= 2e-4f * x + 1e-6f,
                     qPrintable(QStringLiteral("%1 -> %2").arg(x).arg(back)));
        }
    }
    void hostileInputsStayFinite()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN(),
                    inf = std::numeric_limits<float>::infinity();
        for (const Transfer& t :
             {Transfer::srgb(), Transfer::pureGamma(2.4f), Transfer::pq(), Transfer::hlg()}) {
            for (float v : {nan, inf, -inf, -1.0f, 1e-40f, 1e30f}) {
                const float e = encode(t, v);
                QVERIFY2(std::isfinite(e) ||
                             (v == inf && t.kind != TransferKind::PQ && t.kind != TransferKind::HLG),
                         qPrintable(QString::fromStdString(t.name())));
                if (std::isfinite(e)) {
                    QVERIFY(e >= 0.0f);
                }
            }
        }
        QCOMPARE(encode(Transfer::pq(), 1e30f), 1.0f); // clamps at 10000 nits
    }
    void parsingRejectsNonsense()
    {
        QVERIFY(!Transfer::fromString("gamma").has_value());
        QVERIFY(!Transfer::fromString("gamma0").has_value());
        QVERIFY(!Transfer::fromString("bogus").has_value());
    }
};

HDR_TEST_MAIN(TestTransferFunction)
#include "tst_transferfunction.moc"
