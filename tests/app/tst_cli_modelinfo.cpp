// Runs `hdrstudio-cli model-info` on the oracle's tiny models (flat folder and single-file fp16
// checkpoints, text and JSON) and on hostile inputs: anything we cannot use exits non-zero with
// one sentence saying why.
#include "CliRunner.h"
#include "support/TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {
using Run = hdr::test::CliRun;

Run cli(const QStringList& args)
{
    return hdr::test::runCli(QStringList{"model-info"} + args);
}

QString q(const fs::path& path)
{
    return QString::fromStdString(path.string());
}

// A safetensors file of zero-filled F16 tensors, header written by hand.
void writeF16Safetensors(const fs::path& path,
                         const std::vector<std::pair<std::string, std::vector<int>>>& tensors)
{
    std::string header = "{";
    std::uint64_t offset = 0;
    for (const auto& [name, shape] : tensors) {
        std::uint64_t count = 1;
        std::string dims;
        for (int d : shape) {
            count *= std::uint64_t(d);
            dims += (dims.empty() ? "" : ",") + std::to_string(d);
        }
        header += (header.size() > 1 ? "," : "") +
                  ("\"" + name + "\":{\"dtype\":\"F16\",\"shape\":[" + dims + "],\"data_offsets\":[" +
                   std::to_string(offset) + "," + std::to_string(offset + 2 * count) + "]}");
        offset += 2 * count;
    }
    header += "}";
    header.resize((header.size() + 7) / 8 * 8, ' ');
    std::vector<char> bytes(8 + header.size() + offset, 0);
    const std::uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8);
    std::memcpy(bytes.data() + 8, header.data(), header.size());
    hdr::test::writeAll(path, bytes);
}
} // namespace

class TestCliModelInfo : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path tmp(const char* name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void flatFolder()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        const Run r = cli({q(hdr::test::sharedPath("oracle/models/tiny-sd15"))});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("sd15 (Stable Diffusion 1.x)"));
        QVERIFY(r.out.contains("layout:     flat"));
        QVERIFY2(r.out.contains("unet:       1,106,212 parameters (F32)"), qPrintable(r.out));
        QVERIFY(r.out.contains("vae:        334,383 parameters"));
        QVERIFY(!r.out.contains("missing"));
    }

    void singleFileJson()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl/unet.safetensors");
        const fs::path dir = hdr::test::sharedPath("oracle/models/tiny-sdxl");
        const Run r = cli({q(dir / "tiny-sdxl.ldm.fp16.safetensors"), "--config", q(dir), "--json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["arch"].toString(), QString("sdxl"));
        QCOMPARE(j["layout"].toString(), QString("single-file"));
        QVERIFY(j["usable"].toBool());
        const QJsonArray components = j["components"].toArray();
        QCOMPARE(components.size(), 4);
        for (const auto& value : components) {
            const QJsonObject c = value.toObject();
            QCOMPARE(c["dtypes"].toArray().first().toString(), QString("F16"));
            QVERIFY(c["missing"].toArray().isEmpty());
            QVERIFY(c["unexpected"].toArray().isEmpty());
            QCOMPARE(c["parameters"].toInteger(), c["expected_parameters"].toInteger());
            if (c["name"] == "unet") {
                QCOMPARE(c["parameters"].toInteger(), qint64(2329508));
            }
        }
        QVERIFY(j["tokenizer_2"].toString().endsWith("tokenizer_2"));
    }

    void tokenizerOption()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        const fs::path dir = hdr::test::sharedPath("oracle/models/tiny-sd15");
        // Configs without a tokenizer: the output says so, and --tokenizer fills it in.
        const fs::path configs = tmp("configs-sd15");
        fs::create_directories(configs);
        for (const char* name : {"unet_config.json", "vae_config.json", "text_encoder_config.json"}) {
            fs::copy_file(dir / name, configs / name, fs::copy_options::overwrite_existing);
        }
        const QString single = q(dir / "tiny-sd15.ldm.fp16.safetensors");
        Run r = cli({single, "--config", q(configs)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("tokenizer:  absent"));
        QVERIFY(r.out.contains("pass --tokenizer DIR"));
        QVERIFY(r.out.contains("scheduler:  built-in preset"));
        r = cli({single, "--config", q(configs), "--tokenizer", q(dir / "tokenizer")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("tokenizer:  " + q(dir / "tokenizer")));
    }

    void tinyFileWithFullSizePreset()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        // Without --config the tiny checkpoint is checked against the full-size SD 1.5 networks.
        const Run r =
            cli({q(hdr::test::sharedPath("oracle/models/tiny-sd15/tiny-sd15.ldm.fp16.safetensors"))});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("weights do not match its config"), qPrintable(r.err));
        QVERIFY(r.out.contains("wrong shape:"));
    }

    void hostileInputs()
    {
        // (more hostile files, without a process each, are in tst_model_files)
        Run r;
        hdr::test::writeAll(tmp("model.ckpt"), {'P', 'K', 3, 4, 'x'});
        r = cli({q(tmp("model.ckpt"))});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("convert it to .safetensors"), qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1); // one sentence

        writeF16Safetensors(tmp("inpaint.safetensors"),
                            {{"model.diffusion_model.input_blocks.0.0.weight", {320, 9, 3, 3}},
                             {"cond_stage_model.transformer.text_model.final_layer_norm.weight", {768}}});
        r = cli({q(tmp("inpaint.safetensors"))});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("inpainting"), qPrintable(r.err));

        // A flat folder without its text encoder.
        const fs::path folder = tmp("no-text-encoder");
        fs::create_directories(folder);
        std::ofstream(folder / "unet_config.json")
            << R"({"cross_attention_dim": 32, "layers_per_block": 1, "block_out_channels": [32]})";
        std::ofstream(folder / "vae_config.json") << R"({"block_out_channels": [8]})";
        writeF16Safetensors(folder / "unet.safetensors", {{"conv_in.weight", {32, 4, 3, 3}}});
        writeF16Safetensors(folder / "vae.safetensors", {{"decoder.conv_out.bias", {3}}});
        r = cli({q(folder)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("has no text_encoder weights"), qPrintable(r.err));

        r = cli({});
        QCOMPARE(r.code, 2);
    }
};

HDR_TEST_MAIN(TestCliModelInfo)
#include "tst_cli_modelinfo.moc"
