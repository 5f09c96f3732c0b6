// Runs the real `hdrstudio-cli gm-generate` and `sdr2hdr` on the tiny oracle models (tiny-sd15 +
// the 8-channel gain-map UNet tiny-gm-sd15) at 64x64: every output, read back by our reader and by
// a third-party one (oiiotool --info), usage errors with exit code 2, and SIGINT mid-run leaving no
// files.
#include "CliRunner.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <csignal>

namespace {
using Run = hdr::test::CliRun;

Run cli(const QStringList& args)
{
    return hdr::test::runCli(args, 120000);
}

QString shared(const char* rel)
{
    return QString::fromStdString(hdr::test::sharedPath(rel).string());
}

QStringList tinyArgs(const QString& command, const QString& out)
{
    return {command,
            QStringLiteral("--model"),
            shared("oracle/models/tiny-sd15"),
            QStringLiteral("--gm-model"),
            shared("oracle/models/tiny-gm-sd15"),
            QStringLiteral("--width"),
            QStringLiteral("64"),
            QStringLiteral("--height"),
            QStringLiteral("64"),
            QStringLiteral("--steps"),
            QStringLiteral("4"),
            QStringLiteral("--threads"),
            QStringLiteral("2"),
            QStringLiteral("--output"),
            out};
}
} // namespace

class TestCliGainMap : public QObject {
    Q_OBJECT

private slots:
    void helpAndUsageErrors()
    {
        const Run help = cli({QStringLiteral("gm-generate"), QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.contains(QStringLiteral("--gm-model")));
        QVERIFY(help.out.contains(QStringLiteral("--qmax Q")));
        QVERIFY(help.out.contains(QStringLiteral("(default 99)")));
        QVERIFY(help.out.contains(QStringLiteral("(default ddpm)")));
        QCOMPARE(cli({QStringLiteral("gm-generate"), QStringLiteral("--prompt"), QStringLiteral("x")}).code,
                 2);
        QTemporaryDir dir;
        QCOMPARE(cli(tinyArgs(QStringLiteral("gm-generate"), dir.path()) +
                     QStringList{"--prompt", "x", "--qmax", "-1"})
                     .code,
                 2);
        QCOMPARE(cli(tinyArgs(QStringLiteral("gm-generate"), dir.path()) +
                     QStringList{"--prompt", "x", "--format", "gif"})
                     .code,
                 2);
        const Run noInput = cli(tinyArgs(QStringLiteral("sdr2hdr"), dir.path()));
        QCOMPARE(noInput.code, 2);
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    void textToHdrEveryOutputReadsBack()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-gm-sd15/unet.safetensors");
        QTemporaryDir dir;
        const Run r = cli(tinyArgs(QStringLiteral("gm-generate"), dir.path()) +
                          QStringList{"--prompt", "a window in a dark room", "--qmax", "49"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("qmax 49")));
        const QStringList files = QDir(dir.path()).entryList(QDir::Files);
        QCOMPARE(files.size(), 6);
        const QString oiiotool = QStandardPaths::findExecutable(QStringLiteral("oiiotool"));
        for (const QString& f : files) {
            const QString path = dir.filePath(f);
            if (!f.endsWith(QStringLiteral(".json"))) {
                HDR_VERIFY_OK(hdr::core::readImage(path.toStdString()));
                if (!oiiotool.isEmpty()) {
                    QProcess info;
                    info.start(oiiotool, {QStringLiteral("--info"), path});
                    QVERIFY(info.waitForFinished(30000));
                    QVERIFY2(info.exitCode() == 0,
                             qPrintable(f + QString::fromUtf8(info.readAllStandardError())));
                    // oiiotool pads the size: "64 x   64".
                    QVERIFY(QString::fromUtf8(info.readAllStandardOutput())
                                .contains(QRegularExpression(QStringLiteral(R"(\b64\s+x\s+64\b)"))));
                }
            }
        }
        QVERIFY2(!oiiotool.isEmpty(), "oiiotool (openimageio-tools) is part of the test setup");
    }

    void sdrToHdr()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-gm-sd15/unet.safetensors");
        QTemporaryDir dir;
        hdr::core::ImageF sdr(64, 48, 3);
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64; ++x)
                for (int c = 0; c < 3; ++c)
                    sdr.pixel(x, y)[c] = float(x + y) / 112.0f;
        const QString input = dir.filePath(QStringLiteral("in.png"));
        HDR_VERIFY_OK(hdr::core::writeImage(sdr, input.toStdString()));
        const QString out = dir.filePath(QStringLiteral("out"));
        const Run r = cli(tinyArgs(QStringLiteral("sdr2hdr"), out)
                          << input << QStringLiteral("--format") << QStringLiteral("exr,jpg"));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList files = QDir(out).entryList(QDir::Files);
        QCOMPARE(files.size(), 3); // exr, jpg, json
        auto exr = hdr::core::readImage(
            QDir(out).filePath(files.filter(QStringLiteral(".exr")).first()).toStdString());
        HDR_VERIFY_OK(exr);
        QCOMPARE(exr->width(), 64);
        QCOMPARE(exr->height(), 48);
    }

    // Ctrl-C (SIGINT) and SIGTERM cancel the job: the command exits with 130 and writes nothing.
    void interruptLeavesNoFiles_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGINT") << int(SIGINT);
        QTest::newRow("SIGTERM") << int(SIGTERM);
    }
    void interruptLeavesNoFiles()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-gm-sd15/unet.safetensors");
        QFETCH(int, signal);
        QTemporaryDir dir;
        QStringList args = tinyArgs(QStringLiteral("gm-generate"), dir.path());
        args << QStringLiteral("--prompt") << QStringLiteral("x") << QStringLiteral("--steps")
             << QStringLiteral("400");
        QProcess p;
        p.start(QStringLiteral(HDR_CLI_PATH), args);
        QVERIFY(p.waitForStarted());
        QTest::qWait(2500);
        QVERIFY(p.state() == QProcess::Running);
        ::kill(pid_t(p.processId()), signal);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(
            QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty(),
            qPrintable(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).join(QStringLiteral(", "))));
    }
};

HDR_TEST_MAIN(TestCliGainMap)
#include "tst_cli_gm.moc"
