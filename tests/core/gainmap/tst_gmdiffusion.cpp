// GM-Diffusion gain maps (gainmap/GmDiffusion.h): Eq. (1) and its inverse, the three tone mappers,
// and the exact conversion into a standard (Adobe / ISO 21496-1) gain map: the standard decode at
// full headroom reproduces the qmax HDR to float precision with the float map, and within the
// stated bound 2^(Gmax/510) - 1 (relative to HDR + 1/64) with the 8-bit map.

#include "gainmap/GmDiffusion.h"
#include "support/TestSupport.h"

#include <cmath>
#include <random>

using namespace hdr::core;

namespace {

// Every 8-bit SDR level against every 8-bit GM level (256 x 256 pixels), as PNGs would hold.
void allLevels(ImageF& sdr, ImageF& gm)
{
    sdr = ImageF(256, 256, 3);
    gm = ImageF(256, 256, 3);
    for (int y = 0; y < 256; ++y) {
        for (int x = 0; x < 256; ++x) {
            for (int c = 0; c < 3; ++c) {
                sdr.pixel(x, y)[c] = float((x + 85 * c) % 256) / 255.0f;
                gm.pixel(x, y)[c] = float((y + 40 * c) % 256) / 255.0f;
            }
        }
    }
}

} // namespace

class TestGmDiffusion : public QObject {
    Q_OBJECT

private slots:
    void equationOneAndInverse()
    {
        const float eps = 1.0f / 64;
        for (float q : {9.0f, 49.0f, 99.0f}) {
            // The research code clamps Eq. (1) to [0, qmax + 1]: white SDR at full gain is the peak.
            QCOMPARE(gmDiffusionHdr(1.0f, 1.0f, q), q + 1.0f);
            QCOMPARE(gmDiffusionHdrUnclamped(1.0f, 1.0f, q), (1.0f + eps) * (1.0f + q) - eps);
            QCOMPARE(gmDiffusionHdr(0.0f, 0.0f, q), 0.0f);
            QVERIFY(std::fabs(gmDiffusionHdr(0.5f, 0.0f, q) - std::pow(0.5f, 2.2f)) < 1e-6f);
            for (float s : {0.0f, 0.2f, 0.73f, 1.0f}) {
                for (float g : {0.0f, 0.1f, 0.5f, 1.0f}) {
                    const float hdr = gmDiffusionHdr(s, g, q);
                    if (hdr >= q + 1.0f) {
                        continue; // clamped to the peak: the gain is no longer recoverable
                    }
                    QVERIFY(std::fabs(gmDiffusionGain(hdr, s, q) - g) < 2e-5f);
                }
            }
            // Out-of-range SDR clamps, GM does not (the output clamp bounds it); NaN counts as 0.
            QCOMPARE(gmDiffusionHdr(2.0f, 1.5f, q), gmDiffusionHdr(1.0f, 1.0f, q));
            QCOMPARE(gmDiffusionHdr(std::nanf(""), 0.0f, q), 0.0f);
            QCOMPARE(gmDiffusionGain(1e9f, 0.5f, q), 1.0f);
        }
    }

    void toneMappers()
    {
        QCOMPARE(gmHardClip(3.0f), 1.0f);
        QCOMPARE(gmHardClip(-1.0f), 0.0f);
        QCOMPARE(gmLinearScale(5.0f, 9.0f), 0.5f);
        QCOMPARE(gmMuLog(10.0f, 9.0f), 1.0f);
        QCOMPARE(gmMuLog(0.0f, 9.0f), 0.0f);
        const float expected = std::log1p(500.0f * 1.0f / 10.0f) / std::log1p(500.0f);
        QVERIFY(std::fabs(gmMuLog(1.0f, 9.0f) - expected) < 1e-6f);
        ImageF hdr(2, 1, 3);
        hdr.pixel(0, 0)[0] = 20.0f;
        const ImageF mapped = gmToneMap(hdr, GmToneMapper::LinearScale, {49.0f});
        QCOMPARE(mapped.pixel(0, 0)[0], 0.4f);
    }

    void standardConversionIsExact_data()
    {
        QTest::addColumn<float>("qmax");
        QTest::newRow("qmax 9") << 9.0f;
        QTest::newRow("qmax 49") << 49.0f;
        QTest::newRow("qmax 99") << 99.0f;
    }
    void standardConversionIsExact()
    {
        QFETCH(float, qmax);
        ImageF sdr, gm;
        allLevels(sdr, gm);
        const GmDiffusionParams params{qmax};
        auto reference = gmDiffusionToHdr(sdr, gm, params);
        HDR_VERIFY_OK(reference);
        auto standard = gmDiffusionToStandard(sdr, gm, params);
        HDR_VERIFY_OK(standard);
        const GainMapMetadata& m = standard->metadata;
        QCOMPARE(m.gainMapMin[0], 0.0f);
        QVERIFY(std::fabs(m.gainMapMax[0] - std::log2(1.0f + qmax)) < 1e-6f);
        QCOMPARE(m.offsetSdr[1], 1.0f / 64);
        QCOMPARE(m.hdrCapacityMax, m.gainMapMax[0]);
        const ImageF base = gmDiffusionLinearBase(sdr);

        // Float map: float precision.
        auto decoded = applyGainMap(base, standard->map, m, std::nullopt);
        HDR_VERIFY_OK(decoded);
        double worstFloat = 0;
        for (std::size_t i = 0; i < 256 * 256 * 3; ++i) {
            const double ref = reference->data()[i], got = decoded->data()[i];
            worstFloat = std::max(worstFloat, std::fabs(got - ref) / (ref + 1.0 / 64));
        }
        qInfo("qmax %g: float map, worst relative error %.3g", double(qmax), worstFloat);
        QVERIFY2(worstFloat < 4e-6, qPrintable(QString::number(worstFloat)));

        // 8-bit map: bounded by half a quantisation step of log2(1 + qmax).
        GainMapImage quantized = standard->map;
        quantizeGainMap8(quantized);
        auto decoded8 = applyGainMap(base, quantized, m, std::nullopt);
        HDR_VERIFY_OK(decoded8);
        double worst8 = 0;
        for (std::size_t i = 0; i < 256 * 256 * 3; ++i) {
            const double ref = reference->data()[i], got = decoded8->data()[i];
            worst8 = std::max(worst8, std::fabs(got - ref) / (ref + 1.0 / 64));
        }
        const double bound = std::exp2(std::log2(1.0 + qmax) / 510.0) - 1.0;
        qInfo("qmax %g: 8-bit map, worst relative error %.4f (bound %.4f)", double(qmax), worst8, bound);
        QVERIFY2(worst8 <= bound + 1e-5, qPrintable(QString("%1 > %2").arg(worst8).arg(bound)));
        // ...which is far better than GM-Diffusion's own 8-bit linear map near GM = 0, whose step
        // q/255 relative to 1 is 3.5 % for qmax 9.
        QVERIFY(worst8 < (qmax / 255.0) / 2);

        // Headroom 0 shows the gamma-2.2 SDR.
        auto sdrOnly = applyGainMap(base, quantized, m, 0.0f);
        HDR_VERIFY_OK(sdrOnly);
        QVERIFY(std::fabs(sdrOnly->pixel(128, 7)[1] - base.pixel(128, 7)[1]) < 1e-6f);
    }

    void rejectsBadInput()
    {
        ImageF a(4, 4, 3), b(5, 4, 3);
        QVERIFY(!GmDiffusionParams{0.0f}.validate());
        QVERIFY(!GmDiffusionParams{std::nanf("")}.validate());
        QVERIFY(gmDiffusionToHdr(a, b, {}).error().message.find("size") != std::string::npos);
        QVERIFY(!hdrToGmDiffusion(a, a, {-1.0f}));
        QVERIFY(!gmDiffusionToStandard(ImageF{}, ImageF{}, {}));
    }
};

HDR_TEST_MAIN(TestGmDiffusion)
#include "tst_gmdiffusion.moc"
