// Bracket merge to scene-linear HDR: response curves (analytic, Debevec, Robertson), the merge
// against ground truth from synthetic camera brackets, fast path vs scalar reference, MTB
// alignment, deghosting, EXIF exposures on the shared bracket sets, and agreement with OpenCV
// MergeDebevec (tests/bench/peer_merge.py via /usr/bin/python3) at the same sRGB response.
#include "hdr/BracketMerge.h"
#include "hdr/CameraResponse.h"
#include "hdr/DisplaySignal.h"
#include "hdr/ExposureAlignment.h"
#include "image/DemoScene.h"
#include "image/TransferFunction.h"
#include "io/ExifReader.h"
#include "io/ImageIO.h"
#include "stacks/SyntheticBrackets.h"
#include "support/TestSupport.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

std::vector<ImageF> signalsOf(const std::vector<BracketFrame>& frames)
{
    std::vector<ImageF> out;
    for (const auto& f : frames) {
        out.push_back(f.signal);
    }
    return out;
}

std::vector<double> factorsOf(const std::vector<float>& evs)
{
    std::vector<double> out;
    for (float ev : evs) {
        out.push_back(std::exp2(double(ev)));
    }
    return out;
}

double median(std::vector<double> v)
{
    if (v.empty()) {
        return 1e30;
    }
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
    return v[v.size() / 2];
}

// Median relative error of `merged` against `truth` over pixels some frame saw well exposed.
double medianRelativeError(const ImageF& merged, const ImageF& truth, const std::vector<ImageF>& frames)
{
    std::vector<double> errors;
    for (int y = 0; y < truth.height(); ++y) {
        for (int x = 0; x < truth.width(); ++x) {
            bool seen = false;
            for (const auto& f : frames) {
                const float* v = f.pixel(x, y);
                seen |= std::min({v[0], v[1], v[2]}) > 0.1f && std::max({v[0], v[1], v[2]}) < 0.9f;
            }
            for (int c = 0; c < 3 && seen; ++c) {
                const double t = truth.pixel(x, y)[c];
                errors.push_back(std::fabs(merged.pixel(x, y)[c] - t) / t);
            }
        }
    }
    return median(errors);
}

float maxRelativeDiff(const ImageF& a, const ImageF& b)
{
    float m = 0.0f;
    for (std::int64_t i = 0; i < a.pixelCount() * 3; ++i) {
        const float d = std::fabs(a.data()[i] - b.data()[i]) / std::max(1e-4f, std::fabs(b.data()[i]));
        m = std::max(m, d);
    }
    return m;
}

// A test scene with a dense spread of radiances (so every code appears in every exposure):
// a horizontal 16-stop log ramp, modulated vertically, tinted per channel.
ImageF rampScene(int w, int h)
{
    ImageF img(w, h, 3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float stops = 16.0f * float(x) / float(w - 1) - 10.0f + 0.5f * std::sin(float(y) * 0.2f);
            const float l = std::exp2(stops);
            float* p = img.pixel(x, y);
            p[0] = l;
            p[1] = 0.8f * l;
            p[2] = 0.6f * l;
        }
    }
    return img;
}

bool haveOpenCv()
{
    static const bool available = [] {
        QProcess p;
        p.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral("import cv2")});
        return p.waitForFinished(20000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }();
    return available;
}

} // namespace

class TestMerge : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { hdr::test::initTestEnvironment(); }

    void analyticCurvesAndWeights()
    {
        const auto srgb = analyticResponse(ResponseModel::Srgb);
        for (int k : {0, 1, 10, 128, 200, 255}) {
            QVERIFY(std::fabs(srgb.toLinear(1, float(k) / 255.0f) - srgbDecode(float(k) / 255.0f)) < 1e-6f);
        }
        const auto gamma = analyticResponse(ResponseModel::Gamma, 2.2f);
        QVERIFY(std::fabs(gamma.toLinear(0, 0.5f) - std::pow(0.5f, 2.2f)) < 1e-5f);
        QCOMPARE(weightOf(MergeWeighting::Hat, 0.0f), 0.0f);
        QCOMPARE(weightOf(MergeWeighting::Hat, 1.0f), 0.0f);
        QCOMPARE(weightOf(MergeWeighting::Hat, 0.5f), 1.0f);
        QVERIFY(std::fabs(weightOf(MergeWeighting::Gaussian, 0.0f)) < 1e-6f);
        QVERIFY(weightOf(MergeWeighting::Debevec, 0.0f) > 0.0f); // never zero
        const auto table = weightTable(MergeWeighting::Gaussian);
        QCOMPARE(int(table.size()), kResponseTableSize);
        QVERIFY(std::fabs(table[16 * 100] - weightOf(MergeWeighting::Gaussian, 100.0f / 255.0f)) < 1e-6f);
    }

    void leastSquaresSolver()
    {
        // Overdetermined, consistent: x = (1, -2, 3).
        const std::vector<double> a{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 2, -1, 0};
        std::vector<double> b{1, -2, 3, 2, 4};
        auto x = solveLeastSquares(a, b, 5, 3);
        HDR_VERIFY_OK(x);
        QVERIFY(std::fabs((*x)[0] - 1) < 1e-12 && std::fabs((*x)[1] + 2) < 1e-12 &&
                std::fabs((*x)[2] - 3) < 1e-12);
        QVERIFY(!solveLeastSquares({1, 1, 1, 1}, {1, 2}, 2, 2)); // rank-deficient
    }

    void mergeMatchesGroundTruth()
    {
        const ImageF scene = renderDemoScene(192, 108);
        BracketParams bp;
        bp.evs = {-8.0f, -4.0f, 0.0f, 4.0f};
        auto frames = synthesizeBrackets(scene, bp, nullJobContext());
        HDR_VERIFY_OK(frames);
        const auto codes = signalsOf(*frames);
        for (auto weighting : {MergeWeighting::Hat, MergeWeighting::Gaussian, MergeWeighting::Debevec}) {
            MergeParams mp;
            mp.weighting = weighting;
            auto merged = mergeBrackets(codes, factorsOf(bp.evs), mp, nullJobContext());
            HDR_VERIFY_OK(merged);
            const double err = medianRelativeError(*merged, scene, codes);
            qInfo("weights %s: median relative error %.4f", nameOf(weighting), err);
            QVERIFY(err < 0.02);
        }
        // Pixels clipped in every frame (the sun) still get the shortest exposure's lower bound,
        // and black-everywhere pixels stay finite.
        MergeParams mp;
        auto merged = mergeBrackets(codes, factorsOf(bp.evs), mp, nullJobContext());
        HDR_VERIFY_OK(merged);
        float peak = 0.0f;
        for (std::int64_t i = 0; i < merged->pixelCount() * 3; ++i) {
            QVERIFY(std::isfinite(merged->data()[i]) && merged->data()[i] >= 0.0f);
            peak = std::max(peak, merged->data()[i]);
        }
        QVERIFY(peak >= 0.98f * 256.0f); // 1 / 2^-8: clipping level of the shortest exposure
    }

    void fastPathMatchesReference()
    {
        const ImageF scene = renderDemoScene(96, 64);
        BracketParams bp;
        bp.evs = {-6.0f, -3.0f, 0.0f, 3.0f};
        bp.noiseSigma = 0.002f;
        auto frames = synthesizeBrackets(scene, bp, nullJobContext());
        HDR_VERIFY_OK(frames);
        const auto codes = signalsOf(*frames);
        for (bool deghost : {false, true}) {
            for (auto weighting : {MergeWeighting::Hat, MergeWeighting::Gaussian, MergeWeighting::Debevec}) {
                MergeParams mp;
                mp.weighting = weighting;
                mp.deghost = deghost;
                mp.response = analyticResponse(ResponseModel::Gamma, 2.2f);
                auto fast = mergeBrackets(codes, factorsOf(bp.evs), mp, nullJobContext());
                auto ref = mergeBracketsReference(codes, factorsOf(bp.evs), mp);
                HDR_VERIFY_OK(fast);
                HDR_VERIFY_OK(ref);
                const float diff = maxRelativeDiff(*fast, *ref);
                qInfo("%s deghost %d: %g", nameOf(weighting), int(deghost), diff);
                QVERIFY2(diff < 1e-4f, nameOf(weighting));
            }
        }
    }

    void recoveredCurvesAreMonotonicAndClose()
    {
        const ImageF scene = rampScene(320, 64);
        BracketParams bp;
        bp.response = ResponseCurve::Gamma;
        bp.gamma = 2.2f;
        bp.evs = {-4.0f, -2.0f, 0.0f, 2.0f, 4.0f};
        auto frames = synthesizeBrackets(scene, bp, nullJobContext());
        HDR_VERIFY_OK(frames);
        const auto codes = signalsOf(*frames);
        auto debevec = calibrateDebevec(codes, factorsOf(bp.evs), DebevecParams{}, nullJobContext());
        auto robertson = calibrateRobertson(codes, factorsOf(bp.evs), RobertsonParams{}, nullJobContext());
        HDR_VERIFY_OK(debevec);
        HDR_VERIFY_OK(robertson);
        for (const CameraResponse* r : {&*debevec, &*robertson}) {
            for (int c = 0; c < 3; ++c) {
                const auto& t = r->inverse[std::size_t(c)];
                QVERIFY(std::is_sorted(t.begin(), t.end()));
                // Scale-free comparison with v^2.2 over codes 16..240, in stops.
                const float scale = std::pow(128.0f / 255.0f, 2.2f) / r->toLinear(c, 128.0f / 255.0f);
                double worst = 0.0;
                for (int k = 16; k <= 240; ++k) {
                    const float v = float(k) / 255.0f;
                    worst = std::max(
                        worst, double(std::fabs(std::log2(scale * r->toLinear(c, v) / std::pow(v, 2.2f)))));
                }
                qInfo("%s channel %d: worst deviation %.3f stops", nameOf(r->model), c, worst);
                QVERIFY(worst < 0.25);
            }
        }
        // Merging with the recovered curve reproduces the scene up to a global scale.
        MergeParams mp;
        mp.response = *robertson;
        auto merged = mergeBrackets(codes, factorsOf(bp.evs), mp, nullJobContext());
        HDR_VERIFY_OK(merged);
        std::vector<double> logRatio;
        for (std::int64_t i = 0; i < scene.pixelCount() * 3; ++i) {
            if (merged->data()[i] > 0.0f) {
                logRatio.push_back(std::log2(merged->data()[i] / scene.data()[i]));
            }
        }
        const double offset = median(logRatio);
        for (double& l : logRatio) {
            l = std::fabs(l - offset);
        }
        QVERIFY(median(logRatio) < 0.1);
    }

    void mtbRecoversShift()
    {
        // The demo scene with a blotchy texture (hashed value noise on an 8 px grid), as real
        // surfaces have: MTB needs edges near the median in every exposure.
        ImageF scene = renderDemoScene(320, 200);
        auto hash = [](int x, int y) {
            std::uint32_t h = std::uint32_t(x) * 73856093u ^ std::uint32_t(y) * 19349663u;
            h ^= h >> 13;
            h *= 0x5bd1e995u;
            return float((h ^ (h >> 15)) & 1023u) / 1023.0f;
        };
        for (int y = 0; y < scene.height(); ++y) {
            for (int x = 0; x < scene.width(); ++x) {
                const float fx = float(x) / 8.0f, fy = float(y) / 8.0f;
                const int ix = int(fx), iy = int(fy);
                const float tx = fx - float(ix), ty = fy - float(iy);
                const float n = (hash(ix, iy) * (1 - tx) + hash(ix + 1, iy) * tx) * (1 - ty) +
                                (hash(ix, iy + 1) * (1 - tx) + hash(ix + 1, iy + 1) * tx) * ty;
                for (int c = 0; c < 3; ++c) {
                    scene.pixel(x, y)[c] *= std::exp2(2.0f * n - 1.0f);
                }
            }
        }
        BracketParams bp;
        bp.evs = {-2.0f, 0.0f, 2.0f};
        auto frames = synthesizeBrackets(scene, bp, nullJobContext());
        HDR_VERIFY_OK(frames);
        auto codes = signalsOf(*frames);
        codes[0] = translateImage(codes[0], {7, -4});
        codes[2] = translateImage(codes[2], {-3, 5});
        auto shifts = computeMtbShifts(codes, 1, MtbParams{}, nullJobContext());
        HDR_VERIFY_OK(shifts);
        QCOMPARE((*shifts)[0], (PixelShift{-7, 4}));
        QCOMPARE((*shifts)[1], (PixelShift{0, 0}));
        QCOMPARE((*shifts)[2], (PixelShift{3, -5}));
        QVERIFY(!computeMtbShifts(codes, 5, MtbParams{}, nullJobContext()));
    }

    void deghostSuppressesMovingObject()
    {
        const ImageF scene = renderDemoScene(160, 96);
        BracketParams bp;
        bp.evs = {-2.0f, 0.0f, 2.0f};
        auto frames = synthesizeBrackets(scene, bp, nullJobContext());
        HDR_VERIFY_OK(frames);
        auto codes = signalsOf(*frames);
        // An object (mid-grey, radiance 0.5 at EV 0) passes through the frame at EV -2 only.
        for (int y = 40; y < 60; ++y) {
            for (int x = 20; x < 50; ++x) {
                float* p = codes[0].pixel(x, y);
                p[0] = p[1] = p[2] = std::round(srgbEncode(0.5f * 0.25f) * 255.0f) / 255.0f;
            }
        }
        auto objectError = [&](const ImageF& merged) {
            std::vector<double> e;
            for (int y = 40; y < 60; ++y) {
                for (int x = 20; x < 50; ++x) {
                    for (int c = 0; c < 3; ++c) {
                        e.push_back(std::fabs(std::log2(merged.pixel(x, y)[c] / scene.pixel(x, y)[c])));
                    }
                }
            }
            return median(e);
        };
        MergeParams mp;
        auto ghosted = mergeBrackets(codes, factorsOf(bp.evs), mp, nullJobContext());
        mp.deghost = true;
        auto clean = mergeBrackets(codes, factorsOf(bp.evs), mp, nullJobContext());
        HDR_VERIFY_OK(ghosted);
        HDR_VERIFY_OK(clean);
        qInfo("object region error: %.3f stops merged, %.3f stops deghosted",
              objectError(*ghosted),
              objectError(*clean));
        QVERIFY(objectError(*ghosted) > 0.3);
        QVERIFY(objectError(*clean) < 0.05);
        // Elsewhere deghosting changes (almost) nothing.
        QVERIFY(medianRelativeError(*clean, scene, codes) < 0.02);
    }

    void exifParsing()
    {
        // Our own writer's EXIF (little-endian), wrapped in a JPEG APP1 segment.
        const auto payload = makeExifPayload(1.0 / 250.0, 5.6, 400);
        std::vector<std::uint8_t> jpeg{0xFF, 0xD8, 0xFF, 0xE1};
        jpeg.push_back(std::uint8_t((payload.size() + 2) >> 8));
        jpeg.push_back(std::uint8_t((payload.size() + 2) & 0xFF));
        jpeg.insert(jpeg.end(), payload.begin(), payload.end());
        jpeg.insert(jpeg.end(), {0xFF, 0xD9});
        const auto exif = parseExposureExif(jpeg);
        QVERIFY(exif.exposureTime && std::fabs(*exif.exposureTime - 1.0 / 250.0) < 1e-9);
        QVERIFY(exif.fNumber && std::fabs(*exif.fNumber - 5.6) < 1e-6);
        QVERIFY(exif.iso && *exif.iso == 400.0);
        QVERIFY(std::fabs(*relativeExposure(exif) - (1.0 / 250.0) * 400.0 / (5.6 * 5.6)) < 1e-9);
        // Big-endian TIFF with the values in IFD0: ExposureTime 1/8 (RATIONAL), ISO 100 (SHORT).
        const std::vector<std::uint8_t> tiff{
            'M',  'M', 0, 42, 0, 0, 0, 8, 0,   2, 0x82, 0x9A, 0, 5, 0, 0, 0, 1, 0, 0, 0, 38, 0x88,
            0x27, 0,   3, 0,  0, 0, 1, 0, 100, 0, 0,    0,    0, 0, 0, 0, 0, 0, 1, 0, 0, 0,  8};
        const auto be = parseExposureExif(tiff);
        QVERIFY(be.exposureTime && *be.exposureTime == 0.125);
        QVERIFY(be.iso && *be.iso == 100.0);
        QVERIFY(!be.fNumber);
        // Every truncation of the JPEG and of the TIFF parses without reading out of bounds.
        for (std::size_t n = 0; n < jpeg.size(); ++n) {
            (void)parseExposureExif(std::span(jpeg.data(), n));
        }
        for (std::size_t n = 0; n < tiff.size(); ++n) {
            QVERIFY(!parseExposureExif(std::span(tiff.data(), n)).exposureTime || n >= 46);
        }
        QVERIFY(!relativeExposure(ExposureExif{}));
    }

    void sharedBracketsWithExif()
    {
        HDR_REQUIRE_SHARED("data/brackets/piccante_stack_room/stack_room_exp_0.jpg");
        const fs::path dir = hdr::test::sharedPath("data/brackets/piccante_stack_room");
        const double times[] = {2, 0.5, 0.125, 1.0 / 30, 0.008, 0.001, 0.00025};
        std::vector<ImageF> codes;
        std::vector<double> exposure;
        for (int k = 0; k < 7; ++k) {
            const fs::path file = dir / ("stack_room_exp_" + std::to_string(k) + ".jpg");
            auto exif = readExposureExif(file);
            HDR_VERIFY_OK(exif);
            QVERIFY(exif->exposureTime && std::fabs(*exif->exposureTime / times[k] - 1.0) < 0.01);
            QCOMPARE(exif->fNumber.value_or(0), 4.5);
            QCOMPARE(exif->iso.value_or(0), 200.0);
            exposure.push_back(*relativeExposure(*exif) / (0.125 * 200 / (4.5 * 4.5))); // image 2 = 1
            auto image = readImage(file);
            HDR_VERIFY_OK(image);
            codes.push_back(toSrgbSignal(*image));
        }
        auto merged = mergeBrackets(codes, exposure, MergeParams{}, nullJobContext());
        HDR_VERIFY_OK(merged);
        std::vector<double> lum;
        for (std::int64_t i = 0; i < merged->pixelCount(); ++i) {
            const float* p = merged->data() + i * 3;
            QVERIFY(std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]));
            lum.push_back(0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]);
        }
        std::sort(lum.begin(), lum.end());
        const double lo = lum[lum.size() / 1000], hi = lum[lum.size() - 1 - lum.size() / 1000];
        const double range = std::log2(hi / std::max(lo, 1e-9));
        qInfo("stack_room merged: p0.1 %.4g, p99.9 %.4g -> %.1f stops", lo, hi, range);
        QVERIFY(range > 10.0 && range < 24.0); // 13 stops of bracketing plus each frame's own range
    }

    void agreesWithOpenCvMergeDebevec()
    {
        HDR_REQUIRE_SHARED("data/brackets/colour_frobisher_001/IMG_2600.jpg");
        if (!haveOpenCv()) {
            QSKIP("/usr/bin/python3 with cv2 is not available");
        }
        const fs::path dir = hdr::test::sharedPath("data/brackets/colour_frobisher_001");
        const QStringList files{QString::fromStdString((dir / "IMG_2600.jpg").string()),
                                QString::fromStdString((dir / "IMG_2601.jpg").string()),
                                QString::fromStdString((dir / "IMG_2602.jpg").string())};
        const std::vector<double> times{0.125, 1.0, 8.0};
        QTemporaryDir tmp;
        const QString raw = tmp.filePath(QStringLiteral("cv.f32"));
        QProcess p;
        QStringList args{QStringLiteral(HDR_SOURCE_DIR "/tests/bench/peer_merge.py"),
                         QStringLiteral("merge"),
                         QStringLiteral("--times"),
                         QStringLiteral("0.125"),
                         QStringLiteral("1"),
                         QStringLiteral("8"),
                         QStringLiteral("--out"),
                         raw};
        p.start(QStringLiteral("/usr/bin/python3"), args + files);
        QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
        const QStringList dims = QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char(' '));
        ImageF cv(dims.value(0).trimmed().toInt(), dims.value(1).trimmed().toInt(), 3);
        QFile f(raw);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.read(reinterpret_cast<char*>(cv.data()), cv.pixelCount() * 12), cv.pixelCount() * 12);

        std::vector<ImageF> codes;
        for (const auto& file : files) {
            auto image = readImage(file.toStdString());
            HDR_VERIFY_OK(image);
            codes.push_back(toSrgbSignal(*image));
        }
        MergeParams mp;
        mp.weighting = MergeWeighting::Debevec; // OpenCV's triangle
        auto ours = mergeBrackets(codes, times, mp, nullJobContext());
        HDR_VERIFY_OK(ours);
        QCOMPARE(ours->width(), cv.width());
        // Pearson correlation of log radiance over pixels both find positive.
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
        for (std::int64_t i = 0; i < cv.pixelCount() * 3; ++i) {
            const double a = ours->data()[i], b = cv.data()[i];
            if (a > 0 && b > 0 && std::isfinite(b)) {
                const double x = std::log(a), y = std::log(b);
                sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y, n += 1;
            }
        }
        const double r = (n * sxy - sx * sy) / std::sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
        qInfo("log-radiance correlation with OpenCV MergeDebevec: %.5f over %.0f samples", r, n);
        QVERIFY(n > 0.99 * double(cv.pixelCount() * 3));
        QVERIFY(r > 0.99);
    }

    void rejectsBadInput()
    {
        std::vector<ImageF> one{ImageF(8, 8, 3)};
        QVERIFY(!mergeBrackets(one, std::vector<double>{1.0}, MergeParams{}, nullJobContext()));
        std::vector<ImageF> two{ImageF(8, 8, 3), ImageF(9, 8, 3)};
        auto r = mergeBrackets(two, std::vector<double>{1.0, 2.0}, MergeParams{}, nullJobContext());
        QVERIFY(!r && r.error().message.find("same size") != std::string::npos);
        two[1] = ImageF(8, 8, 3);
        QVERIFY(!mergeBrackets(two, std::vector<double>{1.0, -2.0}, MergeParams{}, nullJobContext()));
        QVERIFY(!mergeBrackets(two, std::vector<double>{1.0}, MergeParams{}, nullJobContext()));
        MergeParams bad;
        bad.saturationLevel = 0.2f;
        QVERIFY(!mergeBrackets(two, std::vector<double>{1.0, 2.0}, bad, nullJobContext()));
        SimpleJobContext cancelled;
        cancelled.cancel();
        auto c = mergeBrackets(two, std::vector<double>{1.0, 2.0}, MergeParams{}, cancelled);
        QVERIFY(!c && c.error().code == ErrorCode::Cancelled);
    }
};

HDR_TEST_MAIN(TestMerge)
#include "tst_merge.moc"
