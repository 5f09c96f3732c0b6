// ESRGAN / Real-ESRGAN loading: the real Real-ESRGAN release manifests (RealESRGAN_x4plus,
// _x4plus_anime_6B, _x2plus: names, shapes, parameter counts, and the old "model.N" names) against
// what our loader builds; the tiny oracle networks in every file format giving the same network;
// refusals of files that are not RRDBNets; Real-ESRGAN tiling equal to the untiled pass away from
// the tile seams; the Lanczos resamplers.
#include "diffusion/SafetensorsTorch.h"
#include "image/Resample.h"
#include "support/TestSupport.h"
#include "upscale/EsrganModel.h"
#include "upscale/RealEsrganer.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <c10/core/InferenceMode.h>

#include <cmath>
#include <fstream>

using namespace hdr::diffusion;
namespace fs = std::filesystem;

class TestEsrgan : public QObject {
    Q_OBJECT

private slots:
    void realManifestsMatchTheBuiltNetworks()
    {
        HDR_REQUIRE_SHARED("oracle/real_manifests/realesrgan_manifest.json");
        std::ifstream in(hdr::test::sharedPath("oracle/real_manifests/realesrgan_manifest.json"));
        const auto manifest = nlohmann::json::parse(in);
        int checked = 0;
        for (const char* name : {"RealESRGAN_x4plus", "RealESRGAN_x4plus_anime_6B", "RealESRGAN_x2plus"}) {
            const auto& m = manifest.at(name);
            RrdbKeyShapes keys;
            for (const auto& [k, v] : m.at("keys").items())
                keys[k] = v.get<std::vector<int64_t>>();
            QCOMPARE(keys.size(), m.at("num_keys").get<std::size_t>());
            const auto config = inferRrdbNetConfig(keys);
            HDR_VERIFY_OK(config);
            const auto& ctor = m.at("constructor");
            QCOMPARE(config->scale, ctor.at("scale").get<int64_t>());
            QCOMPARE(config->inChannels, ctor.at("num_in_ch").get<int64_t>());
            QCOMPARE(config->outChannels, ctor.at("num_out_ch").get<int64_t>());
            if (ctor.contains("num_block")) QCOMPARE(config->numBlock, ctor.at("num_block").get<int64_t>());
            RrdbNet net(*config, at::TensorOptions().device(at::kMeta));
            int64_t parameters = 0;
            std::size_t names = 0;
            for (const auto& p : net->named_parameters()) {
                QVERIFY2(keys.count(p.key()), p.key().c_str());
                QCOMPARE(p.value().sizes().vec(), keys.at(p.key()));
                parameters += p.value().numel();
                ++names;
            }
            QCOMPARE(names, keys.size());
            QCOMPARE(parameters, m.at("parameters").get<int64_t>());
            if (m.contains("old_esrgan_keys")) {
                RrdbKeyShapes old;
                for (const auto& [k, v] : m.at("old_esrgan_keys").items())
                    old[k] = v.get<std::vector<int64_t>>();
                QVERIFY(isOldEsrganLayout(old));
                const int64_t blocks = oldEsrganBlockCount(old);
                QCOMPARE(blocks, config->numBlock);
                for (const auto& [k, shape] : old) {
                    const auto basicsr = basicsrNameOfOldEsrgan(k, blocks);
                    QVERIFY2(basicsr && keys.count(*basicsr) && keys.at(*basicsr) == shape, k.c_str());
                }
            }
            ++checked;
        }
        QCOMPARE(checked, 3);
    }

    void everyFileFormatLoadsTheSameNetwork()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-rrdbnet-x4");
        const fs::path dir = hdr::test::sharedPath("oracle/models/tiny-rrdbnet-x4");
        at::manual_seed(1);
        const at::Tensor x = at::rand({1, 3, 12, 16});
        at::Tensor reference;
        for (const char* file : {"tiny-rrdbnet-x4.pth",
                                 "tiny-rrdbnet-x4.safetensors",
                                 "tiny-rrdbnet-x4.esrgan-old.pth",
                                 "tiny-rrdbnet-x4.esrgan-old.safetensors"}) {
            auto model = loadEsrganModel(dir / file);
            HDR_VERIFY_OK(model);
            QCOMPARE(model->info.config.scale, int64_t(4));
            QCOMPARE(model->info.config.numFeat, int64_t(16));
            QCOMPARE(model->info.config.numBlock, int64_t(2));
            QCOMPARE(
                model->info.layout,
                std::string(std::string(file).find("old") != std::string::npos ? "esrgan-old" : "basicsr"));
            c10::InferenceMode guard;
            const at::Tensor y = model->net->forward(x);
            QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{1, 3, 48, 64}));
            if (!reference.defined()) {
                reference = y;
                QCOMPARE(model->info.source, std::string("params_ema"));
            } else {
                QCOMPARE((y - reference).abs().max().item<double>(), 0.0);
            }
        }
        for (int scale : {2, 1}) {
            const std::string name = "tiny-rrdbnet-x" + std::to_string(scale);
            auto model =
                loadEsrganModel(hdr::test::sharedPath("oracle/models/" + name + "/" + name + ".pth"));
            HDR_VERIFY_OK(model);
            QCOMPARE(model->info.config.scale, int64_t(scale));
            QCOMPARE(model->info.config.inChannels, int64_t(3));
        }
    }

    void refusesOtherFiles()
    {
        QTemporaryDir dir;
        // A safetensors file of something else (a UNet-like conv) is not an RRDBNet.
        const fs::path other = fs::path(dir.path().toStdString()) / "other.safetensors";
        HDR_VERIFY_OK(writeSafetensors(other, {{"conv_in.weight", at::zeros({4, 3, 3, 3})}}));
        auto refused = loadEsrganModel(other);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, hdr::core::ErrorCode::UnsupportedFormat);
        QVERIFY(refused.error().message.find("RRDBNet") != std::string::npos);
        // A file that is neither format.
        const fs::path junk = fs::path(dir.path().toStdString()) / "junk.pth";
        std::ofstream(junk) << "not a checkpoint at all";
        QVERIFY(!loadEsrganModel(junk));
        QVERIFY(!loadEsrganModel(fs::path(dir.path().toStdString()) / "missing.pth"));
    }

    // Tiles see less context near their borders; away from the seams a tiled pass equals the
    // untiled one, and the output size is always input x scale.
    void tilingMatchesTheWholeImageAwayFromSeams()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-rrdbnet-x2");
        auto model =
            loadEsrganModel(hdr::test::sharedPath("oracle/models/tiny-rrdbnet-x2/tiny-rrdbnet-x2.pth"));
        HDR_VERIFY_OK(model);
        at::manual_seed(2);
        const at::Tensor img = at::rand({1, 3, 37, 29});
        RealEsrganOptions whole;
        whole.prePad = 4;
        RealEsrganOptions tiled = whole;
        tiled.tile = 16;
        tiled.tilePad = 8;
        RealEsrganTrace trace;
        const at::Tensor a = enhanceWithRealEsrgan(*model->net, img, whole, hdr::core::nullJobContext());
        const at::Tensor b =
            enhanceWithRealEsrgan(*model->net, img, tiled, hdr::core::nullJobContext(), &trace);
        QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{1, 3, 74, 58}));
        QCOMPARE(b.sizes(), a.sizes());
        QCOMPARE(trace.tiles.size(), std::size_t(3 * 3)); // 42x34 padded -> 3 x 3 tiles of 16
        // Tile interiors (at least tilePad from every seam) agree closely; the network's receptive
        // field is larger than the pad, so not bit for bit.
        const double interior = (a.slice(2, 0, 16).slice(3, 0, 16) - b.slice(2, 0, 16).slice(3, 0, 16))
                                    .abs()
                                    .max()
                                    .item<double>();
        QVERIFY2(interior < 1e-3, qPrintable(QString::number(interior)));
        bool refused = false;
        try {
            enhanceWithRealEsrgan(*model->net,
                                  img,
                                  RealEsrganOptions{.tile = 0, .tilePad = 0, .prePad = 40},
                                  hdr::core::nullJobContext());
        } catch (const std::invalid_argument&) {
            refused = true; // a pre pad larger than the image cannot reflect
        }
        QVERIFY(refused);
    }

    void lanczosResamplers()
    {
        // Constant images stay constant; a linear ramp stays linear away from the borders.
        hdr::core::ImageF ramp(64, 8, 3);
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 64; ++x)
                for (int c = 0; c < 3; ++c)
                    ramp.pixel(x, y)[c] = float(x);
        auto up = hdr::core::resizeLanczos(ramp, 128, 16);
        HDR_VERIFY_OK(up);
        // Reference: the normalised Lanczos-3 sum written out here (a windowed sinc does not
        // reproduce a ramp exactly: ~0.02 off at the quarter-pixel phases of a 2x upscale).
        auto lanczos3 = [](double t) {
            if (t == 0.0) return 1.0;
            if (std::abs(t) >= 3.0) return 0.0;
            const double pt = M_PI * t;
            return 3.0 * std::sin(pt) * std::sin(pt / 3.0) / (pt * pt);
        };
        for (int x = 8; x < 120; ++x) {
            const double centre = (x + 0.5) / 2.0 - 0.5;
            double sum = 0.0, weights = 0.0;
            for (int i = int(std::floor(centre)) - 3; i <= int(std::floor(centre)) + 4; ++i) {
                const double w = lanczos3(centre - i);
                sum += w * i;
                weights += w;
            }
            QVERIFY(std::abs(up->pixel(x, 5)[1] - sum / weights) < 1e-4);
        }
        auto down = hdr::core::resizeLanczos(ramp, 16, 2);
        HDR_VERIFY_OK(down);
        QVERIFY(std::abs(down->pixel(8, 1)[0] - 33.5f) < 0.05f);
        QVERIFY(!hdr::core::resizeLanczos(ramp, 0, 10));
        // OpenCV's fixed-point 8-bit path: a constant image stays exactly constant.
        const std::vector<std::uint8_t> flat(10 * 7 * 3, 200);
        const auto out = hdr::core::resizeLanczos4OpenCv8(flat, 10, 7, 3, 25, 13);
        QCOMPARE(out.size(), std::size_t(25 * 13 * 3));
        for (auto v : out)
            QCOMPARE(int(v), 200);
    }
};

HDR_TEST_MAIN(TestEsrgan)
#include "tst_esrgan.moc"
