// PSNR, SSIM and the HDR variants: exact values, error handling, and a float64 numpy reference
// (tests/bench/tonemap_peer.py metrics) on a synthetic pair and on a real photo.
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "metrics/ImageMetrics.h"
#include "support/TestSupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <limits>
#include <random>

using namespace hdr::core;

namespace {

ImageF pattern(int w, int h)
{
    ImageF img(w, h, 3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            float* p = img.pixel(x, y);
            p[0] = 0.5f + 0.4f * std::sin(float(x) * 0.13f) * std::cos(float(y) * 0.07f);
            p[1] = float(x + y) / float(w + h);
            p[2] = ((x / 8 + y / 8) % 2) ? 0.8f : 0.2f;
        }
    }
    return img;
}

ImageF noisy(const ImageF& img, float sigma, unsigned seed)
{
    ImageF out = img;
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, sigma);
    for (std::int64_t i = 0; i < out.pixelCount() * 3; ++i) {
        out.data()[i] = std::clamp(out.data()[i] + n(rng), 0.0f, 1.0f);
    }
    return out;
}

void writeF32(const ImageF& img, const QString& path)
{
    std::vector<char> bytes(std::size_t(img.pixelCount()) * 12);
    for (std::int64_t i = 0; i < img.pixelCount(); ++i) {
        std::memcpy(bytes.data() + i * 12, img.data() + i * img.channels(), 12);
    }
    hdr::test::writeAll(path.toStdString(), bytes);
}

// {"psnr", "ssim_lum"} from the numpy reference, or an empty object without python3/cv2/numpy.
QJsonObject numpyMetrics(const ImageF& a, const ImageF& b, const QTemporaryDir& dir)
{
    const QString pa = dir.filePath(QStringLiteral("a.f32")), pb = dir.filePath(QStringLiteral("b.f32"));
    writeF32(a, pa);
    writeF32(b, pb);
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"),
            {QStringLiteral(HDR_PEER_SCRIPT),
             QStringLiteral("metrics"),
             pa,
             pb,
             QString::number(a.width()),
             QString::number(a.height())});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void identicalImages()
    {
        const ImageF a = pattern(64, 48);
        for (Metric m : allMetrics()) {
            auto v = computeMetric(m, a, a);
            HDR_VERIFY_OK(v);
            if (m == Metric::Ssim || m == Metric::Pu21Ssim) {
                QVERIFY2(std::fabs(*v - 1.0) < 1e-6, nameOf(m));
            } else {
                QVERIFY2(std::isinf(*v) && *v > 0, nameOf(m));
            }
        }
    }

    void knownErrorGivesExpectedPsnr()
    {
        const ImageF a = pattern(40, 30);
        ImageF b = a;
        for (std::int64_t i = 0; i < b.pixelCount() * 3; ++i) {
            b.data()[i] += (i % 2) ? 0.01f : -0.01f; // MSE = 1e-4 exactly -> 40 dB
        }
        auto v = psnr(b, a);
        HDR_VERIFY_OK(v);
        QVERIFY2(std::fabs(*v - 40.0) < 1e-3, qPrintable(QString::number(*v)));
        auto v255 = psnr(b, a, 255.0f);
        QVERIFY(std::fabs(*v255 - (40.0 + 20.0 * std::log10(255.0))) < 1e-3);
        // Gaussian noise σ: PSNR ≈ −20 log10 σ (a little higher: clamping at 0 and 1 trims errors).
        auto n = psnr(noisy(a, 0.05f, 7), a);
        QVERIFY2(*n > 26.0 && *n < 26.7, qPrintable(QString::number(*n)));
        auto s = ssim(noisy(a, 0.05f, 7), a);
        QVERIFY(*s < 0.95 && *s > 0.3);
    }

    void refusesMismatchedOrNonFinite()
    {
        const ImageF a = pattern(20, 20);
        auto wrongSize = psnr(a, pattern(21, 20));
        QVERIFY(!wrongSize);
        QVERIFY(wrongSize.error().message.find("21x20") != std::string::npos);
        ImageF nan = a;
        nan.data()[7] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(!ssim(nan, a));
        QVERIFY(!ssim(pattern(8, 8), pattern(8, 8))); // smaller than the window
        MetricOptions o;
        o.muLaw = 0.0f;
        QVERIFY(!computeMetric(Metric::MuLawPsnr, a, a, o));
    }

    void hdrEncodings()
    {
        QCOMPARE(muLawEncode(0.0f, 5000.0f), 0.0f);
        QVERIFY(std::fabs(muLawEncode(1.0f, 5000.0f) - 1.0f) < 1e-6f);
        // PU21 is monotonic and maps the SDR range 0.1..100 cd/m² to roughly 0..256.
        float previous = -1e9f;
        for (float y = 0.001f; y < 20000.0f; y *= 1.5f) {
            const float v = pu21Encode(y);
            QVERIFY(v >= previous);
            previous = v;
        }
        QVERIFY(std::fabs(pu21Encode(0.1f)) < 20.0f);
        QVERIFY(std::fabs(pu21Encode(100.0f) - 256.0f) < 30.0f);
        QCOMPARE(pu21Encode(1e6f), pu21Encode(10000.0f)); // clamped
        // Scale: doubling both images leaves μ-law and log PSNR unchanged (normalised by the
        // reference peak) but changes PU21 (absolute luminance).
        ImageF a = pattern(32, 32), b = noisy(a, 0.02f, 3);
        ImageF a2 = a, b2 = b;
        for (ImageF* img : {&a2, &b2}) {
            for (std::int64_t i = 0; i < img->pixelCount() * 3; ++i) {
                img->data()[i] *= 8.0f;
            }
        }
        QVERIFY(std::fabs(*computeMetric(Metric::MuLawPsnr, b, a) -
                          *computeMetric(Metric::MuLawPsnr, b2, a2)) < 1e-3);
        QVERIFY(std::fabs(*computeMetric(Metric::LogPsnr, b, a) - *computeMetric(Metric::LogPsnr, b2, a2)) <
                1e-3);
        QVERIFY(std::fabs(*computeMetric(Metric::Pu21Psnr, b, a) - *computeMetric(Metric::Pu21Psnr, b2, a2)) >
                0.1);
    }

    void matchesNumpyOnSyntheticPair()
    {
        const ImageF a = pattern(120, 90), b = noisy(a, 0.03f, 11);
        const QJsonObject ref = numpyMetrics(b, a, m_dir);
        if (ref.isEmpty()) {
            QSKIP("needs /usr/bin/python3 with numpy");
        }
        QVERIFY(std::fabs(*psnr(b, a) - ref.value(QStringLiteral("psnr")).toDouble()) < 1e-3);
        QVERIFY(std::fabs(*ssim(b, a) - ref.value(QStringLiteral("ssim_lum")).toDouble()) < 1e-4);
    }

    // A real photo against its JPEG q=30 re-encode, both as sRGB signal values in [0, 1].
    void matchesNumpyOnRealPhoto()
    {
        HDR_REQUIRE_SHARED("data/pairs/Cannon.jpg");
        ReadOptions ro;
        ro.applyIcc = false;
        auto full = readImage(hdr::test::sharedPath("data/pairs/Cannon.jpg"), ro);
        HDR_VERIFY_OK(full);
        const int w = std::min(full->width(), 256), h = std::min(full->height(), 192);
        ImageF crop(w, h, 3);
        for (int y = 0; y < h; ++y) {
            std::memcpy(crop.row(y), full->row(y), std::size_t(w) * 12);
        }
        const std::string jpg = m_dir.filePath(QStringLiteral("q30.jpg")).toStdString();
        WriteOptions wo;
        wo.jpegQuality = 30;
        wo.embedIcc = false;
        HDR_VERIFY_OK(writeImage(crop, jpg, wo));
        auto degraded = readImage(jpg, ro);
        HDR_VERIFY_OK(degraded);
        auto toSignal = [](ImageF img) {
            for (std::int64_t i = 0; i < img.pixelCount() * 3; ++i) {
                img.data()[i] = srgbEncode(img.data()[i]);
            }
            return img;
        };
        const ImageF a = toSignal(crop), b = toSignal(*degraded);
        const QJsonObject ref = numpyMetrics(b, a, m_dir);
        if (ref.isEmpty()) {
            QSKIP("needs /usr/bin/python3 with numpy");
        }
        const double ours = *ssim(b, a), theirs = ref.value(QStringLiteral("ssim_lum")).toDouble();
        qInfo("Cannon q30: PSNR %.3f dB, SSIM %.5f (numpy %.5f)", *psnr(b, a), ours, theirs);
        QVERIFY(std::fabs(*psnr(b, a) - ref.value(QStringLiteral("psnr")).toDouble()) < 1e-3);
        QVERIFY(std::fabs(ours - theirs) < 1e-4);
        QVERIFY(ours < 0.99 && ours > 0.5);
    }
};

HDR_TEST_MAIN(TestMetrics)
#include "tst_metrics.moc"
