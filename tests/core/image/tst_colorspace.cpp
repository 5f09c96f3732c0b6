#include "image/ColorSpace.h"
#include "support/TestSupport.h"

#include <cmath>

using namespace hdr::core;

namespace {
bool near(const Mat3& a, const Mat3& b, float tol)
{
    for (int i = 0; i < 9; ++i) {
        if (std::fabs(a[i] - b[i]) > tol) {
            return false;
        }
    }
    return true;
}
} // namespace

class TestColorSpace : public QObject {
    Q_OBJECT
private slots:
    void rec709ToXyzMatchesTheStandard()
    {
        const Mat3 m = rgbToXyz(chromaticitiesOf(Primaries::Rec709));
        QVERIFY(near(
            m, {0.4124f, 0.3576f, 0.1805f, 0.2126f, 0.7152f, 0.0722f, 0.0193f, 0.1192f, 0.9505f}, 2e-4f));
        const Vec3 w = luminanceWeights(LinearColorSpace{});
        QVERIFY(std::fabs(w.r - 0.2126f) < 1e-4f && std::fabs(w.g - 0.7152f) < 1e-4f);
    }
    void rec709ToRec2020MatchesBt2087()
    {
        const Mat3 m = conversionMatrix({Primaries::Rec709, {}}, {Primaries::Rec2020, {}});
        QVERIFY(near(
            m, {0.6274f, 0.3293f, 0.0433f, 0.0691f, 0.9195f, 0.0114f, 0.0164f, 0.0880f, 0.8956f}, 2e-4f));
    }
    void acescgUsesBradfordAdaptation()
    {
        const Mat3 m = conversionMatrix({Primaries::Rec709, {}}, {Primaries::AcesAP1, {}});
        QVERIFY(near(
            m, {0.6131f, 0.3395f, 0.0474f, 0.0702f, 0.9164f, 0.0134f, 0.0206f, 0.1096f, 0.8698f}, 2e-3f));
        // White stays white under chromatic adaptation.
        const Vec3 w = apply(m, {1, 1, 1});
        QVERIFY(std::fabs(w.r - 1) < 1e-3f && std::fabs(w.g - 1) < 1e-3f && std::fabs(w.b - 1) < 1e-3f);
    }
    void conversionsRoundTrip()
    {
        for (Primaries a : {Primaries::Rec709,
                            Primaries::Rec2020,
                            Primaries::DisplayP3,
                            Primaries::AcesAP0,
                            Primaries::AcesAP1,
                            Primaries::XYZ}) {
            for (Primaries b : {Primaries::Rec709, Primaries::Rec2020, Primaries::AcesAP1}) {
                const Mat3 there = conversionMatrix({a, {}}, {b, {}});
                const Mat3 back = conversionMatrix({b, {}}, {a, {}});
                QVERIFY(near(multiply(back, there), identity3(), 1e-4f));
            }
        }
    }
    void chromaticitiesAreRecognised()
    {
        const auto cs = LinearColorSpace::fromChromaticities(chromaticitiesOf(Primaries::Rec2020));
        QCOMPARE(cs.primaries, Primaries::Rec2020);
        Chromaticities odd = chromaticitiesOf(Primaries::Rec709);
        odd.redX = 0.66f;
        const auto custom = LinearColorSpace::fromChromaticities(odd);
        QCOMPARE(custom.primaries, Primaries::Custom);
        QCOMPARE(custom.name(), std::string("lin_custom"));
        QVERIFY(custom.chromaticities() == odd);
    }
    void xyzIsAbsoluteWithoutAdaptation()
    {
        const Mat3 toXyz = conversionMatrix({Primaries::Rec709, {}}, {Primaries::XYZ, {}});
        const Vec3 w = apply(toXyz, {1, 1, 1});
        QVERIFY(std::fabs(w.r - 0.9505f) < 1e-3f && std::fabs(w.g - 1.0f) < 1e-4f &&
                std::fabs(w.b - 1.089f) < 1e-3f);
        QVERIFY(near(rgbToXyz(chromaticitiesOf(Primaries::XYZ)), identity3(), 0.0f));
    }
    void namesParse()
    {
        QCOMPARE(primariesFromString("acescg").value(), Primaries::AcesAP1);
        QCOMPARE(primariesFromString("rec2020").value(), Primaries::Rec2020);
        QVERIFY(!primariesFromString("bogus").has_value());
    }
};

HDR_TEST_MAIN(TestColorSpace)
#include "tst_colorspace.moc"
