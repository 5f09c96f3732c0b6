// Runs the real hdrstudio-cli binary: exit codes, messages and written files.
#include "CliRunner.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>

using namespace hdr::core;
using hdr::test::CliRun;
using hdr::test::runCli;

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_exr;

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private slots:
    void initTestCase()
    {
        // 64x32, radiance doubling every 4 columns from 2^-8 (16 stops across the image).
        ImageF img(64, 32, 3);
        for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 64; ++x) {
                float* p = img.pixel(x, y);
                p[0] = p[1] = p[2] = std::exp2(float(x / 4) - 8.0f);
            }
        }
        img.metadata.attributes["hdrstudio:prompt"] = "a test wedge";
        m_exr = path("wedge.exr");
        WriteOptions o;
        o.sampleType = SampleType::Float;
        HDR_VERIFY_OK(writeImage(img, m_exr.toStdString(), o));
    }
    void helpAndVersion()
    {
        const CliRun help = runCli({QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.contains(QStringLiteral("convert")));
        QVERIFY(help.out.contains(QStringLiteral("exit codes")));
        const CliRun version = runCli({QStringLiteral("--version")});
        QCOMPARE(version.code, 0);
        QVERIFY(version.out.startsWith(QStringLiteral("hdrstudio-cli ")));
        QCOMPARE(runCli({QStringLiteral("convert"), QStringLiteral("--help")}).code, 0);
    }
    void infoReportsDynamicRange()
    {
        const CliRun r = runCli({QStringLiteral("info"), m_exr});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("64 x 32")));
        QVERIFY2(r.out.contains(QStringLiteral("15.0 stops")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("a test wedge")));
        const CliRun json = runCli({QStringLiteral("info"), m_exr, QStringLiteral("--json")});
        QCOMPARE(json.code, 0);
        QVERIFY(json.out.contains(QStringLiteral("\"dynamic_range_stops\": 15.0")));
    }
    void convertAppliesExposureAndView()
    {
        const QString png = path("wedge.png");
        const CliRun r = runCli({QStringLiteral("convert"),
                                 m_exr,
                                 png,
                                 QStringLiteral("--exposure"),
                                 QStringLiteral("2"),
                                 QStringLiteral("--format"),
                                 QStringLiteral("png16")});
        QCOMPARE(r.code, 0);
        auto back = readImage(png.toStdString());
        HDR_VERIFY_OK(back);
        // Column 24 has radiance 2^-2; +2 EV -> 1.0 (white); column 16 -> 0.25.
        QVERIFY(std::fabs(back->pixel(17, 5)[1] - 0.25f) < 0.002f);
        QVERIFY(std::fabs(back->pixel(25, 5)[1] - 1.0f) < 0.002f);
        QCOMPARE(back->metadata.sourcePixelType, std::string("uint16"));
    }
    void convertToLinearFormatsKeepsRadiance_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("hdr") << QStringLiteral("out.hdr");
        QTest::newRow("tiff") << QStringLiteral("out.tif");
        QTest::newRow("exr-half") << QStringLiteral("out-half.exr");
    }
    void convertToLinearFormatsKeepsRadiance()
    {
        QFETCH(QString, name);
        const QString out = m_dir.filePath(name);
        const CliRun r = runCli(
            {QStringLiteral("convert"), m_exr, out, QStringLiteral("--exposure"), QStringLiteral("-1")});
        QCOMPARE(r.code, 0);
        auto back = readImage(out.toStdString());
        HDR_VERIFY_OK(back);
        for (int x : {0, 30, 63}) {
            const float expected = std::exp2(float(x / 4) - 9.0f);
            QVERIFY2(std::fabs(back->pixel(x, 3)[0] - expected) <= 0.01f * expected,
                     qPrintable(QStringLiteral("x=%1 got %2").arg(x).arg(back->pixel(x, 3)[0])));
        }
    }
    void refusesToOverwriteWithExitCode3()
    {
        const QString out = path("exists.exr");
        QCOMPARE(runCli({QStringLiteral("convert"), m_exr, out}).code, 0);
        const auto before = QFileInfo(out).lastModified();
        const CliRun again = runCli({QStringLiteral("convert"), m_exr, out});
        QCOMPARE(again.code, 3);
        QVERIFY(again.err.contains(QStringLiteral("already exists")));
        QCOMPARE(QFileInfo(out).lastModified(), before);
        QCOMPARE(runCli({QStringLiteral("convert"), m_exr, out, QStringLiteral("--overwrite")}).code, 0);
    }
    void badInputAndBadArgumentsAreClear()
    {
        const QString junk = path("junk.hdr");
        std::ofstream(junk.toStdString()) << "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 100000 +X 100000\n";
        const CliRun huge = runCli({QStringLiteral("info"), junk});
        QCOMPARE(huge.code, 1);
        QVERIFY2(huge.err.contains(QStringLiteral("junk.hdr")), qPrintable(huge.err));
        const CliRun missing = runCli({QStringLiteral("info"), path("missing.exr")});
        QCOMPARE(missing.code, 1);
        QVERIFY(missing.err.contains(QStringLiteral("not found")));
        QCOMPARE(runCli({QStringLiteral("convert"), m_exr}).code, 2);
        QCOMPARE(runCli({QStringLiteral("convert"), m_exr, path("x.exr"), QStringLiteral("--bogus")}).code,
                 2);
        QCOMPARE(runCli({QStringLiteral("convert"),
                         m_exr,
                         path("x.exr"),
                         QStringLiteral("--view"),
                         QStringLiteral("AgX")})
                     .code,
                 2);
        QCOMPARE(runCli({QStringLiteral("frobnicate")}).code, 2);
    }
    void demoWritesTheSceneAndSaysWhere()
    {
        const CliRun r = runCli({QStringLiteral("demo"),
                                 QStringLiteral("--output"),
                                 path("demo"),
                                 QStringLiteral("--width"),
                                 QStringLiteral("320"),
                                 QStringLiteral("--height"),
                                 QStringLiteral("180")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("wrote ")));
        const QStringList files = QDir(path("demo")).entryList({QStringLiteral("demo-*.exr")});
        QCOMPARE(files.size(), 1);
        auto scene = readImage(QDir(path("demo")).filePath(files.first()).toStdString());
        HDR_VERIFY_OK(scene);
        QCOMPARE(scene->width(), 320);
    }
};

HDR_TEST_MAIN(TestCli)
#include "tst_cli.moc"
