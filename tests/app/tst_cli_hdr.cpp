// Runs the real `hdrstudio-cli hdr` on the tiny oracle SD1.5 model at 64x64: prompts from a file
// (one run per line), every format, the JSON, EVs printed, usage errors, and img2img from an image
// the test writes itself.
#include "CliRunner.h"
#include "image/DemoScene.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

namespace {
using Run = hdr::test::CliRun;

// Generation on the tiny model takes seconds; the guard against a hang is longer here.
Run cli(const QStringList& args)
{
    return hdr::test::runCli(args, 120000);
}

QStringList tinyArgs(const QString& out)
{
    return {QStringLiteral("hdr"),
            QStringLiteral("--model"),
            QString::fromStdString(hdr::test::sharedPath("oracle/models/tiny-sd15").string()),
            QStringLiteral("--width"),
            QStringLiteral("64"),
            QStringLiteral("--height"),
            QStringLiteral("64"),
            QStringLiteral("--steps"),
            QStringLiteral("5"),
            QStringLiteral("--fraction"),
            QStringLiteral("0.4"),
            QStringLiteral("--threads"),
            QStringLiteral("2"),
            QStringLiteral("--output"),
            out};
}
} // namespace

class TestCliHdr : public QObject {
    Q_OBJECT

private slots:
    void usageErrors()
    {
        QCOMPARE(cli({QStringLiteral("hdr"), QStringLiteral("--prompt"), QStringLiteral("x")}).code, 2);
        QTemporaryDir dir;
        QCOMPARE(cli(tinyArgs(dir.path()) + QStringList{"--prompt", "x", "--brackets", "1"}).code, 2);
        QCOMPARE(cli(tinyArgs(dir.path()) + QStringList{"--prompt", "x", "--strategy", "magic"}).code, 2);
        QCOMPARE(cli(tinyArgs(dir.path()) + QStringList{"--prompt", "x", "--format", "gif"}).code, 2);
    }

    void promptFileRunsEachLineAndWritesAllFormats()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        QTemporaryDir dir;
        QFile prompts(dir.filePath("prompts.txt"));
        QVERIFY(prompts.open(QIODevice::WriteOnly));
        prompts.write("a sunset over the sea\n\na lamp in a dark room\n");
        prompts.close();
        const QString out = dir.filePath("out");
        const Run r = cli(tinyArgs(out) + QStringList{"--prompt",
                                                      prompts.fileName(),
                                                      "--format",
                                                      "all",
                                                      "--save",
                                                      "--ldr",
                                                      "--brackets",
                                                      "-1,0,1.5",
                                                      "--strategy",
                                                      "calibrated"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.count(QStringLiteral("brackets:")), 2);
        QVERIFY(r.out.contains(QStringLiteral("+1.50 EV (estimated")));
        const QStringList jsons = QDir(out).entryList({"*.json"});
        QCOMPARE(jsons.size(), 2);
        QCOMPARE(QDir(out).entryList({"*.exr"}).size(), 2);
        QCOMPARE(QDir(out).entryList({"*_bracket*.png"}).size(), 6);
        for (const QString& f : QDir(out).entryList({"*.exr", "*.hdr", "*.dng", "*.tif", "*.png"})) {
            HDR_VERIFY_OK(hdr::core::readImage(QDir(out).filePath(f).toStdString()));
        }
    }

    void img2imgFromAnImage()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        QTemporaryDir dir;
        const QString input = dir.filePath("in.png");
        HDR_VERIFY_OK(hdr::core::writeImage(hdr::core::renderDemoScene(64, 64), input.toStdString()));
        const Run r = cli(
            tinyArgs(dir.filePath("out")) +
            QStringList{"--prompt", "a window", "--image", input, "--strength", "0.6", "--format", "exr"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(QDir(dir.filePath("out")).entryList({"*.exr"}).size(), 1);
    }
};

HDR_TEST_MAIN(TestCliHdr)
#include "tst_cli_hdr.moc"
