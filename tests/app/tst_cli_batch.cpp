// Runs the real `hdrstudio-cli batch` on the tiny oracle models at 64x64: --stage1 --once with a
// prompt pool and a small LoRA pool (kohya LoRAs written here for tiny-sd15's UNet), then
// --upscale --once with tiny-rrdbnet-x2 and tiled refinement; checks the tree, the names and the
// metadata JSON, that a second --upscale does nothing and says so, usage errors (exit 2) naming
// the config key and line, and that Ctrl-C (exit 130) leaves only whole images.
#include "CliRunner.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstring>
#include <fstream>
#include <set>

namespace {
using Run = hdr::test::CliRun;
namespace fs = std::filesystem;
using nlohmann::json;

Run cli(const QStringList& args)
{
    return hdr::test::runCli(args, 120000);
}

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

json readJson(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return json::parse(in);
}

// A kohya LoRA (rank 2, alpha 2) on one cross-attention projection of tiny-sd15's UNet, written in
// the safetensors layout by hand (8-byte header length, JSON header, little-endian float32 data).
void writeTinyLora(const fs::path& path, float scale)
{
    const std::string base = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";
    std::vector<float> down(2 * 32), up(32 * 2);
    for (std::size_t i = 0; i < down.size(); ++i)
        down[i] = scale * float(int(i % 7) - 3) / 10.0f;
    for (std::size_t i = 0; i < up.size(); ++i)
        up[i] = scale * float(int(i % 5) - 2) / 10.0f;
    const std::vector<float> alpha{2.0f};
    const std::size_t downBytes = down.size() * 4, upBytes = up.size() * 4;
    json header = {
        {base + ".lora_down.weight",
         {{"dtype", "F32"}, {"shape", {2, 32}}, {"data_offsets", {0, downBytes}}}},
        {base + ".lora_up.weight",
         {{"dtype", "F32"}, {"shape", {32, 2}}, {"data_offsets", {downBytes, downBytes + upBytes}}}},
        {base + ".alpha",
         {{"dtype", "F32"},
          {"shape", json::array()},
          {"data_offsets", {downBytes + upBytes, downBytes + upBytes + 4}}}}};
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[std::size_t(i)] = char((std::uint64_t(text.size()) >> (8 * i)) & 0xff);
    bytes += text;
    const std::vector<float>* parts[] = {&down, &up, &alpha};
    for (const std::vector<float>* data : parts) // x86-64: the floats are little-endian already
        bytes.append(reinterpret_cast<const char*>(data->data()), data->size() * 4);
    writeText(path, bytes);
}

// A batch project in `root`: prompt pool, LoRA pool and a config that names them relative to
// itself (as a user writes it).
fs::path makeProject(const fs::path& root)
{
    writeText(root / "prompts/base.txt", "# the base prompt\na lighthouse on a cliff\n");
    writeText(root / "prompts/negative.txt", "blurry\n");
    writeText(root / "prompts/options.txt", "at dusk\nin fog\nwith gulls\nstormy sea\n");
    writeTinyLora(root / "loras/character/hero.safetensors", 1.0f);
    writeText(root / "loras/character/hero.txt", "hero person\n");
    writeTinyLora(root / "loras/style/ink.safetensors", 0.5f);
    writeText(root / "loras/style/ink.txt", "ink style\n");
    const fs::path config = root / "batch.yaml";
    writeText(
        config,
        "model: " + hdr::test::sharedPath("oracle/models/tiny-sd15").string() +
            "\n"
            "upscaler: " +
            hdr::test::sharedPath("oracle/models/tiny-rrdbnet-x2/tiny-rrdbnet-x2.safetensors").string() +
            "\n"
            "threads: 2\n"
            "width: 64\n"
            "height: 64\n"
            "steps: 5\n"
            "seed: 1000\n"
            "seed-policy: increment\n"
            "prompt-file: prompts/base.txt\n"
            "negative-file: prompts/negative.txt\n"
            "options-file: prompts/options.txt\n"
            "options-max: 3\n"
            "lora-dir: loras\n"
            "upscaler-tile: 0\n"
            "tile-size: 128\n"
            "tile-overlap: 32\n"
            "output: out\n");
    return config;
}

QString q(const fs::path& p)
{
    return QString::fromStdString(p.string());
}

QStringList filesIn(const fs::path& folder)
{
    return QDir(q(folder)).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

// Every file under `root`, hidden ones included (a temporary left behind would show here).
QStringList hiddenFilesUnder(const fs::path& root)
{
    QStringList hidden;
    QDirIterator it(q(root), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (QFileInfo(path).fileName().startsWith(QLatin1Char('.'))) hidden << path;
    }
    return hidden;
}

QString outputUntil(QProcess& p, const QString& marker)
{
    QString out;
    while (!out.contains(marker)) {
        if (!p.waitForReadyRead(90000)) break;
        out += QString::fromUtf8(p.readAllStandardOutput());
    }
    return out;
}

} // namespace

class TestCliBatch : public QObject {
    Q_OBJECT

private slots:
    void usageErrors()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeText(root / "bad.yaml", "steps: 20\nstepz: 4\n");
        const Run bad = cli({QStringLiteral("batch"), QStringLiteral("--config"), q(root / "bad.yaml")});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains(QStringLiteral("line 2, stepz")), qPrintable(bad.err));
        QVERIFY(bad.err.contains(QStringLiteral("bad.yaml")));
        const Run both =
            cli({QStringLiteral("batch"), QStringLiteral("--stage1"), QStringLiteral("--upscale")});
        QCOMPARE(both.code, 2);
        const Run noModel = cli(
            {QStringLiteral("batch"), QStringLiteral("--stage1"), QStringLiteral("--output"), dir.path()});
        QCOMPARE(noModel.code, 2);
        QVERIFY2(noModel.err.contains(QStringLiteral("model")), qPrintable(noModel.err));
        const Run range =
            cli({QStringLiteral("batch"), QStringLiteral("--tile-strength"), QStringLiteral("2")});
        QCOMPARE(range.code, 2);
        const Run help = cli({QStringLiteral("batch"), QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        for (const char* option : {"--config FILE",
                                   "--stage1",
                                   "--upscale",
                                   "--once",
                                   "--tile-overlap PX",
                                   "--no-stage2",
                                   "(default 0.25)",
                                   "(default 2048)",
                                   "(default cosine)"})
            QVERIFY2(help.out.contains(QLatin1String(option)), option);
        QVERIFY(filesIn(root).size() == 1); // nothing written
    }

    void stage1ThenUpscale()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        HDR_REQUIRE_SHARED("oracle/models/tiny-rrdbnet-x2/tiny-rrdbnet-x2.safetensors");
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path config = makeProject(root);
        const fs::path out = root / "out";

        // Stage 1: two candidates (--count 2 overrides the file), one line each.
        const Run s1 = cli({QStringLiteral("batch"),
                            QStringLiteral("--config"),
                            q(config),
                            QStringLiteral("--stage1"),
                            QStringLiteral("--once"),
                            QStringLiteral("--count"),
                            QStringLiteral("2")});
        QVERIFY2(s1.code == 0, qPrintable(s1.err));
        QCOMPARE(s1.out.count(
                     QRegularExpression(QStringLiteral("^stage1 .*_stage1_64x64\\.png 64x64 seed 100[01]$"),
                                        QRegularExpression::MultilineOption)),
                 2);
        const QStringList candidates = filesIn(out / "stage1");
        QCOMPARE(candidates.size(), 2);
        const QRegularExpression name(QStringLiteral("^(\\d{8}_\\d{6}(-\\d+)?)_stage1_64x64\\.png$"));
        QStringList stamps;
        for (const QString& file : candidates) {
            const auto m = name.match(file);
            QVERIFY2(m.hasMatch(), qPrintable(file));
            stamps << m.captured(1);
        }
        QVERIFY(stamps[0] != stamps[1]);
        QVERIFY(filesIn(out / "final").isEmpty());

        std::set<std::uint64_t> seeds;
        for (int i = 0; i < 2; ++i) {
            const std::string stem = QFileInfo(candidates[i]).completeBaseName().toStdString();
            const json record = readJson(out / "metadata" / (stem + ".json"));
            QCOMPARE(record.at("stage").get<std::string>(), std::string("stage1"));
            QCOMPARE(record.at("image").get<std::string>(), "stage1/" + candidates[i].toStdString());
            QCOMPARE(record.at("stamp").get<std::string>(), stamps[i].toStdString());
            QVERIFY(record.at("finals").is_array() && record.at("finals").empty());
            const json& parameters = record.at("parameters");
            const std::string prompt = parameters.at("prompt").get<std::string>();
            QVERIFY2(prompt.rfind("hero person, ink style, a lighthouse on a cliff", 0) == 0, prompt.c_str());
            QCOMPARE(parameters.at("negative").get<std::string>(), std::string("blurry"));
            QCOMPARE(parameters.at("width").get<int>(), 64);
            seeds.insert(parameters.at("seed").get<std::uint64_t>());
            QCOMPARE(parameters.at("lora").size(), std::size_t(2));
            const json& loras = record.at("loras");
            QCOMPARE(loras.size(), std::size_t(2));
            QCOMPARE(loras[0].at("kind").get<std::string>(), std::string("character"));
            QCOMPARE(loras[0].at("name").get<std::string>(), std::string("hero"));
            QCOMPARE(loras[0].at("strength").get<double>(), 1.0);
            QCOMPARE(loras[0].at("trigger").get<std::string>(), std::string("hero person"));
            QCOMPARE(loras[1].at("kind").get<std::string>(), std::string("style"));
            QCOMPARE(loras[1].at("strength").get<double>(), 0.85);
            QVERIFY(record.at("promptOptions").size() <= 3);
            for (const json& option : record.at("promptOptions"))
                QVERIFY(prompt.find(option.get<std::string>()) != std::string::npos);
            QCOMPARE(record.at("config").at("stage2Scale").get<double>(), 2.0);
            QCOMPARE(record.at("config").at("tileSize").get<int>(), 128);
            // The PNG carries the A1111 infotext.
            auto image = hdr::core::readImage(out / "stage1" / candidates[i].toStdString());
            HDR_VERIFY_OK(image);
            QCOMPARE(image->width(), 64);
            const std::string infotext = image->metadata.attributes.at("parameters");
            QVERIFY2(infotext.find("Seed: " + std::to_string(parameters.at("seed").get<std::uint64_t>())) !=
                         std::string::npos,
                     infotext.c_str());
        }
        QVERIFY(seeds == (std::set<std::uint64_t>{1000, 1001}));

        // Upscale: stage 2 (128x128), ESRGAN x2 (256x256), 3x3 tiles of 128 with 32 overlap.
        const Run up = cli({QStringLiteral("batch"),
                            QStringLiteral("--config"),
                            q(config),
                            QStringLiteral("--upscale"),
                            QStringLiteral("--once")});
        QVERIFY2(up.code == 0, qPrintable(up.err));
        QCOMPARE(up.out.count(QStringLiteral("final ")), 2);
        QVERIFY(up.out.contains(QStringLiteral("RealESRGAN x2")));
        QCOMPARE(filesIn(out / "final").size(), 2);
        for (int i = 0; i < 2; ++i) {
            const std::string stamp = stamps[i].toStdString();
            const std::string finalName = stamp + "_final_256x256.png";
            QVERIFY2(fs::is_regular_file(out / "final" / finalName), finalName.c_str());
            auto finalImage = hdr::core::readImage(out / "final" / finalName);
            HDR_VERIFY_OK(finalImage);
            QCOMPARE(finalImage->width(), 256);
            QVERIFY(finalImage->metadata.attributes.count("parameters"));
            const json record = readJson(out / "metadata" / (stamp + "_final_256x256.json"));
            QCOMPARE(record.at("stage").get<std::string>(), std::string("final"));
            QCOMPARE(record.at("image").get<std::string>(), "final/" + finalName);
            QCOMPARE(record.at("source").get<std::string>(), "stage1/" + candidates[i].toStdString());
            QCOMPARE(record.at("loras").size(), std::size_t(2));
            const json& stages = record.at("stages");
            QCOMPARE(stages.at("stage2").at("strength").get<double>(), 0.25);
            QVERIFY(stages.at("stage3").at("upscaler").get<std::string>().find("RealESRGAN x2") !=
                    std::string::npos);
            QCOMPARE(stages.at("stage3").at("tiles").at("count").get<int>(), 9);
            QCOMPARE(record.at("intermediates").size(), std::size_t(3 + 9));
            for (const json& file : record.at("intermediates"))
                QVERIFY2(fs::is_regular_file(out / file.get<std::string>()), file.get<std::string>().c_str());
            const json stage1 = readJson(out / "metadata" / (stamp + "_stage1_64x64.json"));
            QVERIFY(stage1.at("finals") == json::array({"final/" + finalName}));
            QVERIFY(
                fs::is_regular_file(out / "intermediates/stage2_up" / (stamp + "_stage2_up_128x128.png")));
            QVERIFY(fs::is_regular_file(out / "intermediates/stage2" / (stamp + "_stage2_128x128.png")));
            QVERIFY(
                fs::is_regular_file(out / "intermediates/stage3_up" / (stamp + "_stage3_up_256x256.png")));
            QVERIFY(fs::is_regular_file(out / "intermediates/tiles" / (stamp + "_tile_2_2_128x128.png")));
        }
        QCOMPARE(filesIn(out / "intermediates/tiles").size(), 18);
        QVERIFY2(hiddenFilesUnder(out).isEmpty(),
                 qPrintable(hiddenFilesUnder(out).join(QStringLiteral(", "))));

        // Nothing left to do: the second pass writes nothing and says so.
        const Run again = cli({QStringLiteral("batch"),
                               QStringLiteral("--config"),
                               q(config),
                               QStringLiteral("--upscale"),
                               QStringLiteral("--once")});
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QVERIFY2((again.out + again.err).contains(QStringLiteral("nothing to upscale")),
                 qPrintable(again.err));
        QVERIFY(!again.out.contains(QStringLiteral("final ")));
        QCOMPARE(filesIn(out / "final").size(), 2);
        QCOMPARE(filesIn(out / "metadata").size(), 4);
    }

    // Ctrl-C keeps finished images whole (image + record, final + its intermediates) and leaves
    // nothing of the one in progress.
    void interruptKeepsOnlyWholeImages()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        HDR_REQUIRE_SHARED("oracle/models/tiny-rrdbnet-x2/tiny-rrdbnet-x2.safetensors");
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path config = makeProject(root);
        const fs::path out = root / "out";
        for (const char* mode : {"--stage1", "--upscale"}) {
            QProcess p;
            p.start(QStringLiteral(HDR_CLI_PATH),
                    {QStringLiteral("batch"),
                     QStringLiteral("--config"),
                     q(config),
                     QLatin1String(mode),
                     QStringLiteral("--poll-seconds"),
                     QStringLiteral("1")});
            QVERIFY(p.waitForStarted());
            const QString printed = outputUntil(
                p, std::strcmp(mode, "--stage1") == 0 ? QStringLiteral("stage1 ") : QStringLiteral("final "));
            QVERIFY2(!printed.isEmpty(), qPrintable(QString::fromUtf8(p.readAllStandardError())));
            ::kill(pid_t(p.processId()), SIGINT);
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitCode(), 130);
        }
        // Every candidate has its record; every final its record and its intermediates; nothing else.
        const QStringList candidates = filesIn(out / "stage1");
        QVERIFY(!candidates.isEmpty());
        for (const QString& c : candidates)
            QVERIFY(fs::is_regular_file(out / "metadata" /
                                        (QFileInfo(c).completeBaseName().toStdString() + ".json")));
        const QStringList finals = filesIn(out / "final");
        QVERIFY(!finals.isEmpty());
        std::set<std::string> finalStamps;
        for (const QString& f : finals) {
            const std::string stem = QFileInfo(f).completeBaseName().toStdString();
            finalStamps.insert(stem.substr(0, stem.find("_final_")));
            QVERIFY(fs::is_regular_file(out / "metadata" / (stem + ".json")));
        }
        QDirIterator it(q(out / "intermediates"), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const std::string file = QFileInfo(it.next()).fileName().toStdString();
            const auto stampEnd = file.find('_', 9);
            QVERIFY2(finalStamps.count(file.substr(0, stampEnd)), file.c_str());
        }
        QVERIFY2(hiddenFilesUnder(out).isEmpty(),
                 qPrintable(hiddenFilesUnder(out).join(QStringLiteral(", "))));
    }
};

HDR_TEST_MAIN(TestCliBatch)
#include "tst_cli_batch.moc"
