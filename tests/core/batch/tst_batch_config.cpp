// The batch config (core/batch/BatchConfig.h, BatchConfigYaml.h): YAML values land in the right
// settings, relative paths resolve against the file, errors name the key and its line, the shipped
// example parses and documents every key, and the rules across settings hold.
#include "batch/BatchConfig.h"
#include "batch/BatchConfigYaml.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <fstream>
#include <regex>
#include <set>

using namespace hdr::batch;

namespace {

// The error message of applying `yaml` to the defaults (empty when it applied).
std::string errorOf(const std::string& yaml)
{
    BatchConfig config;
    const auto status = applyBatchConfigYaml(config, yaml, {}, "test.yaml");
    return status ? std::string() : status.error().message;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class TestBatchConfig : public QObject {
    Q_OBJECT

private slots:
    void defaultsAreTheIssues()
    {
        const BatchConfig c;
        QCOMPARE(c.stage2Scale, 2.0);
        QCOMPARE(c.stage2Strength, 0.25);
        QCOMPARE(c.tileSize, 2048);
        QCOMPARE(c.tileOverlap, 256);
        QCOMPARE(c.tileBlend, std::string("cosine"));
        QCOMPARE(c.tileStrength, 0.4);
        QCOMPARE(c.characterStrength, 1.0);
        QCOMPARE(c.styleStrength, 0.85);
        QCOMPARE(c.optionsMax, 5);
        QCOMPARE(c.refinerSwitch, 0.8);
    }

    void valuesOfEveryKind()
    {
        BatchConfig c;
        const std::string yaml = "model: /models/base.safetensors\n"
                                 "steps: 31\n"
                                 "cfg: 5.5\n"
                                 "seed: 18446744073709551615\n"
                                 "seed-policy: random\n"
                                 "stage2: no\n"
                                 "tile-refiner: On\n"
                                 "sizes: [sdxl, 640x448]\n"
                                 "negative: \"blurry, lowres\"\n"
                                 "tile-blend: linear\n"
                                 "prompt-file: prompts/base.txt\n"
                                 "output: /abs/out\n";
        HDR_VERIFY_OK(applyBatchConfigYaml(c, yaml, "/cfg/dir", "t.yaml"));
        QCOMPARE(c.model.string(), std::string("/models/base.safetensors"));
        QCOMPARE(c.steps, 31);
        QCOMPARE(c.cfg, 5.5);
        QVERIFY(c.seed.has_value());
        QCOMPARE(*c.seed, std::uint64_t(18446744073709551615ull));
        QCOMPARE(c.seedPolicy, std::string("random"));
        QCOMPARE(c.stage2, false);
        QCOMPARE(c.tileRefiner, true);
        QCOMPARE(c.sizes, (std::vector<std::string>{"sdxl", "640x448"}));
        QCOMPARE(*c.negative, std::string("blurry, lowres"));
        QCOMPARE(c.tileBlend, std::string("linear"));
        QCOMPARE(c.promptFile.string(), std::string("/cfg/dir/prompts/base.txt"));
        QCOMPARE(c.output.string(), std::string("/abs/out"));
        // Keys absent from a second file keep their values; "key:" unsets a nullable setting.
        HDR_VERIFY_OK(applyBatchConfigYaml(c, "seed:\nsizes: 512x512\nrefiner:\n", {}, "t2.yaml"));
        QVERIFY(!c.seed.has_value());
        QCOMPARE(c.sizes, (std::vector<std::string>{"512x512"}));
        QVERIFY(c.refiner.empty());
        QCOMPARE(c.steps, 31);
        // An empty file and a comment-only file are the defaults.
        HDR_VERIFY_OK(applyBatchConfigYaml(c, "", {}, "empty.yaml"));
        HDR_VERIFY_OK(applyBatchConfigYaml(c, "# nothing\n", {}, "comment.yaml"));
    }

    void errorsNameKeyAndLine_data()
    {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown key") << "steps: 20\nstepz: 20\n"
                                     << "line 2, stepz: not a batch setting";
        QTest::newRow("upper case") << "Steps: 20\n"
                                    << "line 1, Steps: not a batch setting (keys are lower case)";
        QTest::newRow("not a number") << "cfg: 7\n\nsteps: many\n"
                                      << "line 3, steps: expects a whole number, got 'many'";
        QTest::newRow("fraction") << "steps: 2.5\n"
                                  << "line 1, steps: expects a whole number";
        QTest::newRow("out of range") << "\n\n\n\nsteps: 0\n"
                                      << "line 5, steps: Steps must be 1 to 1000.";
        QTest::newRow("strength") << "tile-strength: 1.5\n"
                                  << "line 1, tile-strength: Tile strength must be above 0";
        QTest::newRow("multiple of 8") << "tile-size: 1004\n"
                                       << "line 1, tile-size: Tile size must be a multiple of 8.";
        QTest::newRow("choice") << "tile-blend: gaussian\n"
                                << "line 1, tile-blend:";
        QTest::newRow("flag") << "stage2: maybe\n"
                              << "line 1, stage2: expects true or false, got 'maybe'";
        QTest::newRow("mapping") << "steps:\n  a: 1\n"
                                 << "line 1, steps: expects a whole number, not a mapping.";
        QTest::newRow("list") << "steps: [1, 2]\n"
                              << "line 1, steps: expects a whole number, not a list.";
        QTest::newRow("null") << "steps:\n"
                              << "line 1, steps: needs a value.";
        QTest::newRow("twice") << "steps: 2\nsteps: 3\n"
                               << "line 2, steps: set twice.";
        QTest::newRow("negative seed") << "seed: -4\n"
                                       << "line 1, seed:";
        QTest::newRow("not a mapping") << "- steps\n"
                                       << "must be a mapping";
        QTest::newRow("bad yaml") << "steps: 2\nsampler: [euler\n"
                                  << "not valid YAML";
    }
    void errorsNameKeyAndLine()
    {
        QFETCH(QString, yaml);
        QFETCH(QString, expected);
        const std::string message = errorOf(yaml.toStdString());
        QVERIFY2(contains(message, expected.toStdString()), message.c_str());
    }

    void failedApplyLeavesConfigUnchanged()
    {
        BatchConfig c;
        const auto status = applyBatchConfigYaml(c, "steps: 40\ncfg: nope\n", {}, "/x/bad.yaml");
        QVERIFY(!status);
        QCOMPARE(status.error().where, std::string("/x/bad.yaml"));
        QCOMPARE(status.error().code, hdr::core::ErrorCode::InvalidArgument);
        QCOMPARE(c.steps, 20);
    }

    void readFileAndPathsRelativeToIt()
    {
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath(QStringLiteral("conf/run.yaml")).toStdString();
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << "model: ../models/m.safetensors\nlora-dir: loras\n";
        auto c = readBatchConfig(file);
        HDR_VERIFY_OK(c);
        QCOMPARE(c->model, (file.parent_path().parent_path() / "models/m.safetensors").lexically_normal());
        QCOMPARE(c->loraDir, file.parent_path() / "loras");
        QVERIFY(!readBatchConfig(file.parent_path() / "missing.yaml"));
    }

    void exampleParsesAndDocumentsEveryKey()
    {
        const std::filesystem::path example = hdr::test::resourcePath("batch/example.yaml");
        auto c = readBatchConfig(example);
        HDR_VERIFY_OK(c);
        QCOMPARE(c->model.filename().string(), std::string("sd_xl_base_1.0.safetensors"));
        QCOMPARE(c->tileBlend, std::string("cosine"));
        // Apart from the example paths, the example's values are the defaults.
        const auto& spec = batchConfigSpec();
        const BatchConfig defaults;
        std::set<std::string> keysInFile;
        std::ifstream in(example);
        const std::regex keyLine(R"(^([a-z0-9-]+):.*)");
        for (std::string line; std::getline(in, line);) {
            std::smatch m;
            if (std::regex_match(line, m, keyLine)) keysInFile.insert(m[1].str());
        }
        for (const auto& f : spec.fields()) {
            QVERIFY2(keysInFile.count(f.info.key),
                     qPrintable(QString::fromStdString("example.yaml lacks " + f.info.key)));
            if (f.info.kind == hdr::spec::SettingKind::Path) continue;
            QVERIFY2(f.get(*c) == f.get(defaults), qPrintable(QString::fromStdString(f.info.key)));
        }
    }

    void rulesAcrossSettings()
    {
        QTemporaryDir dir;
        const std::filesystem::path model = dir.filePath(QStringLiteral("m.safetensors")).toStdString();
        std::ofstream(model) << "x";
        BatchConfig c;
        auto status = validateBatchConfig(c);
        QVERIFY(!status);
        QVERIFY(contains(status.error().message, "Name the model"));
        c.model = model;
        HDR_VERIFY_OK(validateBatchConfig(c));
        c.tileOverlap = c.tileSize;
        QVERIFY(contains(validateBatchConfig(c).error().message, "Tile overlap"));
        c.tileOverlap = 64;
        c.optionsMin = 4;
        c.optionsMax = 2;
        QVERIFY(contains(validateBatchConfig(c).error().message, "options-min"));
        c.optionsMin = 0;
        c.hdr = "gainmap";
        QVERIFY(contains(validateBatchConfig(c).error().message, "gm-model"));
        c.hdr = "none";
        c.sizes = {"sdxl", "1004x800"};
        QVERIFY(contains(validateBatchConfig(c).error().message, "1004x800"));
        c.sizes = {"sdxl"};
        c.upscaler = dir.filePath(QStringLiteral("missing.pth")).toStdString();
        QVERIFY(contains(validateBatchConfig(c).error().message, "missing.pth"));
    }

    // The CLI sets the same keys through the spec; the shared keys name real settings.
    void flagsAndSharedKeys()
    {
        const auto& spec = batchConfigSpec();
        BatchConfig c;
        HDR_VERIFY_OK(spec.setText(c, "stage2-scale", "1.5"));
        QCOMPARE(c.stage2Scale, 1.5);
        HDR_VERIFY_OK(spec.setText(c, "seed", "77"));
        QCOMPARE(*c.seed, std::uint64_t(77));
        QVERIFY(!spec.setText(c, "steps", "x"));
        std::set<std::string> batchKeys;
        for (const SharedKey& k : generationKeys()) {
            QVERIFY2(spec.find(k.batchKey), k.batchKey);
            QVERIFY(batchKeys.insert(k.batchKey).second);
        }
        const auto json = spec.toJson(c);
        QCOMPARE(json.at("stage2Scale").get<double>(), 1.5);
        QVERIFY(json.contains("tileOverlap"));
        QVERIFY(json.contains("upscaler"));
    }
};

HDR_TEST_MAIN(TestBatchConfig)
#include "tst_batch_config.moc"
