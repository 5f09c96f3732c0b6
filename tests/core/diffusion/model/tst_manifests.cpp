// The full-size SD 1.5, SDXL base and SDXL refiner networks, built on the meta device (no memory), have
// exactly the parameter names and shapes of the real checkpoints' manifests — in diffusers naming, and in LDM
// single-file naming through our conversion — and the published parameter counts.
#include "diffusion/model/StableDiffusionModel.h"
#include "support/TestSupport.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace hdr::diffusion;
using nlohmann::json;

namespace {

KeyShapes shapesOf(const json& object)
{
    KeyShapes out;
    for (const auto& [key, shape] : object.items()) {
        out[key] = shape.get<TensorShape>();
    }
    return out;
}

KeyShapes moduleShapes(const torch::nn::Module& module)
{
    KeyShapes out;
    for (const auto& item : module.named_parameters()) {
        out[item.key()] = TensorShape(item.value().sizes().begin(), item.value().sizes().end());
    }
    return out;
}

QString firstDifference(const KeyShapes& expected, const KeyShapes& actual)
{
    for (const auto& [key, shape] : expected) {
        const auto it = actual.find(key);
        if (it == actual.end()) {
            return "module lacks " + QString::fromStdString(key);
        }
        if (it->second != shape) {
            return "shape of " +
                   QString::fromStdString(key + " " + shapeText(it->second) + " vs " + shapeText(shape));
        }
    }
    for (const auto& [key, shape] : actual) {
        if (!expected.count(key)) {
            return "module has extra " + QString::fromStdString(key);
        }
    }
    return {};
}

} // namespace

class TestManifests : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { hdr::test::initTestEnvironment(); }

    void fullSizeModules_data()
    {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<int>("arch");
        QTest::newRow("sd15") << "sd15_manifest.json" << int(ModelArch::SD15);
        QTest::newRow("sdxl") << "sdxl_base_manifest.json" << int(ModelArch::SDXL);
        QTest::newRow("sdxl-refiner") << "sdxl_refiner_manifest.json" << int(ModelArch::SDXLRefiner);
    }
    void fullSizeModules()
    {
        QFETCH(QString, manifest);
        QFETCH(int, arch);
        const std::string rel = "oracle/real_manifests/" + manifest.toStdString();
        HDR_REQUIRE_SHARED(rel);
        std::ifstream in(hdr::test::sharedPath(rel));
        const json m = json::parse(in);
        const bool xl = isSdxlFamily(ModelArch(arch));
        const bool refiner = arch == int(ModelArch::SDXLRefiner);

        ComponentConfigs presets;
        presets.unet = refiner ? UNetConfig::sdxlRefiner() : xl ? UNetConfig::sdxlBase() : UNetConfig::sd15();
        presets.vae = xl ? VaeConfig::sdxl() : VaeConfig::sd15();
        presets.textEncoder = ClipTextConfig::clipL();
        presets.textEncoder2 = ClipTextConfig::openClipBigG();
        // The same networks from the manifests' diffusers configs.
        ComponentConfigs fromJson = presets;
        auto unet = UNetConfig::fromJson(m["configs"]["unet"]);
        HDR_VERIFY_OK(unet);
        fromJson.unet = *unet;
        if (m["configs"].contains("vae")) { // the refiner's manifest lists its UNet only
            auto vae = VaeConfig::fromJson(m["configs"]["vae"]);
            HDR_VERIFY_OK(vae);
            fromJson.vae = *vae;
        }

        const KeyShapes ldm = shapesOf(m["ldm_single_file"]);
        QCOMPARE(std::int64_t(ldm.size()), m["ldm_single_file_count"].get<std::int64_t>());
        const auto converted = convertLdmShapes(ldm, ldmLayoutOf(ModelArch(arch)));
        const auto meta = at::TensorOptions().dtype(at::kFloat).device(at::kMeta);
        for (const auto& [name, expectedJson] : m["diffusers"].items()) {
            const Component component = componentFromName(name).value();
            const KeyShapes expected = shapesOf(expectedJson);
            for (const ComponentConfigs* configs : {&presets, &fromJson}) {
                auto module = buildComponent(component, *configs, meta);
                const KeyShapes actual = moduleShapes(*module);
                const QString diff = firstDifference(expected, actual);
                QVERIFY2(diff.isEmpty(), qPrintable(QString::fromStdString(name) + ": " + diff));
                std::int64_t count = 0;
                for (const auto& p : module->parameters()) {
                    QVERIFY(p.is_meta());
                    count += p.numel();
                }
                QCOMPARE(count, m["param_counts"][name].get<std::int64_t>());
                // LDM names through the conversion: a complete state dict for the module.
                const LoadReport report = checkStateDict(*module, converted.at(component), name);
                QVERIFY2(report.complete(), report.problem().c_str());
                QCOMPARE(report.loadedTensors, std::int64_t(expected.size()));
            }
        }
    }
};

HDR_TEST_MAIN(TestManifests)
#include "tst_manifests.moc"
