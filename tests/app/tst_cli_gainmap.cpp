// Runs `hdrstudio-cli gainmap decode|encode|from-qmax` (and `info` on the result): exit codes,
// messages, and that the files it writes hold the expected HDR.
#include "CliRunner.h"
#include "gainmap/GmDiffusion.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace hdr::core;
using hdr::test::CliRun;
using hdr::test::runCli;

namespace {

// Median |log2| ratio of (a + 1/64) / (b + 1/64) over RGB.
double medianStops(const ImageF& a, const ImageF& b)
{
    std::vector<double> e;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            for (int c = 0; c < 3; ++c) {
                e.push_back(
                    std::fabs(std::log2((a.pixel(x, y)[c] + 1.0 / 64) / (b.pixel(x, y)[c] + 1.0 / 64))));
            }
        }
    }
    std::sort(e.begin(), e.end());
    return e[e.size() / 2];
}
} // namespace

class TestCliGainMap : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }
    ImageF m_scene;

private slots:
    void initTestCase()
    {
        m_scene = ImageF(96, 64, 3);
        for (int y = 0; y < 64; ++y) {
            for (int x = 0; x < 96; ++x) {
                float* p = m_scene.pixel(x, y);
                const float v = std::exp2(-5.0f + 9.0f * float(x) / 95.0f);
                p[0] = v * (0.6f + 0.4f * float(y) / 63.0f);
                p[1] = v * 0.8f;
                p[2] = v;
            }
        }
        WriteOptions o;
        o.sampleType = SampleType::Float;
        HDR_VERIFY_OK(writeImage(m_scene, path("scene.exr").toStdString(), o));
    }

    void helpAndUsageErrors()
    {
        QCOMPARE(runCli({"gainmap"}).code, 2);
        QVERIFY(runCli({"gainmap", "--help"}).out.contains("from-qmax"));
        const CliRun help = runCli({"gainmap", "encode", "--help"});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.contains("--map-scale"));
        QCOMPARE(runCli({"gainmap", "frobnicate"}).code, 2);
        const CliRun noOutput = runCli({"gainmap", "decode", "x.jpg"});
        QCOMPARE(noOutput.code, 2);
        QVERIFY(noOutput.err.contains("--output"));
        QCOMPARE(
            runCli({"gainmap", "encode", path("scene.exr"), "--output", path("bad.jpg"), "--channels", "2"})
                .code,
            2);
        QCOMPARE(runCli({"gainmap", "from-qmax", "a.png", "b.png", "--output", path("q.exr")}).code,
                 2); // no --qmax
        const CliRun missing = runCli({"gainmap", "decode", path("nope.jpg"), "--output", path("nope.exr")});
        QCOMPARE(missing.code, 1);
        QVERIFY(missing.err.contains("nope.jpg"));
    }

    void encodeThenDecode()
    {
        const QString jpg = path("scene.jpg");
        const CliRun enc = runCli({"gainmap",
                                   "encode",
                                   path("scene.exr"),
                                   "--output",
                                   jpg,
                                   "--quality",
                                   "95",
                                   "--map-quality",
                                   "95"});
        QVERIFY2(enc.code == 0, qPrintable(enc.err));
        QVERIFY(enc.out.contains("Ultra HDR"));
        QCOMPARE(runCli({"gainmap", "encode", path("scene.exr"), "--output", jpg}).code, 3); // exists

        const CliRun info = runCli({"info", jpg});
        QCOMPARE(info.code, 0);
        QVERIFY(info.out.contains("JPEG (gain map)"));
        QVERIFY(info.out.contains("gainmap.source"));

        auto back = readImage(jpg.toStdString());
        HDR_VERIFY_OK(back);
        const double err = medianStops(*back, m_scene);
        QVERIFY2(err < 0.03, qPrintable(QString::number(err)));

        const CliRun dec = runCli({"gainmap", "decode", jpg, "--output", path("full.exr"), "--float"});
        QVERIFY2(dec.code == 0, qPrintable(dec.err));
        QVERIFY(dec.out.contains("ISO 21496-1"));
        auto full = readImage(path("full.exr").toStdString());
        HDR_VERIFY_OK(full);
        QVERIFY(medianStops(*full, *back) < 1e-6);

        // Headroom 0: the SDR base.
        QCOMPARE(runCli({"gainmap", "decode", jpg, "--output", path("sdr.exr"), "--float", "--headroom", "0"})
                     .code,
                 0);
        auto sdr = readImage(path("sdr.exr").toStdString());
        ReadOptions baseOnly;
        baseOnly.gainMapBaseOnly = true;
        auto base = readImage(jpg.toStdString(), baseOnly);
        HDR_VERIFY_OK(sdr);
        HDR_VERIFY_OK(base);
        QVERIFY(medianStops(*sdr, *base) < 1e-5);
    }

    void fromQmax()
    {
        // 8-bit SDR and GM levels written as sRGB PNGs (linear = sRGB-decoded levels round-trips).
        ImageF sdrLinear(64, 48, 3), gmLinear(64, 48, 3), sdrEncoded(64, 48, 3), gmEncoded(64, 48, 3);
        for (int y = 0; y < 48; ++y) {
            for (int x = 0; x < 64; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const float s = float((x * 4 + c * 20) % 256) / 255.0f,
                                g = float((y * 5 + c * 7) % 256) / 255.0f;
                    sdrEncoded.pixel(x, y)[c] = s;
                    gmEncoded.pixel(x, y)[c] = g;
                    sdrLinear.pixel(x, y)[c] = srgbDecode(s);
                    gmLinear.pixel(x, y)[c] = srgbDecode(g);
                }
            }
        }
        HDR_VERIFY_OK(writeImage(sdrLinear, path("sdr.png").toStdString()));
        HDR_VERIFY_OK(writeImage(gmLinear, path("gm.png").toStdString()));
        auto expected = gmDiffusionToHdr(sdrEncoded, gmEncoded, {49.0f});
        HDR_VERIFY_OK(expected);

        const CliRun exr = runCli({"gainmap",
                                   "from-qmax",
                                   path("sdr.png"),
                                   path("gm.png"),
                                   "--qmax",
                                   "49",
                                   "--output",
                                   path("q.exr")});
        QVERIFY2(exr.code == 0, qPrintable(exr.err));
        auto hdr = readImage(path("q.exr").toStdString());
        HDR_VERIFY_OK(hdr);
        QVERIFY(medianStops(*hdr, *expected) < 1e-3); // EXR half

        const CliRun jpg = runCli({"gainmap",
                                   "from-qmax",
                                   path("sdr.png"),
                                   path("gm.png"),
                                   "--qmax",
                                   "49",
                                   "--output",
                                   path("q.jpg"),
                                   "--quality",
                                   "98"});
        QVERIFY2(jpg.code == 0, qPrintable(jpg.err));
        QVERIFY(jpg.out.contains("GainMapMax 5.644"));
        auto ultra = readImage(path("q.jpg").toStdString());
        HDR_VERIFY_OK(ultra);
        const double err = medianStops(*ultra, *expected);
        QVERIFY2(err < 0.05, qPrintable(QString::number(err))); // JPEG compression of base and map

        QCOMPARE(runCli({"gainmap",
                         "from-qmax",
                         path("sdr.png"),
                         path("gm.png"),
                         "--qmax",
                         "0",
                         "--output",
                         path("z.jpg")})
                     .code,
                 2);
        HDR_VERIFY_OK(writeImage(ImageF(10, 10, 3), path("small.png").toStdString()));
        const CliRun mismatch = runCli({"gainmap",
                                        "from-qmax",
                                        path("sdr.png"),
                                        path("small.png"),
                                        "--qmax",
                                        "9",
                                        "--output",
                                        path("m.jpg")});
        QCOMPARE(mismatch.code, 2); // InvalidArgument: wrong inputs
        QVERIFY(mismatch.err.contains("size"));
    }
};

HDR_TEST_MAIN(TestCliGainMap)
#include "tst_cli_gainmap.moc"
