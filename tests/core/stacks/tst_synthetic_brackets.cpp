// Synthetic brackets: exposure scaling, clipping, response, seeded noise, JPEG + EXIF, sidecar.
#include "io/ImageIO.h"
#include "stacks/SyntheticBrackets.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>

using namespace hdr::core;

namespace {
ImageF ramp()
{
    ImageF img(64, 16, 3);
    for (int y = 0; y < 16; ++y) {
        for (int x = 0; x < 64; ++x) {
            float* p = img.pixel(x, y);
            p[0] = p[1] = p[2] = std::exp2(float(x) / 4.0f - 10.0f); // 2^-10 .. 2^5.75
        }
    }
    return img;
}
} // namespace

class TestSyntheticBrackets : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void exposureClipAndResponse()
    {
        BracketParams p;
        p.evs = {-2.0f, 0.0f, 2.0f};
        auto frames = synthesizeBrackets(ramp(), p, nullJobContext());
        HDR_VERIFY_OK(frames);
        QCOMPARE(frames->size(), std::size_t(3));
        // Pixel x = 40: scene 2^0 = 1.0 -> EV -2 gives 0.25 -> sRGB code round(255·0.537).
        const float expect = std::round(srgbEncodeForTest(0.25f) * 255.0f) / 255.0f;
        QCOMPARE((*frames)[0].signal.pixel(40, 3)[1], expect);
        QCOMPARE((*frames)[1].signal.pixel(40, 3)[1], 1.0f); // 1.0 clips to white
        QCOMPARE((*frames)[2].signal.pixel(63, 3)[0], 1.0f);
        QVERIFY(std::fabs((*frames)[2].exposureTime / (*frames)[0].exposureTime - 16.0) < 1e-9);
        p.response = ResponseCurve::Gamma;
        QVERIFY(std::fabs(applyResponse(p, 0.25f) - std::pow(0.25f, 1.0f / 2.2f)) < 1e-6f);
        p.response = ResponseCurve::Film;
        QVERIFY(applyResponse(p, 0.9f) > applyResponse(p, 0.5f));
        p.evs.clear();
        QVERIFY(!p.validate());
    }
    static float srgbEncodeForTest(float x)
    {
        return x <= 0.0031308f ? 12.92f * x : 1.055f * std::pow(x, 1.0f / 2.4f) - 0.055f;
    }

    void noiseIsSeeded()
    {
        BracketParams p;
        p.evs = {0.0f};
        p.noiseSigma = 0.01f;
        p.photonsAtWhite = 1000.0f;
        p.seed = 5;
        auto a = synthesizeBrackets(ramp(), p, nullJobContext());
        auto b = synthesizeBrackets(ramp(), p, nullJobContext());
        p.seed = 6;
        auto c = synthesizeBrackets(ramp(), p, nullJobContext());
        const auto& sa = (*a)[0].signal;
        QVERIFY(std::equal(sa.data(), sa.data() + 64 * 16 * 3, (*b)[0].signal.data()));
        QVERIFY(!std::equal(sa.data(), sa.data() + 64 * 16 * 3, (*c)[0].signal.data()));
    }

    void jpegWithExifAndSidecar()
    {
        BracketParams p;
        p.evs = {-1.0f, 0.0f, 1.0f};
        p.jpegQuality = 90;
        p.corruption = MetadataCorruption::Swapped;
        auto frames = synthesizeBrackets(ramp(), p, nullJobContext());
        HDR_VERIFY_OK(frames);
        const std::filesystem::path dir = m_dir.filePath(QStringLiteral("stack")).toStdString();
        auto paths = writeBrackets(*frames, p, dir, false);
        HDR_VERIFY_OK(paths);
        QCOMPARE(paths->size(), std::size_t(3));
        // The file decodes to the in-memory signal (the JPEG round trip already happened).
        ReadOptions ro;
        ro.applyIcc = false;
        auto back = readImage((*paths)[1], ro);
        HDR_VERIFY_OK(back);
        QCOMPARE(back->width(), 64);
        // EXIF: swapped -> frame 0 carries the exposure time of frame 2.
        const double t0 = (*frames)[0].writtenExposureTime;
        QVERIFY(std::fabs(t0 - (*frames)[2].exposureTime) < 1e-12);
        QProcess exif;
        exif.start(QStringLiteral("exiftool"),
                   {QStringLiteral("-n"),
                    QStringLiteral("-s3"),
                    QStringLiteral("-ExposureTime"),
                    QStringLiteral("-FNumber"),
                    QStringLiteral("-ISO"),
                    QString::fromStdString((*paths)[0].string())});
        if (exif.waitForStarted(5000) && exif.waitForFinished(30000)) {
            const QStringList lines =
                QString::fromUtf8(exif.readAllStandardOutput()).split(QLatin1Char('\n'));
            QVERIFY2(lines.size() >= 3, qPrintable(lines.join(QLatin1Char('|'))));
            QVERIFY(std::fabs(lines[0].toDouble() - t0) < 1e-5);
            QCOMPARE(lines[1].toDouble(), 8.0);
            QCOMPARE(lines[2].toInt(), 100);
        }
        const auto json = hdr::test::readAll(dir / "brackets.json");
        const std::string text(json.begin(), json.end());
        QVERIFY(text.find("\"corrupt_metadata\": \"swapped\"") != std::string::npos);
        QVERIFY(!writeBrackets(*frames, p, dir, false)); // refuses to overwrite
    }
};

HDR_TEST_MAIN(TestSyntheticBrackets)
#include "tst_synthetic_brackets.moc"
