// Learned exposure selection: pair indexing, data from HDR files ranked by the brute-force
// Mertens ranker (and its cache), both backbones trained with the generic loop, and inference.
#include "support/TestSupport.h"

#include "expsel/ExposureDataset.h"
#include "expsel/ExposureSelector.h"
#include "io/ImageIO.h"
#include "stacks/ExposureSelection.h"
#include "stacks/SyntheticBrackets.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <numeric>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

core::ImageF scene(int variant)
{
    core::ImageF img(96, 64, 3);
    for (int y = 0; y < 64; ++y) {
        for (int x = 0; x < 96; ++x) {
            const float u = float(x) / 96.0f;
            const float dark = 0.01f + 0.05f * std::sin(0.4f * float(x)) * std::sin(0.3f * float(y)) + 0.05f;
            const float bright = 8.0f * float(1 + variant) * (0.6f + 0.4f * std::cos(0.5f * float(y + x)));
            const float v = u < 0.5f ? dark : bright;
            float* p = img.pixel(x, y);
            p[0] = v;
            p[1] = v * 0.9f;
            p[2] = v * (0.7f + 0.1f * float(variant));
        }
    }
    return img;
}

} // namespace

class TestExposureSelector : public QObject {
    Q_OBJECT

private slots:
    void pairIndexing()
    {
        for (int n = 2; n <= 9; ++n) {
            int k = 0;
            for (int i = 0; i < n; ++i) {
                for (int j = i + 1; j < n; ++j, ++k) {
                    QCOMPARE(expsel::pairIndex(i, j, n), k);
                    QCOMPARE(expsel::pairFromIndex(k, n), std::make_pair(i, j));
                }
            }
            QCOMPARE(k, expsel::pairCount(n));
        }
    }

    void datasetLabelsAreTheBruteForceBestAndAreCached()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        expsel::ExposureDataOptions o;
        for (int v = 0; v < 2; ++v) {
            o.hdrFiles.push_back(root / ("scene" + std::to_string(v) + ".exr"));
            HDR_VERIFY_OK(core::writeImage(scene(v), o.hdrFiles.back()));
        }
        o.exposures = 4;
        o.samplesPerScene = 3;
        o.rankSize = 48;
        o.thumbSize = 16;
        o.cacheFile = root / "stats.json";
        bool built = false;
        auto samples = expsel::buildExposureDataset(o, core::nullJobContext(), &built);
        HDR_VERIFY_OK(samples);
        QVERIFY(built);
        QCOMPARE(samples->size(), std::size_t(6));
        for (const auto& s : *samples) {
            QCOMPARE(int(s.pairScores.size()), expsel::pairCount(4));
            QCOMPARE(s.thumbnails.size(), std::size_t(4 * 3 * 16 * 16));
            const auto best =
                std::max_element(s.pairScores.begin(), s.pairScores.end()) - s.pairScores.begin();
            QCOMPARE(int(best), s.bestPair);
            QVERIFY(std::is_sorted(s.evs.begin(), s.evs.end()));
        }
        auto again = expsel::buildExposureDataset(o, core::nullJobContext(), &built);
        HDR_VERIFY_OK(again);
        QVERIFY(!built); // from the statistics cache
        QCOMPARE(again->size(), samples->size());
        QVERIFY(again->front().thumbnails == samples->front().thumbnails);
        QCOMPARE(again->back().bestPair, samples->back().bestPair);
        o.exposures = 5; // another key: built again
        auto rebuilt = expsel::buildExposureDataset(o, core::nullJobContext(), &built);
        HDR_VERIFY_OK(rebuilt);
        QVERIFY(built);
    }

    void bothBackbonesTrainAndPredict_data()
    {
        QTest::addColumn<QString>("backbone");
        QTest::newRow("mobilenetv2") << QStringLiteral("mobilenetv2");
        QTest::newRow("tiny") << QStringLiteral("tiny");
    }
    void bothBackbonesTrainAndPredict()
    {
        QFETCH(QString, backbone);
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        expsel::ExposureTrainRequest r;
        for (int v = 0; v < 2; ++v) {
            r.data.hdrFiles.push_back(root / ("scene" + std::to_string(v) + ".exr"));
            HDR_VERIFY_OK(core::writeImage(scene(v), r.data.hdrFiles.back()));
        }
        r.data.exposures = 3;
        r.data.samplesPerScene = 5;
        r.data.rankSize = 32;
        r.data.thumbSize = 16;
        r.net.backbone = backbone.toStdString();
        r.batchSize = 4;
        r.batchesPerEpoch = 3;
        r.training.runsRoot = root / "runs";
        r.training.epochs = 2;
        r.training.validationBatches = 2;
        r.training.vizSamples = 0;
        auto report = expsel::trainExposureSelector(r, core::nullJobContext());
        HDR_VERIFY_OK(report);
        QCOMPARE(report->trainSamples + report->validationSamples, 10);
        QVERIFY(std::isfinite(report->result.lastTrainLoss));
        std::ifstream metrics(fs::path(report->result.runDir) / "logs" / "metrics.csv");
        std::string header;
        std::getline(metrics, header);
        QVERIFY2(header.find("accuracy") != std::string::npos &&
                     header.find("quality_lost") != std::string::npos,
                 header.c_str());

        auto model =
            expsel::ExposureSelectorModel::load(fs::path(report->result.runDir) / "checkpoints" / "best.pt");
        HDR_VERIFY_OK(model);
        QCOMPARE(model->config().backbone, backbone.toStdString());
        core::BracketParams bp;
        bp.evs = {-3.0f, 0.0f, 3.0f};
        auto frames = core::synthesizeBrackets(scene(0), bp, core::nullJobContext());
        HDR_VERIFY_OK(frames);
        std::vector<core::ImageF> bracket;
        for (auto& f : *frames) {
            bracket.push_back(f.signal);
        }
        auto probs = model->pairProbabilities(bracket);
        HDR_VERIFY_OK(probs);
        QCOMPARE(probs->size(), std::size_t(3));
        QVERIFY(std::abs(std::accumulate(probs->begin(), probs->end(), 0.0f) - 1.0f) < 1e-5f);
        bracket.pop_back();
        QVERIFY(!model->pairProbabilities(bracket)); // trained on 3 exposures, given 2
    }
};

HDR_TEST_MAIN(TestExposureSelector)
#include "tst_exposure_selector.moc"
