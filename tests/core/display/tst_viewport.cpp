#include "display/ViewportRenderer.h"
#include "support/TestSupport.h"

#include <cmath>
#include <vector>

using namespace hdr::core;

class TestViewport : public QObject {
    Q_OBJECT
    static std::shared_ptr<const ImageF> gradient(int w, int h)
    {
        auto img = std::make_shared<ImageF>(w, h, 3);
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                float* p = img->pixel(x, y);
                p[0] = float(x) / float(w); // red encodes x, green encodes y
                p[1] = float(y) / float(h);
                p[2] = 0.0f;
            }
        }
        return img;
    }

private slots:
    void fitCentresTheImage()
    {
        const Viewport v = Viewport::fit(800, 600, 4000, 2000);
        QCOMPARE(v.zoom, 0.2);
        QCOMPARE(v.imageX(400), 2000.0);
        QCOMPARE(v.viewX(0.0), 0.0);
        QCOMPARE(v.viewY(0.0), 100.0); // letterboxed vertically
    }
    void oneToOneShowsExactPixels()
    {
        auto img = gradient(64, 32);
        MipPyramid pyramid(img);
        DisplaySettings s;
        auto t = DisplayTransform::create(s, nullptr, img->colorSpace); // built-in sRGB
        HDR_VERIFY_OK(t);
        Viewport v{64, 32, 1.0, 32.0, 16.0};
        std::vector<std::uint32_t> out(64 * 32);
        renderViewport(pyramid, *t, v, out.data(), 64);
        for (int y : {0, 7, 31}) {
            for (int x : {0, 13, 63}) {
                const std::uint32_t px = out[std::size_t(y) * 64 + std::size_t(x)];
                const int r = int((px >> 16) & 0xff);
                QCOMPARE(r, int(std::lround(srgbEncode(float(x) / 64.0f) * 255)));
            }
        }
    }
    void zoomedOutUsesAveragedLevelsAndBackground()
    {
        auto img = std::make_shared<ImageF>(256, 256, 3);
        // Checkerboard of 0 and 1: every 2x2 box averages to 0.5.
        for (int y = 0; y < 256; ++y) {
            for (int x = 0; x < 256; ++x) {
                const float v = float((x + y) % 2);
                img->pixel(x, y)[0] = img->pixel(x, y)[1] = img->pixel(x, y)[2] = v;
            }
        }
        MipPyramid pyramid(img);
        QVERIFY(pyramid.levelCount() >= 4);
        QCOMPARE(pyramid.levelForScale(0.25), 2);
        QCOMPARE(pyramid.level(1).pixel(3, 3)[0], 0.5f);
        auto t = DisplayTransform::create({}, nullptr, img->colorSpace);
        Viewport v = Viewport::fit(128, 100, 256, 256); // zoom < 1, letterboxed
        std::vector<std::uint32_t> out(128 * 100);
        renderViewport(pyramid, *t, v, out.data(), 128, 0xff123456u);
        const int mid = int((out[50 * 128 + 64] >> 8) & 0xff);
        QCOMPARE(mid, int(std::lround(srgbEncode(0.5f) * 255)));
        QCOMPARE(out[50 * 128 + 2], 0xff123456u); // outside the image
    }
    void probeReadsLinearValues()
    {
        auto img = gradient(10, 10);
        auto p = probePixel(*img, 3.7, 5.2);
        QVERIFY(p.has_value());
        QCOMPARE(p->x, 3);
        QCOMPARE(p->rgba[0], 0.3f);
        const Vec3 w = luminanceWeights(img->colorSpace);
        QVERIFY(std::fabs(p->luminance - (w.r * 0.3f + w.g * 0.5f)) < 1e-6f);
        QVERIFY(std::fabs(p->luminance - (0.2126f * 0.3f + 0.7152f * 0.5f)) < 1e-4f);
        QVERIFY(!probePixel(*img, -0.1, 2).has_value());
        QVERIFY(!probePixel(*img, 10.0, 2).has_value());
    }
};

HDR_TEST_MAIN(TestViewport)
#include "tst_viewport.moc"
