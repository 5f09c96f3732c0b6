// The viewer's fast CPU path (display/LutDisplayTransform, display/DisplayLut) against the exact
// DisplayTransform: shaper, kernel, accuracy in 8-bit code values on synthetic and real HDR data,
// only-visible-pixels, and exposure changes without a LUT rebuild.
#include "color/Ocio.h"
#include "display/DisplayLut.h"
#include "display/LutDisplayTransform.h"
#include "display/ViewportRenderer.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace hdr::core;

namespace {

DisplayLutOptions options(int size, int minStops, int maxStops)
{
    DisplayLutOptions o;
    o.size = size;
    o.minStops = minStops;
    o.maxStops = maxStops;
    return o;
}

struct CodeError {
    int max = 0;        // largest |difference| of one channel, in 8-bit code values
    double mean = 0;    // mean |difference| over all channels
    double overOne = 0; // fraction of channels off by more than one code
};

// Pixels where `counted` is false (inputs the LUT cannot represent: see docs/viewer.md) are left
// out of the statistics.
CodeError compareCodes(const std::vector<std::uint32_t>& a,
                       const std::vector<std::uint32_t>& b,
                       const std::vector<bool>& counted = {})
{
    CodeError e;
    std::size_t over = 0, channels = 0;
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!counted.empty() && !counted[i]) {
            continue;
        }
        for (int shift : {16, 8, 0}) {
            const int d = std::abs(int((a[i] >> shift) & 0xff) - int((b[i] >> shift) & 0xff));
            e.max = std::max(e.max, d);
            sum += d;
            over += d > 1 ? 1 : 0;
            ++channels;
        }
    }
    e.mean = channels ? sum / double(channels) : 0.0;
    e.overOne = channels ? double(over) / double(channels) : 0.0;
    return e;
}

// Scene-linear test colours over the LUT's whole range: log-uniform greys, independent
// log-uniform channels (saturated colours of every hue), and colours near the range ends.
std::vector<float> syntheticPixels(std::size_t count)
{
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> stops(-14.0f, 12.5f);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    std::vector<float> px(count * 3);
    for (std::size_t i = 0; i < count; ++i) {
        float* p = px.data() + i * 3;
        switch (i % 4) {
        case 0: p[0] = p[1] = p[2] = std::exp2(stops(rng)); break;
        case 1:
            for (int c = 0; c < 3; ++c) {
                p[c] = std::exp2(stops(rng));
            }
            break;
        case 2: { // a hue at one brightness, with one channel near zero
            const float l = std::exp2(stops(rng));
            p[0] = l * unit(rng);
            p[1] = l * unit(rng);
            p[2] = l * unit(rng) * 0.01f;
            std::rotate(p, p + i % 3, p + 3);
            break;
        }
        default:
            for (int c = 0; c < 3; ++c) {
                p[c] = unit(rng) * 2.0f; // the SDR range, where most of a picture is
            }
        }
    }
    return px;
}

std::vector<std::uint32_t> exactCodes(const DisplayTransform& t, const std::vector<float>& px, int channels)
{
    const std::size_t n = px.size() / std::size_t(channels);
    std::vector<float> scratch(n * 3);
    std::vector<std::uint32_t> out(n);
    t.toArgb32(px.data(), channels, n, scratch.data(), out.data());
    return out;
}

std::vector<std::uint32_t> lutCodes(const LutDisplayTransform& t, const std::vector<float>& px, int channels)
{
    const std::size_t n = px.size() / std::size_t(channels);
    std::vector<std::uint32_t> out(n);
    t.toArgb32(px.data(), channels, n, out.data());
    return out;
}

struct ViewCase {
    const char* display;
    const char* view;
    ToneMapOperator op;
};

std::vector<ViewCase> allViewCases()
{
    std::vector<ViewCase> cases;
    for (const char* display : {"sRGB", "Display P3", "Rec.2100-PQ"}) {
        for (const char* view : {"Standard", "AgX", "ACES", "Raw"}) {
            cases.push_back({display, view, ToneMapOperator::Clip});
        }
    }
    for (ToneMapOperator op : allToneMapOperators()) {
        if (op != ToneMapOperator::Clip) {
            cases.push_back({"sRGB", "Standard", op});
        }
    }
    return cases;
}

DisplaySettings settingsFor(const ViewCase& c, float exposureEv, float logAverage, float maxLuminance)
{
    DisplaySettings s;
    s.display = c.display;
    s.view = c.view;
    s.exposureEv = exposureEv;
    s.toneMap.op = c.op;
    // As the viewer passes them: the image's statistics after exposure.
    s.toneMap.logAverageLuminance = logAverage * std::exp2(exposureEv);
    s.toneMap.maxLuminance = maxLuminance * std::exp2(exposureEv);
    return s;
}

// Largest 8-bit error of the LUT path against the exact path (measured on this machine, with a
// margin; docs/viewer.md has the tables). Views that treat channels separately (Standard, Raw)
// carry only the shaper's error; views and tone mappers that mix channels (AgX, ACES, Reinhard's
// and Drago's luminance scaling with a per-channel clip) curve across the lattice cells.
struct Allowed {
    int real;      // scene-linear pixels of real photographs, within the LUT's range
    int synthetic; // the synthetic set, which includes colours no camera records (26-stop channel ratios)
};
Allowed allowedMaxError(const ViewCase& c)
{
    const std::string view = c.view;
    if (c.op == ToneMapOperator::Clip && (view == "Standard" || view == "Raw")) {
        // sRGB and PQ are per channel; Display P3 converts primaries, with a gamut clip.
        return {2, std::string(c.display) == "sRGB" ? 2 : 24};
    }
    if (c.op == ToneMapOperator::Clip) {
        return {3, 24};
    }
    return {8, 40};
}

// Whether the LUT path can represent a pixel: finite, not negative (the shaper starts at 0) and
// within 2^12 of white after the LUT's input scale.
bool representable(const float* p, float inputScale)
{
    for (int c = 0; c < 3; ++c) {
        if (!std::isfinite(p[c]) || p[c] < 0.0f || p[c] * inputScale > 4096.0f) {
            return false;
        }
    }
    return true;
}

} // namespace

class TestDisplayLut : public QObject {
    Q_OBJECT
    std::shared_ptr<const OcioConfig> m_ocio;

private slots:
    void initTestCase()
    {
        auto config = OcioConfig::loadDefault();
        HDR_VERIFY_OK(config);
        m_ocio = *config;
    }

    void optionsAreValidated()
    {
        QVERIFY(bool(DisplayLutOptions{}.validate()));
        QVERIFY(bool(options(33, -12, 12).validate()));
        QVERIFY(bool(options(49, -12, 12).validate()));
        QVERIFY(bool(options(64, -12, 12).validate()));
        QVERIFY(!bool(options(65, 12, -12).validate()));
        QVERIFY(!bool(options(1, -12, 12).validate()));
    }

    void shaperIsExactlyInvertibleAtTheNodes()
    {
        auto exact = DisplayTransform::create({}, m_ocio.get(), LinearColorSpace{});
        HDR_VERIFY_OK(exact);
        auto lut = DisplayLut::bake(*exact);
        HDR_VERIFY_OK(lut);
        const DisplayLut& l = **lut;
        QCOMPARE(l.nodeInput(0), 0.0f); // black is a node
        QCOMPARE(l.latticeCoordinate(0.0f), 0.0f);
        for (int i = 0; i < l.size(); ++i) {
            QVERIFY2(std::fabs(l.latticeCoordinate(l.nodeInput(i)) - float(i)) < 1e-4f,
                     qPrintable(QString::number(i)));
        }
        QCOMPARE(l.nodeInput(l.size() - 1), 4096.0f - std::ldexp(1.0f, -12));
        QCOMPARE(l.latticeCoordinate(4096.0f), float(l.size() - 1));
        // Log2 spacing: one stop is (size - 1) / 24 lattice steps, above the bottom stops.
        QVERIFY(std::fabs(l.latticeCoordinate(2.0f) - l.latticeCoordinate(1.0f) - 64.0f / 24.0f) < 1e-3f);
        // Monotonic, also across powers of two.
        float previous = -1.0f;
        for (float x = 0.01f; x < 8.0f; x *= 1.0001f) {
            const float g = l.latticeCoordinate(x);
            QVERIFY(g >= previous);
            previous = g;
        }
        QCOMPARE(l.latticeCoordinate(-1.0f), 0.0f);
        QCOMPARE(l.latticeCoordinate(std::numeric_limits<float>::quiet_NaN()), 0.0f);
        QCOMPARE(l.latticeCoordinate(1e30f), float(l.size() - 1));
        QCOMPARE(l.latticeCoordinate(std::numeric_limits<float>::infinity()), float(l.size() - 1));
    }

    void nodesHoldTheExactTransform()
    {
        DisplaySettings s;
        s.view = "ACES";
        auto exact = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        HDR_VERIFY_OK(exact);
        auto lut = DisplayLut::bake(*exact, options(33, -12, 12));
        HDR_VERIFY_OK(lut);
        for (const auto& [r, g, b] : {std::array{0, 0, 0}, std::array{16, 3, 30}, std::array{32, 32, 32}}) {
            const float in[3] = {(*lut)->nodeInput(r), (*lut)->nodeInput(g), (*lut)->nodeInput(b)};
            float want[3];
            exact->toSignal(in, 3, 1, want);
            const float* node = (*lut)->node(r, g, b);
            float got[3];
            (*lut)->lookupReference(in, got);
            for (int c = 0; c < 3; ++c) {
                QCOMPARE(node[c], want[c]);
                QVERIFY(std::fabs(got[c] - want[c]) < 1e-6f); // interpolation is exact at a node
            }
        }
    }

    void vectorKernelMatchesTheScalarReference()
    {
        DisplaySettings s;
        s.view = "AgX";
        auto exact = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        HDR_VERIFY_OK(exact);
        auto lut = DisplayLut::bake(*exact);
        HDR_VERIFY_OK(lut);
        std::vector<float> px = syntheticPixels(1003); // not a multiple of 8: the tail too
        px[5] = std::numeric_limits<float>::quiet_NaN();
        px[9] = std::numeric_limits<float>::infinity();
        px[13] = -3.0f;
        const std::size_t n = px.size() / 3;
        std::vector<std::int32_t> offsets(n);
        for (std::size_t i = 0; i < n; ++i) {
            offsets[i] = std::int32_t(i * 3);
        }
        // Adjacent runs, scattered and repeated pixels (zoomed views), and RGBA pixels.
        std::vector<std::int32_t> scattered(n);
        for (std::size_t i = 0; i < n; ++i) {
            scattered[i] = std::int32_t((i * 7 / 3) % n) * 3;
        }
        std::vector<float> rgba(n * 4, 1.0f);
        std::vector<std::int32_t> rgbaOffsets(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::copy(px.begin() + std::ptrdiff_t(i * 3),
                      px.begin() + std::ptrdiff_t(i * 3 + 3),
                      rgba.begin() + std::ptrdiff_t(i * 4));
            rgbaOffsets[i] = std::int32_t(i * 4);
        }
        const float scale = 0.7f, offset = 0.001f;
        qInfo("kernel: %s", displayLutKernelName());
        for (const PixelRun& run : {PixelRun{px.data(), offsets.data(), n, px.size(), 3},
                                    PixelRun{px.data(), scattered.data(), n, px.size(), 3},
                                    PixelRun{rgba.data(), rgbaOffsets.data(), n, rgba.size(), 4}}) {
            std::vector<float> fast(n * 3);
            (*lut)->toSignal(run, scale, offset, fast.data());
            std::vector<std::uint32_t> argb(n);
            (*lut)->toArgb32(run, scale, offset, argb.data());
            float worst = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const float* p = run.base + run.offsets[i];
                const float in[3] = {p[0] * scale + offset, p[1] * scale + offset, p[2] * scale + offset};
                float ref[3];
                (*lut)->lookupReference(in, ref);
                for (int c = 0; c < 3; ++c) {
                    QVERIFY(std::isfinite(fast[i * 3 + std::size_t(c)]));
                    worst = std::max(worst, std::fabs(ref[c] - fast[i * 3 + std::size_t(c)]));
                    const int code = int((argb[i] >> (16 - 8 * c)) & 0xff);
                    QVERIFY(std::abs(code - int(std::lround(std::clamp(ref[c], 0.0f, 1.0f) * 255.0f))) <= 1);
                }
                QCOMPARE(argb[i] >> 24, 0xffu);
            }
            QVERIFY2(worst < 2e-5f, qPrintable(QString::number(double(worst))));
        }
    }

    void matchesTheExactPathOnSyntheticColours()
    {
        const std::vector<float> px = syntheticPixels(200000);
        DisplayLutCache cache;
        for (const ViewCase& c : allViewCases()) {
            const DisplaySettings s = settingsFor(c, 0.0f, 0.18f, 4000.0f);
            auto exact = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
            HDR_VERIFY_OK(exact);
            auto fast = LutDisplayTransform::create(s, m_ocio.get(), LinearColorSpace{}, &cache);
            HDR_VERIFY_OK(fast);
            const CodeError e = compareCodes(exactCodes(*exact, px, 3), lutCodes(*fast, px, 3));
            qInfo("synthetic %-12s %-9s %-30s max %d  mean %.4f  >1: %.4f%%",
                  c.display,
                  c.view,
                  displayName(c.op),
                  e.max,
                  e.mean,
                  e.overOne * 100.0);
            QVERIFY2(e.max <= allowedMaxError(c).synthetic,
                     qPrintable(QStringLiteral("%1 / %2 / %3: max error %4 codes")
                                    .arg(QString::fromLatin1(c.display), QString::fromLatin1(c.view))
                                    .arg(QString::fromLatin1(nameOf(c.op)))
                                    .arg(e.max)));
            QVERIFY(e.overOne < 0.05);
        }
    }

    void specialValuesMatchTheExactPath()
    {
        const float inf = std::numeric_limits<float>::infinity(),
                    nan = std::numeric_limits<float>::quiet_NaN();
        const std::vector<float> px = {
            0, 0, 0, nan, nan, nan, inf, inf, inf, 1e-30f, 0, 0, 1e20f, 1e20f, 1e20f};
        for (const ViewCase& c : allViewCases()) {
            const DisplaySettings s = settingsFor(c, 0.0f, 0.18f, 4000.0f);
            auto exact = DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
            auto fast = LutDisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
            HDR_VERIFY_OK(exact);
            HDR_VERIFY_OK(fast);
            const CodeError e = compareCodes(exactCodes(*exact, px, 3), lutCodes(*fast, px, 3));
            QVERIFY2(e.max <= 1,
                     qPrintable(QStringLiteral("%1 / %2 / %3: %4")
                                    .arg(QString::fromLatin1(c.display), QString::fromLatin1(c.view))
                                    .arg(QString::fromLatin1(nameOf(c.op)))
                                    .arg(e.max)));
        }
    }

    void overlaysMatchTheExactPath()
    {
        std::vector<float> px = syntheticPixels(20000);
        px[0] = std::numeric_limits<float>::quiet_NaN();
        for (DisplayOverlay overlay : {DisplayOverlay::Clipping, DisplayOverlay::FalseColor}) {
            for (float headroom : {0.0f, 2.0f}) {
                DisplaySettings s;
                s.overlay = overlay;
                s.exposureEv = -1.5f;
                s.offset = 0.001f;
                s.displayHeadroomStops = headroom;
                auto exact =
                    DisplayTransform::create(s, m_ocio.get(), LinearColorSpace{Primaries::Rec2020, {}});
                auto fast =
                    LutDisplayTransform::create(s, m_ocio.get(), LinearColorSpace{Primaries::Rec2020, {}});
                HDR_VERIFY_OK(exact);
                HDR_VERIFY_OK(fast);
                const auto want = exactCodes(*exact, px, 3), got = lutCodes(*fast, px, 3);
                std::size_t overlayPixels = 0;
                for (std::size_t i = 0; i < want.size(); ++i) {
                    const float* p = px.data() + i * 3;
                    const float m = std::max({p[0], p[1], p[2]}) * std::exp2(s.exposureEv) + s.offset;
                    const bool marked = m >= std::exp2(headroom) || !(m >= kBlackClipLevel);
                    overlayPixels += marked ? 1 : 0;
                    if (overlay == DisplayOverlay::FalseColor || marked) {
                        QCOMPARE(got[i], want[i]); // the overlay colours themselves are exact
                    }
                }
                QVERIFY(overlay == DisplayOverlay::FalseColor || overlayPixels > 1000);
                // Rec.2020 colours of the synthetic set reach far outside Rec.709: the view's gamut
                // clip crosses lattice cells (the synthetic allowance).
                QVERIFY(compareCodes(want, got).max <= 40);
            }
        }
    }

    void matchesTheExactPathOnRealImages_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("mpi_atrium_3") << QStringLiteral("data/rgbe/mpi_atrium_3.hdr");
        QTest::newRow("venice_sunset") << QStringLiteral("data/rgbe/venice_sunset_1k.hdr");
        QTest::newRow("GoldenGate") << QStringLiteral("data/exr/GoldenGate.exr");
        QTest::newRow("BrightRingsNanInf") << QStringLiteral("data/exr/BrightRingsNanInf.exr");
    }
    void matchesTheExactPathOnRealImages()
    {
        QFETCH(QString, file);
        HDR_REQUIRE_SHARED(file.toStdString());
        auto image = readImage(hdr::test::sharedPath(file.toStdString()));
        HDR_VERIFY_OK(image);
        auto shared = std::make_shared<const ImageF>(std::move(*image));
        const MipPyramid pyramid(shared);
        const Viewport vp = Viewport{640, 400, 1.0, shared->width() / 2.0, shared->height() / 2.0};
        const std::vector<ViewCase> cases = {{"sRGB", "Standard", ToneMapOperator::Clip},
                                             {"sRGB", "AgX", ToneMapOperator::Clip},
                                             {"sRGB", "ACES", ToneMapOperator::Clip},
                                             {"Rec.2100-PQ", "Standard", ToneMapOperator::Clip},
                                             {"sRGB", "Standard", ToneMapOperator::AcesFitted},
                                             {"sRGB", "Standard", ToneMapOperator::Reinhard},
                                             {"sRGB", "Standard", ToneMapOperator::Drago}};
        // The viewer's statistics of this image.
        const ToneMapStats stats = computeToneMapStats(*shared);
        const ViewportSampling sampling = viewportSampling(pyramid, vp);
        DisplayLutCache cache;
        const std::size_t n = std::size_t(vp.width) * std::size_t(vp.height);
        std::vector<std::uint32_t> want(n), got(n);
        for (const ViewCase& c : cases) {
            for (float ev : {-3.0f, 0.0f, 2.0f}) {
                const DisplaySettings s = settingsFor(c, ev, stats.logAverageLuminance, stats.maxLuminance);
                auto exact = DisplayTransform::create(s, m_ocio.get(), shared->colorSpace);
                auto fast = LutDisplayTransform::create(s, m_ocio.get(), shared->colorSpace, &cache);
                HDR_VERIFY_OK(exact);
                HDR_VERIFY_OK(fast);
                const std::size_t a = renderViewport(pyramid, *exact, vp, want.data(), std::size_t(vp.width));
                const std::size_t b = renderViewport(pyramid, *fast, vp, got.data(), std::size_t(vp.width));
                QCOMPARE(a, b);
                std::vector<bool> counted(n, false);
                std::size_t outside = 0;
                for (int y = 0; y < vp.height; ++y) {
                    for (int x = 0; x < vp.width; ++x) {
                        const int sx = sampling.columns[std::size_t(x)], sy = sampling.rows[std::size_t(y)];
                        const bool ok =
                            sx >= 0 && sy >= 0 && representable(shared->pixel(sx, sy), fast->inputScale());
                        counted[std::size_t(y) * std::size_t(vp.width) + std::size_t(x)] = ok;
                        outside += (sx >= 0 && sy >= 0 && !ok) ? 1 : 0;
                    }
                }
                const CodeError e = compareCodes(want, got, counted);
                const CodeError all = compareCodes(want, got);
                qInfo("%s %-12s %-9s %-22s %+.0f EV: max %d  mean %.4f  >1: %.4f%%  (%zu pixels outside the "
                      "LUT: "
                      "max %d)",
                      qPrintable(QTest::currentDataTag()),
                      c.display,
                      c.view,
                      displayName(c.op),
                      double(ev),
                      e.max,
                      e.mean,
                      e.overOne * 100.0,
                      outside,
                      all.max);
                QVERIFY2(e.max <= allowedMaxError(c).real, qPrintable(QString::number(e.max)));
                // Off by more than one code: rare for the views, a few % for the luminance-scaling
                // tone mappers, whose per-channel clip is a kink across the lattice cells.
                QVERIFY(e.overOne < (c.op == ToneMapOperator::Clip ? 0.001 : 0.05));
            }
        }
        // Exposure never rebuilt a LUT: one per case.
        QCOMPARE(cache.bakeCount(), int(cases.size()));
    }

    void onlyVisiblePixelsAreTransformed()
    {
        auto image = std::make_shared<const ImageF>(4000, 3000, 3);
        const MipPyramid pyramid(image);
        auto t = LutDisplayTransform::create({}, m_ocio.get(), image->colorSpace);
        HDR_VERIFY_OK(t);
        std::vector<std::uint32_t> out(800 * 700);
        // 1:1 in the middle: exactly the viewport, not the 12 MP image.
        QCOMPARE(renderViewport(pyramid, *t, Viewport{800, 600, 1.0, 2000, 1500}, out.data(), 800),
                 std::size_t(800 * 600));
        // Fit: the letterboxed image area only (800 x 600 shows 4000 x 3000 at zoom 0.2).
        QCOMPARE(renderViewport(pyramid, *t, Viewport::fit(800, 700, 4000, 3000), out.data(), 800),
                 std::size_t(800 * 600));
        // Panned so that the image's right edge is at the viewport's middle: half the columns.
        QCOMPARE(renderViewport(pyramid, *t, Viewport{800, 600, 1.0, 4000, 1500}, out.data(), 800),
                 std::size_t(400 * 600));
        QVERIFY(out[0] != 0xff1e1e1eu);  // left half: the (black) image
        QCOMPARE(out[799], 0xff1e1e1eu); // right half: background
        // Zoomed out 16x: the coarse mip level is sampled, still one transform per screen pixel.
        const ViewportSampling s = viewportSampling(pyramid, Viewport{800, 600, 1.0 / 16.0, 2000, 1500});
        QCOMPARE(s.level, 4);
        QCOMPARE(renderViewport(pyramid, *t, Viewport{800, 600, 1.0 / 16.0, 2000, 1500}, out.data(), 800),
                 std::size_t(250 * 188));
    }

    void exposureChangesReuseTheLut()
    {
        auto image = std::make_shared<const ImageF>(64, 64, 3);
        DisplayLutCache cache(8);
        for (ToneMapOperator op : {ToneMapOperator::Clip,
                                   ToneMapOperator::AcesFitted,
                                   ToneMapOperator::Drago,
                                   ToneMapOperator::Photographic,
                                   ToneMapOperator::LinearScale}) {
            const int before = cache.bakeCount();
            std::shared_ptr<const DisplayLut> first;
            for (float ev = -6.0f; ev <= 6.0f; ev += 0.37f) {
                DisplaySettings s = settingsFor({"sRGB", "ACES", op}, ev, 0.3f, 900.0f);
                s.offset = ev > 0 ? 0.002f : 0.0f;
                s.overlay = ev > 3 ? DisplayOverlay::Clipping : DisplayOverlay::None;
                auto t = LutDisplayTransform::create(s, m_ocio.get(), image->colorSpace, &cache);
                HDR_VERIFY_OK(t);
                if (!first) {
                    first = t->sharedLut();
                }
                QCOMPARE(t->sharedLut().get(), first.get());
            }
            QVERIFY2(cache.bakeCount() == before + 1, nameOf(op));
        }
        // A view change bakes; going back finds the cached one.
        const int bakes = cache.bakeCount();
        DisplaySettings s;
        s.view = "AgX";
        HDR_VERIFY_OK(LutDisplayTransform::create(s, m_ocio.get(), image->colorSpace, &cache));
        QCOMPARE(cache.bakeCount(), bakes + 1);
        s.view = "ACES";
        s.exposureEv = 1.0f;
        HDR_VERIFY_OK(LutDisplayTransform::create(s, m_ocio.get(), image->colorSpace, &cache));
        QCOMPARE(cache.bakeCount(), bakes + 1);
        // Gamma is inside the LUT: it bakes.
        s.gamma = 1.2f;
        HDR_VERIFY_OK(LutDisplayTransform::create(s, m_ocio.get(), image->colorSpace, &cache));
        QCOMPARE(cache.bakeCount(), bakes + 2);
    }

    void errorsNameTheBadView()
    {
        DisplaySettings s;
        s.view = "NoSuchView";
        auto t = LutDisplayTransform::create(s, m_ocio.get(), LinearColorSpace{});
        QVERIFY(!t);
        QVERIFY(t.error().message.find("NoSuchView") != std::string::npos);
    }
};

HDR_TEST_MAIN(TestDisplayLut)
#include "tst_displaylut.moc"
