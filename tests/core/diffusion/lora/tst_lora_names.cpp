// LoRA name tables (torch-free): the LDM/SGM UNet paths we derive from diffusers parameter names
// must be exactly those of real single-file checkpoints: the tiny oracle models (names and shapes)
// and the full-size SD 1.5 / SDXL manifests, where they must agree one to one with the model
// loader's LDM -> diffusers conversion (model/LdmConversion.h). Plus a layout the test makes.
#include "diffusion/lora/LoraNames.h"
#include "diffusion/model/LdmConversion.h"
#include "support/TestSupport.h"
#include "tensorfile/Safetensors.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>

using namespace hdr::diffusion;

class TestLoraNames : public QObject {
    Q_OBJECT

private slots:
    // One level per kind: L = 1, attention on down level 1 and up level 0 only.
    void ownLayout()
    {
        const std::vector<std::string> names = {
            "conv_in.weight",
            "down_blocks.0.resnets.0.conv1.weight",
            "down_blocks.0.downsamplers.0.conv.weight",
            "down_blocks.1.resnets.0.conv1.weight",
            "down_blocks.1.attentions.0.proj_in.weight",
            "mid_block.resnets.0.conv1.weight",
            "mid_block.attentions.0.proj_in.weight",
            "up_blocks.0.resnets.1.conv_shortcut.weight",
            "up_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
            "up_blocks.0.upsamplers.0.conv.weight",
            "up_blocks.1.resnets.1.norm2.weight",
        };
        const UnetLdmNaming naming(names);
        QCOMPARE(naming.layersPerBlock(), 1);
        auto ldm = [&](const char* path) { return naming.ldmPathOf(path).value_or("<none>"); };
        QCOMPARE(ldm("conv_in"), std::string("input_blocks.0.0"));
        QCOMPARE(ldm("down_blocks.0.resnets.0.conv1"), std::string("input_blocks.1.0.in_layers.2"));
        QCOMPARE(ldm("down_blocks.0.downsamplers.0.conv"), std::string("input_blocks.2.0.op"));
        QCOMPARE(ldm("down_blocks.1.attentions.0.proj_in"), std::string("input_blocks.3.1.proj_in"));
        QCOMPARE(ldm("mid_block.resnets.1.conv2"), std::string("middle_block.2.out_layers.3"));
        QCOMPARE(ldm("mid_block.attentions.0"), std::string("middle_block.1"));
        QCOMPARE(ldm("up_blocks.0.resnets.1.conv_shortcut"),
                 std::string("output_blocks.1.0.skip_connection"));
        QCOMPARE(ldm("up_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k"),
                 std::string("output_blocks.1.1.transformer_blocks.0.attn2.to_k"));
        QCOMPARE(ldm("up_blocks.0.upsamplers.0.conv"),
                 std::string("output_blocks.1.2.conv")); // after attention
        QCOMPARE(ldm("up_blocks.1.resnets.1.norm2"), std::string("output_blocks.3.0.out_layers.0"));
        QCOMPARE(ldm("time_embedding.linear_2"), std::string("time_embed.2"));
        QCOMPARE(ldm("add_embedding.linear_1"), std::string("label_emb.0.0"));
        QCOMPARE(ldm("conv_out"), std::string("out.2"));
        QCOMPARE(ldm("down_blocks.0.resnets.0.nonsense"), std::string("<none>"));
        QCOMPARE(ldm("up_blocks.x.resnets.0.conv1"), std::string("<none>"));

        std::map<std::string, int> ranks;
        for (const auto& name : names)
            ranks[name] = name.find("norm") != std::string::npos ? 1 : 4;
        const LoraTargetIndex index(LoraComponent::Unet, ranks);
        QCOMPARE(index.size(), names.size() - 1); // norm2 is 1-D: not a LoRA target
        QVERIFY(index.findFlattened("input_blocks_3_1_proj_in"));
        QCOMPARE(index.findFlattened("down_blocks_1_attentions_0_proj_in")->name,
                 std::string("down_blocks.1.attentions.0.proj_in.weight"));
        QVERIFY(!index.findFlattened("down_blocks_1_attentions_0_proj"));
        QVERIFY(index.findModule("mid_block.attentions.0.proj_in"));
        QVERIFY(!index.findModule("mid_block_attentions_0_proj_in"));
        QCOMPARE(flattenModulePath("a.b_c.d"), std::string("a_b_c_d"));
    }

    // The LDM names we derive from the diffusers names must be exactly those of the single-file
    // checkpoints of the tiny models, with the same shapes (SD 1.5 layout and SDXL layout).
    void ldmNamesMatchCheckpoints_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("tiny-sd15") << "tiny-sd15";
        QTest::newRow("tiny-sdxl") << "tiny-sdxl";
    }
    void ldmNamesMatchCheckpoints()
    {
        QFETCH(QString, model);
        const std::string base = "oracle/models/" + model.toStdString() + "/";
        HDR_REQUIRE_SHARED(base + "unet.safetensors");
        auto unetFile = SafetensorsFile::open(hdr::test::sharedPath(base + "unet.safetensors"));
        auto ldmFile = SafetensorsFile::open(
            hdr::test::sharedPath(base + model.toStdString() + ".ldm.fp16.safetensors"));
        HDR_VERIFY_OK(unetFile);
        HDR_VERIFY_OK(ldmFile);
        std::map<std::string, int> ranks;
        std::map<std::string, std::vector<int64_t>> shapes;
        for (const auto& entry : (*unetFile)->entries()) {
            ranks[entry.name] = static_cast<int>(entry.shape.size());
            shapes[entry.name] = entry.shape;
        }
        const LoraTargetIndex index(LoraComponent::Unet, ranks);
        QVERIFY(index.ambiguousNames().empty());
        const std::string prefix = "model.diffusion_model.";
        std::size_t checked = 0;
        for (const auto& entry : (*ldmFile)->entries()) {
            if (entry.name.rfind(prefix, 0) != 0 || entry.name.size() < 7 ||
                entry.name.substr(entry.name.size() - 7) != ".weight" ||
                (entry.shape.size() != 2 && entry.shape.size() != 4))
                continue;
            const std::string module =
                entry.name.substr(prefix.size(), entry.name.size() - prefix.size() - 7);
            const auto* weight = index.findFlattened(flattenModulePath(module));
            QVERIFY2(weight, ("no diffusers weight for LDM " + module).c_str());
            QVERIFY2(shapes.at(weight->name) == entry.shape, (module + " -> " + weight->name).c_str());
            ++checked;
        }
        // Every patchable diffusers weight has an LDM counterpart, one to one.
        QCOMPARE(checked, index.size());
    }

    // Full-size SD 1.5 and SDXL: for every LDM UNet weight of the real single-file checkpoint,
    // the model loader's conversion and our LoRA index must name the same diffusers weight.
    void ldmNamesAgreeWithLoaderConversion_data()
    {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<int>("arch");
        QTest::newRow("sd15") << "sd15_manifest.json" << int(ModelArch::SD15);
        QTest::newRow("sdxl") << "sdxl_base_manifest.json" << int(ModelArch::SDXL);
    }
    void ldmNamesAgreeWithLoaderConversion()
    {
        QFETCH(QString, manifest);
        QFETCH(int, arch);
        const std::string rel = "oracle/real_manifests/" + manifest.toStdString();
        HDR_REQUIRE_SHARED(rel);
        std::ifstream in(hdr::test::sharedPath(rel));
        const nlohmann::json m = nlohmann::json::parse(in);
        std::map<std::string, int> ranks;
        for (const auto& [name, shape] : m["diffusers"]["unet"].items())
            ranks[name] = static_cast<int>(shape.size());
        const LoraTargetIndex index(LoraComponent::Unet, ranks);
        QVERIFY(index.ambiguousNames().empty());
        const LdmLayout layout = ldmLayoutOf(ModelArch(arch));
        const std::string prefix = "model.diffusion_model.";
        std::size_t checked = 0;
        for (const auto& [key, shape] : m["ldm_single_file"].items()) {
            if (key.rfind(prefix, 0) != 0 || key.size() < 7 || key.substr(key.size() - 7) != ".weight" ||
                (shape.size() != 2 && shape.size() != 4))
                continue;
            const LdmKeyMapping mapping = mapLdmKey(key, layout);
            QVERIFY2(mapping.kind == LdmKeyKind::Converted && mapping.targets.size() == 1, key.c_str());
            const std::string module = key.substr(prefix.size(), key.size() - prefix.size() - 7);
            const auto* weight = index.findFlattened(flattenModulePath(module));
            QVERIFY2(weight, ("no LoRA target for LDM " + module).c_str());
            QVERIFY2(
                weight->name == mapping.targets[0].name,
                (module + ": LoRA index " + weight->name + ", loader " + mapping.targets[0].name).c_str());
            ++checked;
        }
        QCOMPARE(checked, index.size());
        QVERIFY(checked > 250); // 282 Linear/Conv weights in SD 1.5, more in SDXL
    }
};

HDR_TEST_MAIN(TestLoraNames)
#include "tst_lora_names.moc"
