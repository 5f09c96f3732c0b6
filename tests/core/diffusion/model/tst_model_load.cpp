// Weight loading: the tiny single-file fp16 checkpoints convert to exactly the tensors of the
// diffusers files of the same family; StableDiffusionModel loads lazily in the requested dtype and
// frees components; loadStateDict reports missing / unexpected / wrong-shaped tensors precisely.
#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "support/TestSupport.h"

#include <QtTest>

using namespace hdr::diffusion;
namespace fs = std::filesystem;

namespace {

fs::path tinyDir(const QString& family)
{
    return hdr::test::sharedPath("oracle/models/" + family.toStdString());
}

} // namespace

class TestModelLoad : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        hdr::test::initTestEnvironment();
        configureTorch(2);
    }

    void singleFileEqualsDiffusers_data()
    {
        QTest::addColumn<QString>("family");
        QTest::newRow("tiny-sd15") << "tiny-sd15";
        QTest::newRow("tiny-sdxl") << "tiny-sdxl";
    }
    void singleFileEqualsDiffusers()
    {
        QFETCH(QString, family);
        HDR_REQUIRE_SHARED("oracle/models/" + family.toStdString() + "/unet.safetensors");
        const fs::path dir = tinyDir(family);
        ModelOpenOptions options;
        options.configDir = dir;
        auto single = openModelFiles(dir / (family.toStdString() + ".ldm.fp16.safetensors"), options);
        HDR_VERIFY_OK(single);
        int compared = 0;
        for (const auto& [component, files] : single->components) {
            auto reference = loadSafetensors(dir / (std::string(nameOf(component)) + ".safetensors"));
            HDR_VERIFY_OK(reference);
            const TensorMap converted = materializeAll(files.tensors);
            QCOMPARE(converted.size(), reference->size());
            for (const auto& [name, expected] : *reference) {
                const auto it = converted.find(name);
                QVERIFY2(it != converted.end(), name.c_str());
                QCOMPARE(it->second.scalar_type(), at::kHalf);
                QVERIFY2(it->second.to(at::kFloat).equal(expected), name.c_str());
                ++compared;
            }
        }
        QVERIFY(compared > 600);
    }

    void bundleLoadsLazily()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl/unet.safetensors");
        const fs::path dir = tinyDir("tiny-sdxl");
        ModelLoadOptions options;
        options.files.configDir = dir;
        options.dtype = at::kBFloat16;
        auto model = StableDiffusionModel::open(dir / "tiny-sdxl.ldm.fp16.safetensors", options);
        HDR_VERIFY_OK(model);
        auto& m = **model;
        QCOMPARE(m.arch(), ModelArch::SDXL);
        QVERIFY(!m.isLoaded(Component::Unet));
        auto unet = m.unet();
        HDR_VERIFY_OK(unet);
        QVERIFY(m.isLoaded(Component::Unet));
        QCOMPARE((*unet)->dtype(), at::kBFloat16);
        QVERIFY(m.loadReport(Component::Unet)->complete());
        QCOMPARE(m.loadReport(Component::Unet)->loadedElements, std::int64_t(2329508)); // README count
        auto again = m.unet();
        QVERIFY(again->ptr() == unet->ptr()); // not rebuilt
        m.release(Component::Unet);
        QVERIFY(!m.isLoaded(Component::Unet));
        HDR_VERIFY_OK(m.vae());
        HDR_VERIFY_OK(m.textEncoder());
        auto te2 = m.textEncoder2();
        HDR_VERIFY_OK(te2);
        QCOMPARE((*te2)->config().projectionDim, std::int64_t(40));
        HDR_VERIFY_OK(m.tokenizer());
        HDR_VERIFY_OK(m.tokenizer2());
        QVERIFY(m.schedulerConfigJson().find("EulerDiscreteScheduler") != std::string::npos);

        // The flat folder gives the same fp32 weights as the fp16 single file.
        ModelLoadOptions fp32;
        auto flat = StableDiffusionModel::open(dir, fp32);
        HDR_VERIFY_OK(flat);
        auto fromFlat = (*flat)->vae();
        options.dtype = at::kFloat;
        auto single = StableDiffusionModel::open(dir / "tiny-sdxl.ldm.fp16.safetensors", options);
        auto fromSingle = (*single)->vae();
        HDR_VERIFY_OK(fromFlat);
        HDR_VERIFY_OK(fromSingle);
        const auto a = (*fromFlat)->named_parameters();
        const auto b = (*fromSingle)->named_parameters();
        QCOMPARE(a.size(), b.size());
        for (const auto& item : a) {
            QVERIFY2(b[item.key()].equal(item.value()), item.key().c_str());
        }
    }

    void reportIsPrecise()
    {
        // Self-made: a small VAE filled with random values, its own state dict edited.
        VaeConfig config;
        config.blockOutChannels = {8, 16};
        config.normNumGroups = 4;
        const auto cpu = at::TensorOptions().dtype(at::kFloat);
        AutoencoderKL source(config, cpu);
        TensorMap dict;
        {
            at::NoGradGuard noGrad;
            std::int64_t i = 0;
            for (const auto& item : source->named_parameters()) {
                dict[item.key()] = at::arange(item.value().numel(), cpu)
                                       .reshape(item.value().sizes())
                                       .add(double(i++))
                                       .to(at::kHalf);
            }
        }
        AutoencoderKL target(config, at::TensorOptions().dtype(at::kBFloat16));
        LoadReport full = loadStateDict(*target, dict, "vae");
        QVERIFY2(full.complete(), full.problem().c_str());
        QVERIFY(target->decoder->named_parameters()["conv_in.weight"]
                    .to(at::kFloat)
                    .equal(dict["decoder.conv_in.weight"].to(at::kBFloat16).to(at::kFloat)));

        dict.erase("encoder.conv_in.bias");
        dict["encoder.extra.weight"] = at::zeros({2});
        dict["decoder.conv_out.weight"] = at::zeros({3, 8, 1, 1});
        LoadReport report = loadStateDict(*target, dict, "vae");
        QCOMPARE(report.missing, std::vector<std::string>{"encoder.conv_in.bias"});
        QCOMPARE(report.unexpected, std::vector<std::string>{"encoder.extra.weight"});
        QCOMPARE(report.shapeMismatches.size(), std::size_t(1));
        QVERIFY2(QString::fromStdString(report.problem())
                     .contains("decoder.conv_out.weight: file [3, 8, 1, 1], model [3, 8, 3, 3]"),
                 report.problem().c_str());
    }
};

HDR_TEST_MAIN(TestModelLoad)
#include "tst_model_load.moc"
