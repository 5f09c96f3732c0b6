#include "color/Ocio.h"
#include "display/DisplayExport.h"
#include "display/DisplayTransform.h"
#include "support/TestSupport.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace hdr::core;

namespace {
int red(std::uint32_t argb)
{
    return int((argb >> 16) & 0xff);
}
int green(std::uint32_t argb)
{
    return int((argb >> 8) & 0xff);
}

std::uint32_t renderGrey(const DisplayTransform& t, float v)
{
    const float px[3] = {v, v, v};
    float scratch[3];
    std::uint32_t out = 0;
    t.toArgb32(px, 3, 1, scratch, &out);
    return out;
}
} // namespace

class TestDisplayTransform : public QObject {
    Q_OBJECT
    std::shared_ptr<const OcioConfig> m_ocio;

private slots:
    void initTestCase()
    {
        auto config = OcioConfig::loadDefault();
        HDR_VERIFY_OK(config);
        m_ocio = *config;
    }
    void exposureScalesRadianceBeforeEncoding()
    {
        for (const OcioConfig* cfg : {static_cast<const OcioConfig*>(nullptr), m_ocio.get()}) {
            DisplaySettings s;
            s.exposureEv = 1.0f;
            auto t = DisplayTransform::create(s, cfg, LinearColorSpace{});
            HDR_VERIFY_OK(t);
            // 0.09 * 2 = 0.18 -> sRGB 0.4614 -> code 118
            const int expected = int(std::lround(srgbEncode(0.18f) * 255));
            QVERIFY(std::abs(green(renderGrey(*t, 0.09f)) - expected) <= 1);
            QCOMPARE(green(renderGrey(*t, 4.0f)), 255); // clipped by the Standard view
        }
    }
    void standardViewEqualsTheSrgbCurve()
    {
        DisplaySettings s;
        s.display = "sRGB";
        s.view = "Standard";
        auto t = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        HDR_VERIFY_OK(t);
        std::vector<float> in, out(3 * 64);
        for (int i = 0; i < 64; ++i) {
            const float v = std::exp2(-12.0f + 12.0f * float(i) / 63.0f);
            in.insert(in.end(), {v, v, v});
        }
        t->toSignal(in.data(), 3, 64, out.data());
        for (int i = 0; i < 64; ++i) {
            QVERIFY2(std::fabs(out[std::size_t(i) * 3] - srgbEncode(in[std::size_t(i) * 3])) < 1e-3f,
                     qPrintable(QStringLiteral("at %1").arg(in[std::size_t(i) * 3])));
        }
        QCOMPARE(t->outputTransfer().kind, TransferKind::Srgb);
    }
    void pqDisplayIsTaggedForExport()
    {
        DisplaySettings s;
        s.display = "Rec.2100-PQ";
        auto t = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        HDR_VERIFY_OK(t);
        QCOMPARE(t->outputTransfer().kind, TransferKind::PQ);
        QCOMPARE(t->outputPrimaries().primaries, Primaries::Rec2020);
        float px[3] = {1.0f, 1.0f, 1.0f}, sig[3];
        t->toSignal(px, 3, 1, sig);
        QVERIFY(std::fabs(sig[1] - pqEncodeNits(203.0f)) < 2e-3f); // SDR white at 203 nits
    }
    void unknownViewIsAClearError()
    {
        DisplaySettings s;
        s.display = "sRGB";
        s.view = "NoSuchView";
        auto t = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        QVERIFY(!t);
        QVERIFY(t.error().describe().find("NoSuchView") != std::string::npos);
        s.view.clear();
        s.gamma = 0.0f;
        QVERIFY(!DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{}));
    }
    void clippingOverlayMarksHighlightsAndShadows()
    {
        DisplaySettings s;
        s.overlay = DisplayOverlay::Clipping;
        auto t = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        HDR_VERIFY_OK(t);
        QCOMPARE(renderGrey(*t, 2.0f), 0xffff00ffu);
        QCOMPARE(renderGrey(*t, 1e-6f), 0xff0040ffu);
        QCOMPARE(renderGrey(*t, std::numeric_limits<float>::quiet_NaN()), 0xff0040ffu);
        QVERIFY(renderGrey(*t, 0.5f) != 0xffff00ffu);
        // One stop of headroom moves the highlight threshold to 2.0.
        s.displayHeadroomStops = 1.0f;
        auto t2 = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        QVERIFY(renderGrey(*t2, 1.5f) != 0xffff00ffu);
        QCOMPARE(renderGrey(*t2, 2.5f), 0xffff00ffu);
    }
    void falseColourBandsFollowStops()
    {
        QCOMPARE(falseColorBandEv(1.0f), 0);
        QCOMPARE(falseColorBandEv(0.18f), -3);
        QCOMPARE(falseColorBandEv(0.0f), -12);
        QCOMPARE(falseColorBandEv(1e9f), 8);
        QVERIFY(falseColorForLuminance(1.0f) != falseColorForLuminance(0.25f));
        QCOMPARE(falseColorForLuminance(1.0f), falseColorForLuminance(1.9f)); // same one-stop band
    }
    void toneMappedWideGamutInputIsConvertedFirst()
    {
        DisplaySettings s;
        s.toneMap.op = ToneMapOperator::Reinhard;
        auto t = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{Primaries::AcesAP1, {}});
        HDR_VERIFY_OK(t);
        // Grey is grey in every space: Reinhard(1) = 0.5 display-linear.
        const int expected = int(std::lround(srgbEncode(0.5f) * 255));
        QVERIFY(std::abs(red(renderGrey(*t, 1.0f)) - expected) <= 1);
    }
    void renderDisplayImageCoversTheImageAndCancels()
    {
        ImageF img(64, 40, 4);
        for (int y = 0; y < 40; ++y) {
            for (int x = 0; x < 64; ++x) {
                float* p = img.pixel(x, y);
                p[0] = p[1] = p[2] = 0.18f;
                p[3] = 0.5f;
            }
        }
        auto t = DisplayTransform::create({}, m_ocio.get(), img.colorSpace);
        auto d = renderDisplayImage(img, *t);
        HDR_VERIFY_OK(d);
        QCOMPARE(d->width, 64);
        QCOMPARE(d->channels, 4);
        QVERIFY(std::abs(int(d->pixels[1]) - int(std::lround(srgbEncode(0.18f) * 65535))) < 70);
        QCOMPARE(int(d->pixels[3]), 32768);
        SimpleJobContext ctx;
        ctx.cancel();
        auto cancelled = renderDisplayImage(img, *t, ctx);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
    }
};

HDR_TEST_MAIN(TestDisplayTransform)
#include "tst_displaytransform.moc"
