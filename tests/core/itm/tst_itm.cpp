// The LDR -> HDR network: its maths, the data (folders, synthesis, size rule), tiled inference,
// and a short real training run through the generic loop, then `infer` and `export`.
#include "ItmTestScenes.h"
#include "support/TestSupport.h"

#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "itm/ItmDataset.h"
#include "itm/ItmInference.h"
#include "itm/ItmNetwork.h"
#include "itm/ItmTraining.h"
#include "itm/LdrSynthesis.h"
#include "runlog/RunFolder.h"
#include "training/Checkpoint.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/utils.h>

#include <fstream>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

core::ImageF ldrOf(const core::ImageF& hdr)
{
    core::ImageF out(hdr.width(), hdr.height(), 3);
    for (std::int64_t i = 0; i < hdr.pixelCount() * 3; ++i) {
        out.data()[i] = std::min(1.0f, hdr.data()[i]);
    }
    return out;
}

// A checkpoint of a network whose residual branch is random (an untrained one is the identity).
fs::path randomCheckpoint(const fs::path& dir, int tile, int overlap)
{
    torch::manual_seed(3);
    itm::ItmModelMeta meta;
    meta.net.baseChannels = 8;
    meta.net.dilations = {1, 2};
    meta.tile = tile;
    meta.overlap = overlap;
    itm::ItmNet net(meta.net);
    {
        torch::NoGradGuard g;
        net->tail->weight.normal_(0.0, 0.05);
    }
    const fs::path p = dir / "random.pt";
    auto s = training::saveCheckpoint(p, *net, nullptr, {{"model", meta.toJson()}});
    return s ? p : fs::path();
}

} // namespace

class TestItm : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void untrainedNetworkIsTheIdentityAndOutputIsNonNegative()
    {
        itm::ItmNetConfig config;
        config.baseChannels = 8;
        itm::ItmNet net(config);
        const auto x = torch::rand({2, 3, 20, 24}) * 0.98 + 0.01;
        const auto y = net->forward(x);
        QCOMPARE(y.sizes(), x.sizes());
        // Below the highlight mask (display level 0.95) every pixel is its inverse-gamma value,
        // exactly; near clipping the untrained additions are tiny (softplus(-6) = 0.25 %).
        const auto brightest = std::get<0>(x.pow(1.0 / 2.2).max(1, true)).expand_as(x);
        const auto below = brightest < 0.95;
        QVERIFY(torch::equal(y.masked_select(below), x.masked_select(below)));
        // Above it, the zero tail gives offset = log gain = softplus(-6) scaled by the mask:
        // y - x lies in [0, (x + s)e^s - x].
        const double s = std::log1p(std::exp(-6.0));
        const auto bound = (x + s) * std::exp(s) - x + 1e-6;
        QVERIFY(((y - x) >= -1e-6).all().item<bool>());
        QVERIFY(((y - x) <= bound).all().item<bool>());
        net->tail->weight.data().normal_(0.0, 1.0);
        const auto trained = net->forward(x);
        QVERIFY(trained.min().item<float>() >= 0.0f);
        // A clipped highlight only ever gains light.
        QVERIFY((trained - x).min().item<float>() >= 0.0f);
        QVERIFY(torch::equal(trained.masked_select(below), x.masked_select(below)));
        // The network size budget of the shipped model (base 16): well under 2 MB of float32.
        itm::ItmNet shipped(itm::ItmNetConfig{});
        std::int64_t params = 0;
        for (const auto& p : shipped->parameters()) {
            params += p.numel();
        }
        QVERIFY2(params * 4 < 2'000'000, qPrintable(QString::number(params)));
    }

    void hybridLossFormula()
    {
        const auto p = torch::tensor({0.5f, 2.0f, 10.0f});
        const auto t = torch::tensor({1.0f, 2.0f, 4.0f});
        const double l1 = (0.5 + 0 + 6) / 3.0;
        const double logL1 =
            (std::abs(std::log1p(0.5) - std::log1p(1.0)) + std::abs(std::log1p(10.0) - std::log1p(4.0))) /
            3.0;
        QVERIFY(std::abs(itm::hybridLoss(p, t, 0.5f).item<double>() - (0.5 * l1 + 0.5 * logL1)) < 1e-6);
        QVERIFY(std::abs(itm::hybridLoss(p, t, 1.0f).item<double>() - l1) < 1e-6);
        QVERIFY(std::abs(itm::hybridLoss(p, t, 0.0f).item<double>() - logL1) < 1e-6);
        const auto padded = itm::padToMultipleOf4(torch::rand({1, 3, 10, 13}));
        QCOMPARE(padded.size(2), std::int64_t(12));
        QCOMPARE(padded.size(3), std::int64_t(16));
    }

    void synthesisedPairsClipAndMatchBelowWhite()
    {
        const auto scene = test::makeHdrScene(96, 64, 0);
        int srgbSeen = 0;
        for (std::uint64_t seed = 1; seed <= 12; ++seed) {
            auto pair = itm::synthesisePair(scene, seed);
            HDR_VERIFY_OK(pair);
            QCOMPARE(pair->ldrLinear.width(), 96);
            QCOMPARE(pair->hdr.channels(), 3);
            // The sensor saturates at target 1.0: those samples all hold the curve's top code.
            int clipped = 0;
            float maxTarget = 0, maxLdr = 0;
            for (std::int64_t i = 0; i < pair->hdr.pixelCount() * 3; ++i) {
                const float l = pair->ldrLinear.data()[i];
                QVERIFY(l >= 0.0f && l <= 1.0f);
                maxLdr = std::max(maxLdr, l);
                maxTarget = std::max(maxTarget, pair->hdr.data()[i]);
            }
            for (std::int64_t i = 0; i < pair->hdr.pixelCount() * 3; ++i) {
                if (pair->hdr.data()[i] > 1.0f) {
                    ++clipped;
                    if (pair->recipe.ends_with("jpeg=0")) {
                        QCOMPARE(pair->ldrLinear.data()[i], maxLdr);
                    }
                }
            }
            QVERIFY2(clipped > 0, pair->recipe.c_str());
            QVERIFY(maxTarget > 2.0f); // the highlight is far above the LDR's white
            // An sRGB camera without JPEG: the LDR is the quantised, clipped target.
            if (pair->recipe.starts_with("srgb") && pair->recipe.ends_with("jpeg=0")) {
                ++srgbSeen;
                for (std::int64_t i = 0; i < pair->hdr.pixelCount() * 3; ++i) {
                    const float t = pair->hdr.data()[i];
                    if (t < 0.9f) {
                        QVERIFY(std::abs(core::srgbEncode(pair->ldrLinear.data()[i]) - core::srgbEncode(t)) <=
                                0.6f / 255.0f);
                    }
                }
            }
            auto again = itm::synthesisePair(scene, seed);
            QVERIFY(std::equal(
                again->ldrLinear.data(), again->ldrLinear.data() + 96 * 64 * 3, pair->ldrLinear.data()));
        }
        QVERIFY(srgbSeen > 0);
    }

    void pairFoldersMatchByNameWithTheSizeRule()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        fs::create_directories(root / "ldr");
        fs::create_directories(root / "hdr");
        core::WriteOptions png;
        png.format = core::FileFormat::Png;
        for (int i = 0; i < 3; ++i) {
            const auto hdr = test::makeHdrScene(80, 72, i);
            HDR_VERIFY_OK(core::writeImage(hdr, root / "hdr" / ("s" + std::to_string(i) + ".exr")));
            HDR_VERIFY_OK(
                core::writeImage(ldrOf(hdr), root / "ldr" / ("s" + std::to_string(i) + ".png"), png));
        }
        const auto small = test::makeHdrScene(40, 40, 9);
        HDR_VERIFY_OK(core::writeImage(small, root / "hdr" / "small.exr"));
        HDR_VERIFY_OK(core::writeImage(ldrOf(small), root / "ldr" / "small.png", png));
        HDR_VERIFY_OK(core::writeImage(ldrOf(small), root / "ldr" / "orphan.png", png));
        itm::ItmDataOptions o;
        o.pairsDir = root;
        o.minSize = 64;
        o.tile = 32;
        o.validationFraction = 0.34;
        auto data = itm::loadItmDataset(o, core::nullJobContext());
        HDR_VERIFY_OK(data);
        QCOMPARE(int(data->train.size() + data->validation.size()), 3);
        QCOMPARE(int(data->validation.size()), 1);
        QCOMPARE(int(data->skipped.size()), 2); // small (size rule) and orphan (no HDR)
        // sRGB -> linear on load: the PNG's values are the clipped HDR, linear again.
        const auto& p = data->train.front();
        QVERIFY(std::abs(p.ldrLinear.pixel(5, 5)[1] - std::min(1.0f, p.hdr.pixel(5, 5)[1])) < 0.01f);
        o.minSize = 1024; // the default rule skips all of them
        QVERIFY(!itm::loadItmDataset(o, core::nullJobContext()));
    }

    void tiledInferenceBlendsSeams()
    {
        QTemporaryDir tmp;
        const auto checkpoint = randomCheckpoint(fs::path(tmp.path().toStdString()), 64, 24);
        QVERIFY(!checkpoint.empty());
        auto model = itm::ItmModel::load(checkpoint);
        HDR_VERIFY_OK(model);
        QCOMPARE(model->meta().tile, 64);
        const auto ldr = ldrOf(test::makeHdrScene(150, 110, 1));
        auto whole = model->expand(ldr, core::nullJobContext(), 512, 0);
        auto tiled = model->expand(ldr, core::nullJobContext()); // the checkpoint's 64 px, 24 overlap
        auto hard = model->expand(ldr, core::nullJobContext(), 64, 0);
        HDR_VERIFY_OK(whole);
        HDR_VERIFY_OK(tiled);
        HDR_VERIFY_OK(hard);
        double blendErr = 0, hardErr = 0, mean = 0;
        for (std::int64_t i = 0; i < whole->pixelCount() * 3; ++i) {
            blendErr += std::abs(tiled->data()[i] - whole->data()[i]);
            hardErr += std::abs(hard->data()[i] - whole->data()[i]);
            mean += whole->data()[i];
        }
        QVERIFY2(blendErr < 0.02 * mean, qPrintable(QStringLiteral("%1 vs %2").arg(blendErr).arg(mean)));
        QVERIFY(blendErr < hardErr); // blending the overlap beats butting tiles together
        // The residual does something: the output is not the input.
        double diff = 0;
        for (std::int64_t i = 0; i < ldr.pixelCount() * 3; ++i) {
            diff += std::abs(whole->data()[i] - ldr.data()[i]);
        }
        QVERIFY(diff > 1.0);
    }

    void shortTrainingThenInferAndExport()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        std::vector<fs::path> files;
        for (int i = 0; i < 3; ++i) {
            files.push_back(root / ("scene" + std::to_string(i) + ".exr"));
            HDR_VERIFY_OK(core::writeImage(test::makeHdrScene(96, 80, i), files.back()));
        }
        itm::ItmTrainRequest r;
        r.data.hdrFiles = {files[0], files[1]};
        r.data.validationHdrFiles = {files[2]};
        r.data.minSize = 64;
        r.data.synthVariants = 2;
        r.data.tile = 32;
        r.data.batchSize = 4;
        r.data.batchesPerEpoch = 3;
        r.data.scaleJitter = 1.5f;
        r.model.net.baseChannels = 8;
        r.model.net.dilations = {1, 2};
        r.model.tile = 64;
        r.model.overlap = 16;
        r.training.runsRoot = root / "runs";
        r.training.tag = "itm";
        r.training.epochs = 2;
        r.training.lr = 2e-3;
        r.training.validationBatches = 2;
        r.training.vizSamples = 1;
        auto report = itm::trainItm(r, core::nullJobContext());
        HDR_VERIFY_OK(report);
        QCOMPARE(report->trainPairs, 4);
        QCOMPARE(report->validationPairs, 2);
        const runlog::RunPaths paths(report->result.runDir);
        std::ifstream metrics(paths.metricsCsv());
        std::string header;
        std::getline(metrics, header);
        for (const char* name : {"psnr", "ssim", "pu21-psnr", "log-psnr"}) {
            QVERIFY2(header.find(name) != std::string::npos, header.c_str());
        }
        QVERIFY(fs::is_regular_file(paths.viz() / runlog::vizFileName(2, 0)));
        auto viz = core::readImage(paths.viz() / runlog::vizFileName(2, 0));
        HDR_VERIFY_OK(viz);
        QCOMPARE(viz->width(), 3 * 96); // input | prediction | truth
        auto meta = training::readCheckpointMetadata(paths.checkpoints() / "best.pt");
        HDR_VERIFY_OK(meta);
        QCOMPARE((*meta)["model"]["tile"].get<int>(), 64);
        QCOMPARE((*meta)["model"]["alpha_loss"].get<double>(), 0.5);

        // Inference with the trained checkpoint: a half EXR and a preview PNG.
        core::WriteOptions png;
        png.format = core::FileFormat::Png;
        const auto ldr = ldrOf(test::makeHdrScene(100, 70, 5));
        HDR_VERIFY_OK(core::writeImage(ldr, root / "in.png", png));
        itm::ItmInferRequest infer;
        infer.input = root / "in.png";
        infer.output = root / "out.exr";
        infer.preview = root / "out_preview.png";
        infer.checkpoint = paths.checkpoints() / "best.pt";
        auto inferred = itm::runItmInference(infer, core::nullJobContext());
        HDR_VERIFY_OK(inferred);
        QCOMPARE(inferred->tiles, 4); // 100 x 70 in 64 px tiles with 16 px overlap: 2 x 2
        auto exr = core::readImage(root / "out.exr");
        HDR_VERIFY_OK(exr);
        QCOMPARE(exr->width(), 100);
        QCOMPARE(exr->metadata.sourcePixelType, std::string("half"));
        QVERIFY(fs::is_regular_file(root / "out_preview.png"));
        QVERIFY(!itm::runItmInference(infer, core::nullJobContext())); // no overwrite without asking

        // Export without the optimizer: smaller, and it still loads.
        HDR_VERIFY_OK(training::exportWeightsOnly(paths.checkpoints() / "best.pt", root / "model.pt", false));
        QVERIFY(fs::file_size(root / "model.pt") < fs::file_size(paths.checkpoints() / "best.pt"));
        HDR_VERIFY_OK(itm::ItmModel::load(root / "model.pt"));
    }
};

HDR_TEST_MAIN(TestItm)
#include "tst_itm.moc"
