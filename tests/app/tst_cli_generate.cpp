// hdrstudio-cli generate on the tiny SD 1.5 oracle model: PNG with the A1111 "parameters" chunk,
// JSON sidecar, --save-latents, --from-image reproduction, one-sentence errors, no overwrites.
#include "CliRunner.h"
#include "support/TestSupport.h"

#include "io/ImageIO.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>

#include <fstream>

namespace {

using Run = hdr::test::CliRun;

// Generation on the tiny model takes seconds; the guard against a hang is longer here.
Run cli(const QStringList& args)
{
    return hdr::test::runCli(args, 120000);
}

QStringList tinyArgs(const QString& outDir)
{
    return {"generate",
            "--model",
            QString::fromStdString(hdr::test::sharedPath("oracle/models/tiny-sd15").string()),
            "--prompt",
            "a red house, (sunset:1.1)",
            "--negative",
            "blurry",
            "--width",
            "64",
            "--height",
            "64",
            "--steps",
            "3",
            "--seed",
            "7",
            "--threads",
            "2",
            "--output",
            outDir};
}

// PNG tEXt/iTXt chunk keywords, read from the raw chunk list.
QStringList pngTextKeys(const std::filesystem::path& path)
{
    const auto bytes = hdr::test::readAll(path);
    QStringList keys;
    std::size_t pos = 8;
    while (pos + 8 <= bytes.size()) {
        const auto u = [&](std::size_t i) { return std::uint32_t(std::uint8_t(bytes[i])); };
        const std::uint32_t length = u(pos) << 24 | u(pos + 1) << 16 | u(pos + 2) << 8 | u(pos + 3);
        const std::string type(bytes.data() + pos + 4, 4);
        if ((type == "tEXt" || type == "iTXt") && pos + 8 + length <= bytes.size()) {
            keys << QString::fromStdString(std::string(bytes.data() + pos + 8)); // NUL-terminated keyword
        }
        pos += 12 + length;
    }
    return keys;
}

} // namespace

class TestCliGenerate : public QObject {
    Q_OBJECT
private slots:
    void writesPngJsonLatentsAndReproduces()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15");
        QTemporaryDir dir;
        const std::filesystem::path out = dir.path().toStdString();
        const auto latents = out / "latents.safetensors";
        Run r = cli(tinyArgs(dir.path()) << "--batch"
                                         << "2"
                                         << "--save-latents" << QString::fromStdString(latents.string()));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto png = out / "00000-7.png";
        QVERIFY(std::filesystem::exists(png));
        QVERIFY(std::filesystem::exists(out / "00000-7.json"));
        QVERIFY(std::filesystem::exists(out / "00001-7.png")); // batch image 2
        QVERIFY(pngTextKeys(png).contains("parameters"));
        auto image = hdr::core::readImage(png);
        HDR_VERIFY_OK(image);
        QCOMPARE(image->width(), 64);
        const std::string params = image->metadata.attributes.at("parameters");
        QVERIFY(params.starts_with(
            "a red house, (sunset:1.1)\nNegative prompt: blurry\nSteps: 3, Sampler: Euler, "));
        QVERIFY(params.find("Seed: 7, Size: 64x64, Model hash: ") != std::string::npos);
        // latents: one tensor "latents" [2, 4, 8, 8] float32 (safetensors header check).
        const auto bytes = hdr::test::readAll(latents);
        const std::string header(bytes.data() + 8, std::min<std::size_t>(bytes.size() - 8, 200));
        QVERIFY2(header.find("\"latents\"") != std::string::npos && header.find("F32") != std::string::npos &&
                     header.find("[2,4,8,8]") != std::string::npos,
                 header.c_str());

        // Reproduce the second image from its PNG: same pixels.
        QTemporaryDir again;
        Run repro = cli({"generate",
                         "--model",
                         QString::fromStdString(hdr::test::sharedPath("oracle/models/tiny-sd15").string()),
                         "--from-image",
                         QString::fromStdString((out / "00001-7.png").string()),
                         "--threads",
                         "2",
                         "--output",
                         again.path()});
        QVERIFY2(repro.code == 0, qPrintable(repro.err));
        auto original = hdr::core::readImage(out / "00001-7.png");
        auto reproduced =
            hdr::core::readImage(std::filesystem::path(again.path().toStdString()) / "00001-7.png");
        HDR_VERIFY_OK(original);
        HDR_VERIFY_OK(reproduced);
        QVERIFY(std::equal(original->data(), original->data() + 64 * 64 * 3, reproduced->data()));

        // A second run into the same folder never overwrites: new numbers.
        Run second = cli(tinyArgs(dir.path()));
        QVERIFY2(second.code == 0, qPrintable(second.err));
        QVERIFY(std::filesystem::exists(out / "00002-7.png"));
        QVERIFY(second.out.contains("00002-7.png"));
        // --save-latents onto an existing file fails rather than replace it.
        Run clash = cli(tinyArgs(dir.path()) << "--save-latents" << QString::fromStdString(latents.string()));
        QCOMPARE(clash.code, 3);
    }

    void badModelPathIsOneSentence()
    {
        QTemporaryDir dir;
        Run r = cli({"generate",
                     "--model",
                     dir.path() + "/missing.safetensors",
                     "--prompt",
                     "x",
                     "--output",
                     dir.path()});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        QVERIFY(r.err.contains("missing.safetensors"));
        Run usage = cli({"generate", "--prompt", "x"});
        QCOMPARE(usage.code, 2);
    }
};

HDR_TEST_MAIN(TestCliGenerate)
#include "tst_cli_generate.moc"
