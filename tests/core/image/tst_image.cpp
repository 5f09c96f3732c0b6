#include "image/DemoScene.h"
#include "image/DisplayImage.h"
#include "image/Image.h"
#include "image/ImageStats.h"
#include "support/TestSupport.h"

#include <cmath>
#include <limits>

using namespace hdr::core;

class TestImage : public QObject {
    Q_OBJECT
private slots:
    void absurdSizesAreRefusedBeforeAllocating()
    {
        auto huge = ImageF::allocate(100000, 100000, 4, ImageLimits{});
        QVERIFY(!huge);
        QCOMPARE(huge.error().code, ErrorCode::LimitExceeded);
        QVERIFY(huge.error().message.find("100000 x 100000") != std::string::npos);
        auto negative = ImageF::allocate(-5, 10, 3, ImageLimits{});
        QVERIFY(!negative);
        QCOMPARE(negative.error().code, ErrorCode::CorruptData);
        QVERIFY_THROWS_EXCEPTION(HdrError, ImageF(10, 10, 2));
    }
    void display8RoundTripWithinOneCode()
    {
        ImageF img(256, 1, 3);
        for (int x = 0; x < 256; ++x) {
            const float v = srgbDecode(float(x) / 255.0f);
            img.pixel(x, 0)[0] = img.pixel(x, 0)[1] = img.pixel(x, 0)[2] = v;
        }
        const DisplayImage8 d = encodeDisplay8(img, Transfer::srgb(), LinearColorSpace{});
        for (int x = 0; x < 256; ++x) {
            QCOMPARE(int(d.row(0)[x * 3]), x); // exact codes for exactly-encodable values
        }
        const ImageF back = decodeDisplay(d);
        for (int x = 0; x < 256; ++x) {
            QVERIFY(std::fabs(back.pixel(x, 0)[1] - img.pixel(x, 0)[1]) < 1e-6f);
        }
    }
    void display16ConvertsPrimariesAndKeepsAlpha()
    {
        ImageF img(1, 1, 4, LinearColorSpace{Primaries::Rec709, {}});
        img.pixel(0, 0)[0] = 1.0f;
        img.pixel(0, 0)[3] = 0.25f;
        const DisplayImage16 d =
            encodeDisplay16(img, Transfer::linear(), LinearColorSpace{Primaries::Rec2020, {}});
        // Pure Rec.709 red in Rec.2020: (0.6274, 0.0691, 0.0164).
        QVERIFY(std::abs(int(d.pixels[0]) - int(std::lround(0.6274 * 65535))) < 20);
        QVERIFY(std::abs(int(d.pixels[1]) - int(std::lround(0.0691 * 65535))) < 20);
        QCOMPARE(int(d.pixels[3]), int(std::lround(0.25 * 65535)));
    }
    void statsOnAKnownImage()
    {
        ImageF img(4, 1, 3);
        const float values[4] = {0.25f, 1.0f, 4.0f, 16.0f};
        for (int x = 0; x < 4; ++x) {
            for (int c = 0; c < 3; ++c) {
                img.pixel(x, 0)[c] = values[x];
            }
        }
        const LuminanceStats s = computeLuminanceStats(img);
        QVERIFY(std::fabs(s.maxLuminance - 16.0) < 1e-4);
        QVERIFY(std::fabs(s.minPositiveLuminance - 0.25) < 1e-5);
        QVERIFY(std::fabs(s.dynamicRangeStops - 6.0) < 1e-4);
        QVERIFY(std::fabs(s.meanLuminance - 21.25 / 4) < 1e-4);
    }
    void statsCountNonFinitePixels()
    {
        ImageF img(3, 1, 3);
        img.pixel(0, 0)[0] = std::numeric_limits<float>::quiet_NaN();
        img.pixel(1, 0)[2] = std::numeric_limits<float>::infinity();
        img.pixel(2, 0)[0] = img.pixel(2, 0)[1] = img.pixel(2, 0)[2] = 2.0f;
        const LuminanceStats s = computeLuminanceStats(img);
        QCOMPARE(s.nanCount, std::int64_t(1));
        QCOMPARE(s.infCount, std::int64_t(1));
        QVERIFY(std::fabs(s.maxLuminance - 2.0) < 1e-5);
    }
    void histogramCountsClipping()
    {
        ImageF img(100, 1, 3);
        for (int x = 0; x < 100; ++x) {
            const float v = x < 10 ? 8.0f : 0.1f; // 10 px three stops over white
            img.pixel(x, 0)[0] = img.pixel(x, 0)[1] = img.pixel(x, 0)[2] = v;
        }
        const LogHistogram h = computeLogHistogram(img);
        QCOMPARE(h.total, std::int64_t(100));
        QCOMPARE(h.countClippedHigh(0.0f), std::int64_t(10));
        QCOMPARE(h.countClippedHigh(-4.0f), std::int64_t(0));  // four stops down: nothing clips
        QCOMPARE(h.countClippedHigh(4.0f), std::int64_t(100)); // four stops up: 0.1 * 16 > 1
        QCOMPARE(h.countClippedLow(0.0f, 1.0f / 4096), std::int64_t(0));
        QCOMPARE(h.countClippedLow(-10.0f, 1.0f / 4096), std::int64_t(90));
    }
    void demoSceneHasKnownRadiance()
    {
        const ImageF img = renderDemoScene(640, 360);
        const DemoSceneLayout l = demoSceneLayout(640, 360);
        QCOMPARE(img.pixel(l.sunX, l.sunY)[0], kDemoSunRadiance);
        QCOMPARE(img.pixel(l.shadowX, l.shadowY)[1], kDemoShadowRadiance);
        // Step wedge: patch k has radiance 2^(k-8).
        for (int k = 0; k < 17; ++k) {
            const float v =
                img.pixel(l.wedgeX + k * l.wedgePatch + l.wedgePatch / 2, l.wedgeY + l.wedgePatch / 2)[0];
            QCOMPARE(v, std::exp2(float(k - 8)));
        }
        // Chart patch 19 (white) is lit at 1.0.
        const float white =
            img.pixel(l.chartX + l.patchSize / 2, l.chartY + 3 * (l.patchSize + l.patchGap) + 2)[1];
        QCOMPARE(white, demoChartReflectance(18).g);
        const LuminanceStats s = computeLuminanceStats(img);
        QVERIFY2(std::log2(s.maxLuminance / kDemoShadowRadiance) >= 15.0,
                 "sun must be 15+ stops above the shadows");
    }
};

HDR_TEST_MAIN(TestImage)
#include "tst_image.moc"
