// Model files without weights: LDM -> diffusers name/shape conversion against the real SD 1.5 and
// SDXL manifests, architecture detection (supported and refused families), the three folder
// layouts incl. fp16 variants and shards, and hostile inputs (one clear sentence each).
#include "diffusion/model/ArchDetection.h"
#include "diffusion/model/ModelFiles.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

using namespace hdr::diffusion;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json readJson(const fs::path& path)
{
    std::ifstream in(path);
    return json::parse(in);
}

KeyShapes shapesOf(const json& object)
{
    KeyShapes out;
    for (const auto& [key, shape] : object.items()) {
        out[key] = shape.get<TensorShape>();
    }
    return out;
}

QString describe(const KeyShapes& expected, const KeyShapes& actual)
{
    QStringList diffs;
    for (const auto& [key, shape] : expected) {
        const auto it = actual.find(key);
        if (it == actual.end()) {
            diffs << "missing " + QString::fromStdString(key);
        } else if (it->second != shape) {
            diffs << "shape " + QString::fromStdString(key);
        }
    }
    for (const auto& [key, shape] : actual) {
        if (!expected.count(key)) {
            diffs << "extra " + QString::fromStdString(key);
        }
    }
    return QString::number(diffs.size()) + " differences: " + diffs.mid(0, 8).join(", ");
}

template <typename T> QString errorText(const hdr::core::Result<T>& result)
{
    return result ? QString() : QString::fromStdString(result.error().describe());
}

// A safetensors file from (name, F32 values, shape) written by hand (torch-free).
void writeF32Safetensors(const fs::path& path,
                         const std::vector<std::pair<std::string, TensorShape>>& tensors)
{
    json header = json::object();
    std::uint64_t offset = 0;
    for (const auto& [name, shape] : tensors) {
        std::uint64_t count = 1;
        for (auto d : shape) {
            count *= std::uint64_t(d);
        }
        header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + 4 * count}}};
        offset += 4 * count;
    }
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' ');
    std::vector<char> bytes(8 + text.size() + offset, 0);
    const std::uint64_t n = text.size();
    std::memcpy(bytes.data(), &n, 8);
    std::memcpy(bytes.data() + 8, text.data(), text.size());
    hdr::test::writeAll(path, bytes);
}

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// A small self-made SD 1.x-like single file (synthetic key set around the tricky names).
KeyShapes syntheticSd1Keys()
{
    return {
        {"model.diffusion_model.input_blocks.0.0.weight", {8, 4, 3, 3}},
        {"model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", {8, 768}},
        {"cond_stage_model.transformer.text_model.final_layer_norm.weight", {8}},
        {"first_stage_model.decoder.up.3.block.0.nin_shortcut.weight", {8, 16, 1, 1}},
    };
}

} // namespace

class TestModelFiles : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { hdr::test::initTestEnvironment(); }

    void manifestConversion_data()
    {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<int>("arch");
        QTest::newRow("sd15") << "sd15_manifest.json" << int(ModelArch::SD15);
        QTest::newRow("sdxl") << "sdxl_base_manifest.json" << int(ModelArch::SDXL);
    }
    void manifestConversion()
    {
        QFETCH(QString, manifest);
        QFETCH(int, arch);
        const std::string rel = "oracle/real_manifests/" + manifest.toStdString();
        HDR_REQUIRE_SHARED(rel);
        const json m = readJson(hdr::test::sharedPath(rel));
        const KeyShapes ldm = shapesOf(m["ldm_single_file"]);
        auto detected = detectLdmArch(ldm);
        HDR_VERIFY_OK(detected);
        QCOMPARE(int(*detected), arch);
        LdmConversionPlan plan;
        const auto converted = convertLdmShapes(ldm, ldmLayoutOf(ModelArch(arch)), &plan);
        QVERIFY2(plan.unexpected.empty(), plan.unexpected.empty() ? "" : plan.unexpected.front().c_str());
        QVERIFY(plan.duplicates.empty());
        QVERIFY(plan.ignored.empty());
        std::size_t components = 0;
        for (const auto& [name, keys] : m["diffusers"].items()) {
            const auto component = componentFromName(name);
            QVERIFY(component.has_value());
            const KeyShapes expected = shapesOf(keys);
            const auto it = converted.find(*component);
            QVERIFY2(it != converted.end(), name.c_str());
            QVERIFY2(it->second == expected,
                     qPrintable(QString::fromStdString(name) + ": " + describe(expected, it->second)));
            ++components;
        }
        QCOMPARE(converted.size(), components);

        // The extras real checkpoints carry are skipped, not reported as unexpected.
        KeyShapes withExtras = ldm;
        withExtras["model_ema.decay"] = {};
        withExtras["alphas_cumprod"] = {1000};
        withExtras[arch == int(ModelArch::SDXL)
                       ? "conditioner.embedders.0.transformer.text_model.embeddings.position_ids"
                       : "cond_stage_model.transformer.text_model.embeddings.position_ids"] = {1, 77};
        if (arch == int(ModelArch::SDXL)) {
            withExtras["conditioner.embedders.1.model.logit_scale"] = {};
        }
        convertLdmShapes(withExtras, ldmLayoutOf(ModelArch(arch)), &plan);
        QVERIFY(plan.unexpected.empty());
        QCOMPARE(plan.ignored.size(), arch == int(ModelArch::SDXL) ? std::size_t(4) : std::size_t(3));
    }

    void syntheticNames()
    {
        // Self-made names covering the renames that differ between the layouts.
        const LdmLayout sdxl = ldmLayoutOf(ModelArch::SDXL);
        const auto one = [&](const char* key, const LdmLayout& layout) {
            const auto m = mapLdmKey(key, layout);
            return m.targets.size() == 1 ? m.targets[0].name : std::string("<none>");
        };
        QCOMPARE(one("model.diffusion_model.output_blocks.2.2.conv.weight", sdxl),
                 std::string("up_blocks.0.upsamplers.0.conv.weight"));
        QCOMPARE(one("model.diffusion_model.output_blocks.8.1.conv.bias", sdxl),
                 std::string("<none>")); // last level has none
        QCOMPARE(one("model.diffusion_model.output_blocks.5.1.conv.bias", sdxl),
                 std::string("up_blocks.1.upsamplers.0.conv.bias"));
        QCOMPARE(one("model.diffusion_model.input_blocks.3.0.op.weight", sdxl),
                 std::string("down_blocks.0.downsamplers.0.conv.weight"));
        QCOMPARE(one("model.diffusion_model.input_blocks.4.0.skip_connection.weight", sdxl),
                 std::string("down_blocks.1.resnets.0.conv_shortcut.weight"));
        QCOMPARE(one("model.diffusion_model.middle_block.2.emb_layers.1.bias", sdxl),
                 std::string("mid_block.resnets.1.time_emb_proj.bias"));
        QCOMPARE(one("model.diffusion_model.label_emb.0.2.weight", sdxl),
                 std::string("add_embedding.linear_2.weight"));
        QCOMPARE(one("first_stage_model.decoder.up.3.block.0.nin_shortcut.weight", sdxl),
                 std::string("decoder.up_blocks.0.resnets.0.conv_shortcut.weight"));
        QCOMPARE(one("first_stage_model.encoder.mid.attn_1.proj_out.weight", sdxl),
                 std::string("encoder.mid_block.attentions.0.to_out.0.weight"));
        QCOMPARE(one("model.diffusion_model.input_blocks.12.0.in_layers.0.weight", sdxl),
                 std::string("<none>")); // past the levels
        const auto split =
            mapLdmKey("conditioner.embedders.1.model.transformer.resblocks.7.attn.in_proj_bias", sdxl);
        QCOMPARE(split.targets.size(), std::size_t(3));
        QCOMPARE(split.targets[2].name, std::string("text_model.encoder.layers.7.self_attn.v_proj.bias"));
        QCOMPARE(split.targets[2].part, 2);
        QCOMPARE(transformedShape({30, 7}, TensorTransform::SplitQkv), (TensorShape{10, 7}));
        QCOMPARE(transformedShape({8, 8, 1, 1}, TensorTransform::ConvToLinear), (TensorShape{8, 8}));
        QCOMPARE(transformedShape({64, 40}, TensorTransform::Transpose), (TensorShape{40, 64}));
        QVERIFY(transformedShape({31, 7}, TensorTransform::SplitQkv).empty());
        QCOMPARE(mapLdmKey("some.random.key", sdxl).kind, LdmKeyKind::Unknown);
        auto sd1 = detectLdmArch(syntheticSd1Keys());
        HDR_VERIFY_OK(sd1);
        QCOMPARE(*sd1, ModelArch::SD15);
    }

    void refinerSingleFileDetection()
    {
        KeyShapes keys = syntheticSd1Keys();
        std::erase_if(keys, [](const auto& kv) { return kv.first.starts_with("cond_stage_model."); });
        keys["conditioner.embedders.0.model.transformer.resblocks.0.attn.in_proj_weight"] = {3840, 1280};
        keys["model.diffusion_model.label_emb.0.0.weight"] = {1536, 2560};
        QCOMPARE(detectLdmArch(keys).value(), ModelArch::SDXLRefiner);
        keys.erase("model.diffusion_model.label_emb.0.0.weight");
        QVERIFY(errorText(detectLdmArch(keys)).contains("label_emb"));
    }

    void refusedFamilies_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("expected");
        QTest::newRow("sd2") << "sd2"
                             << "Stable Diffusion 2.x";
        QTest::newRow("sd2-context") << "sd2-context"
                                     << "Stable Diffusion 2.x";
        QTest::newRow("sd3") << "sd3"
                             << "Stable Diffusion 3";
        QTest::newRow("flux") << "flux"
                              << "Flux";
        QTest::newRow("inpaint") << "inpaint"
                                 << "inpainting UNet (9 input channels";
        QTest::newRow("lora") << "lora"
                              << "LoRA";
        QTest::newRow("unet-only") << "unet-only"
                                   << "no text encoder weights";
        QTest::newRow("diffusers-unet") << "diffusers-unet"
                                        << "open the whole model folder";
    }
    void refusedFamilies()
    {
        QFETCH(QString, change);
        QFETCH(QString, expected);
        KeyShapes keys = syntheticSd1Keys();
        const auto dropPrefix = [&](const std::string& prefix) {
            std::erase_if(keys, [&](const auto& kv) { return kv.first.starts_with(prefix); });
        };
        if (change == "sd2") {
            dropPrefix("cond_stage_model.");
            keys["cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight"] = {3072, 1024};
        } else if (change == "sd2-context") {
            keys["model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"] = {8, 1024};
        } else if (change == "sd3") {
            keys["model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight"] = {4608, 1536};
        } else if (change == "flux") {
            keys = {{"double_blocks.0.img_attn.qkv.weight", {9216, 3072}}};
        } else if (change == "inpaint") {
            keys["model.diffusion_model.input_blocks.0.0.weight"] = {320, 9, 3, 3};
        } else if (change == "lora") {
            keys = {{"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", {4, 320}}};
        } else if (change == "unet-only") {
            dropPrefix("cond_stage_model.");
            dropPrefix("first_stage_model.");
        } else if (change == "diffusers-unet") {
            keys = {{"conv_in.weight", {320, 4, 3, 3}},
                    {"down_blocks.0.resnets.0.conv1.weight", {320, 320, 3, 3}}};
        }
        const auto result = detectLdmArch(keys);
        QVERIFY(!result);
        QVERIFY2(errorText(result).contains(expected), qPrintable(errorText(result)));
    }

    void diffusersDetection()
    {
        DiffusersArchInputs sd15{R"({"_class_name": "StableDiffusionPipeline"})",
                                 R"({"cross_attention_dim": 768, "in_channels": 4})",
                                 R"({"hidden_size": 768})",
                                 true,
                                 false};
        QCOMPARE(detectDiffusersArch(sd15).value(), ModelArch::SD15);
        DiffusersArchInputs sdxl{
            "", R"({"cross_attention_dim": 2048, "addition_embed_type": "text_time"})", "", true, true};
        QCOMPARE(detectDiffusersArch(sdxl).value(), ModelArch::SDXL);
        auto sd2 = sd15;
        sd2.unetConfigJson = R"({"cross_attention_dim": 1024})";
        QVERIFY(errorText(detectDiffusersArch(sd2)).contains("Stable Diffusion 2.x"));
        // The refiner ships only text_encoder_2 (bigG) and a 1280-wide context.
        auto refiner = sdxl;
        refiner.hasTextEncoder = false;
        refiner.unetConfigJson = R"({"cross_attention_dim": 1280, "addition_embed_type": "text_time"})";
        QCOMPARE(detectDiffusersArch(refiner).value(), ModelArch::SDXLRefiner);
        auto inpaint = sd15;
        inpaint.unetConfigJson = R"({"cross_attention_dim": 768, "in_channels": 9})";
        QVERIFY(errorText(detectDiffusersArch(inpaint)).contains("inpainting"));
        auto sd3 = sd15;
        sd3.modelIndexJson = R"({"_class_name": "StableDiffusion3Pipeline"})";
        QVERIFY(errorText(detectDiffusersArch(sd3)).contains("Stable Diffusion 3"));
        auto broken = sd15;
        broken.unetConfigJson = "{not json";
        QVERIFY(errorText(detectDiffusersArch(broken)).contains("not a JSON object"));
    }

    void tinyLayouts_data()
    {
        QTest::addColumn<QString>("family");
        QTest::addColumn<int>("arch");
        QTest::newRow("tiny-sd15") << "tiny-sd15" << int(ModelArch::SD15);
        QTest::newRow("tiny-sdxl") << "tiny-sdxl" << int(ModelArch::SDXL);
    }
    void tinyLayouts()
    {
        QFETCH(QString, family);
        QFETCH(int, arch);
        const std::string rel = "oracle/models/" + family.toStdString();
        HDR_REQUIRE_SHARED(rel + "/unet.safetensors");
        const fs::path dir = hdr::test::sharedPath(rel);
        auto flat = openModelFiles(dir);
        HDR_VERIFY_OK(flat);
        QCOMPARE(flat->layout, ModelLayout::FlatFolder);
        QCOMPARE(int(flat->arch), arch);
        QVERIFY(!flat->tokenizerDir.empty());
        QCOMPARE(flat->tokenizer2Dir.empty(), arch == int(ModelArch::SD15));
        QVERIFY(!flat->schedulerConfig.empty());

        const fs::path single = dir / (family.toStdString() + ".ldm.fp16.safetensors");
        ModelOpenOptions options;
        options.configDir = dir;
        auto file = openModelFiles(single, options);
        HDR_VERIFY_OK(file);
        QCOMPARE(file->layout, ModelLayout::SingleFile);
        QCOMPARE(int(file->arch), arch);
        QVERIFY(file->unexpectedKeys.empty());
        QCOMPARE(file->tokenizerDir, flat->tokenizerDir); // taken from the config folder
        QCOMPARE(file->components.size(), flat->components.size());
        for (const auto& [component, files] : flat->components) {
            const auto& converted = file->components.at(component).tensors;
            QCOMPARE(converted.size(), files.tensors.size());
            for (const auto& [name, ref] : files.tensors) {
                const auto it = converted.find(name);
                QVERIFY2(it != converted.end(), name.c_str());
                QCOMPARE(it->second.shape(), ref.shape());
                QCOMPARE(it->second.dtype(), TensorDType::F16);
            }
        }
        // Without --config the full-size preset numbering is used: a tiny file does not fit it.
        auto preset = openModelFiles(single);
        if (preset) {
            QVERIFY(!preset->notes.empty());
        }
    }

    void diffusersFolderVariantsAndShards()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeText(root / "model_index.json", R"({"_class_name": "StableDiffusionPipeline"})");
        writeText(
            root / "unet" / "config.json",
            R"({"cross_attention_dim": 8, "in_channels": 4, "layers_per_block": 1, "block_out_channels": [8]})");
        writeText(root / "vae" / "config.json", R"({"block_out_channels": [8]})");
        writeText(root / "text_encoder" / "config.json", R"({"hidden_size": 8})");
        writeText(root / "tokenizer" / "vocab.json", "{}");
        writeF32Safetensors(root / "unet" / "diffusion_pytorch_model.fp16.safetensors",
                            {{"conv_in.weight", {8, 4, 3, 3}}});
        writeF32Safetensors(root / "vae" / "diffusion_pytorch_model.safetensors",
                            {{"decoder.conv_out.bias", {3}}});
        // text encoder in two shards
        writeF32Safetensors(root / "text_encoder" / "model-00001-of-00002.safetensors",
                            {{"a", {2}}, {"b", {3}}});
        writeF32Safetensors(root / "text_encoder" / "model-00002-of-00002.safetensors", {{"c", {4}}});
        const auto writeIndex = [&](const std::string& map) {
            writeText(root / "text_encoder" / "model.safetensors.index.json",
                      R"({"metadata": {}, "weight_map": )" + map + "}");
        };
        writeIndex(
            R"({"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"})");
        auto model = openModelFiles(root);
        HDR_VERIFY_OK(model);
        QCOMPARE(model->layout, ModelLayout::DiffusersFolder);
        QCOMPARE(model->arch, ModelArch::SD15);
        QCOMPARE(model->components.at(Component::TextEncoder).tensors.size(), std::size_t(3));
        QCOMPARE(model->components.at(Component::TextEncoder).weightFiles.size(), std::size_t(2));
        QCOMPARE(model->components.at(Component::Unet).tensors.count("conv_in.weight"), std::size_t(1));
        QVERIFY(model->tokenizerDir == root / "tokenizer");

        // Hostile shard indexes.
        writeIndex(
            R"({"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"})");
        QVERIFY2(errorText(openModelFiles(root)).contains("does not contain tensor b"),
                 qPrintable(errorText(openModelFiles(root))));
        writeIndex(R"({"a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"})");
        QVERIFY2(errorText(openModelFiles(root)).contains("holds tensor b, which the index does not list"),
                 qPrintable(errorText(openModelFiles(root))));
        writeIndex(R"({"a": "model-00001-of-00003.safetensors"})");
        QVERIFY(errorText(openModelFiles(root))
                    .contains("Shard model-00001-of-00003.safetensors listed in the index is missing"));
        writeIndex(R"({"a": "../../etc/passwd"})");
        QVERIFY(errorText(openModelFiles(root)).contains("not a file beside it"));
        writeIndex(R"([1, 2])");
        QVERIFY(errorText(openModelFiles(root)).contains("has no \"weight_map\" object"));
        writeText(root / "text_encoder" / "model.safetensors.index.json", "{\"weight_map\": ");
        QVERIFY(errorText(openModelFiles(root)).contains("not a readable JSON object"));

        // Missing component, pickled weights, unreadable config.
        fs::remove_all(root / "text_encoder");
        QVERIFY2(errorText(openModelFiles(root)).contains("has no text_encoder folder"),
                 qPrintable(errorText(openModelFiles(root))));
        writeText(root / "text_encoder" / "config.json", R"({"hidden_size": 8})");
        writeText(root / "text_encoder" / "pytorch_model.bin", "PK");
        QVERIFY(errorText(openModelFiles(root)).contains("convert it to .safetensors"));
        writeText(root / "vae" / "config.json", "{\"block_out_channels\": [8]");
        fs::remove(root / "text_encoder" / "pytorch_model.bin");
        writeF32Safetensors(root / "text_encoder" / "model.safetensors", {{"a", {2}}});
        QVERIFY2(errorText(openModelFiles(root)).contains("not a readable JSON object"),
                 qPrintable(errorText(openModelFiles(root))));
    }

    void hostileFiles()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        QVERIFY(errorText(openModelFiles(root / "nope.safetensors")).contains("does not exist"));
        writeText(root / "model.ckpt", "PK\x03\x04zip");
        QVERIFY(errorText(openModelFiles(root / "model.ckpt")).contains("convert it to .safetensors"));
        writeText(root / "renamed.safetensors", "PK\x03\x04zip with a misleading name");
        QVERIFY(errorText(openModelFiles(root / "renamed.safetensors")).contains("pickled"));
        writeText(root / "empty.safetensors", "");
        QVERIFY(!openModelFiles(root / "empty.safetensors"));
        writeF32Safetensors(root / "other.safetensors", {{"weight", {2, 2}}});
        QVERIFY(errorText(openModelFiles(root / "other.safetensors"))
                    .contains("not a Stable Diffusion checkpoint"));
        // A single file whose shapes do not fit the conversion (text_projection not 2-D).
        KeyShapes keys = syntheticSd1Keys();
        std::vector<std::pair<std::string, TensorShape>> tensors(keys.begin(), keys.end());
        writeF32Safetensors(root / "sd1.safetensors", tensors);
        auto sd1 = openModelFiles(root / "sd1.safetensors");
        HDR_VERIFY_OK(sd1);
        QCOMPARE(sd1->arch, ModelArch::SD15);
        QVERIFY(!sd1->notes.empty()); // no tokenizer, preset configs
        QVERIFY(QString::fromStdString(sd1->notes.front()).contains("--tokenizer"));
        // A folder without configs.
        fs::create_directories(root / "folder");
        QVERIFY(errorText(openModelFiles(root / "folder")).contains("has no unet config"));
    }
};

HDR_TEST_MAIN(TestModelFiles)
#include "tst_model_files.moc"
