// Exposure-bracketed generation (issue 6) on the tiny oracle SD1.5 model at 64x64: the base runs
// once and the branches continue exactly from it (zero-EV branches reproduce a plain generation,
// also for multistep and ancestral samplers), UNet call counts, batched == sequential branches,
// reference-strategy brackets ordered by exposure, every output format written and read back,
// the JSON's content, and cancellation mid-branch leaving no files. The merge/output half is also
// tested on brackets this test renders itself (no model needed).
#include "bracketed/BracketedGeneration.h"
#include "bracketed/BracketedOutput.h"
#include "bracketed/BracketedRequest.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace hdr::diffusion;
namespace fs = std::filesystem;

namespace {

constexpr const char* kModel = "oracle/models/tiny-sd15/unet.safetensors";

fs::path tinyDir()
{
    return hdr::test::sharedPath("oracle/models/tiny-sd15");
}

template <typename T> T take(hdr::core::Result<T> r)
{
    if (!r) {
        throw std::runtime_error(r.error().describe());
    }
    return std::move(*r);
}

struct Tiny {
    std::shared_ptr<StableDiffusionModel> model;
    UNet2DConditionModel unet{nullptr};
    AutoencoderKL vae{nullptr};
    PromptEmbeddings prompt;
};

Tiny loadTiny()
{
    Tiny t;
    t.model = take(StableDiffusionModel::open(tinyDir()));
    t.unet = take(t.model->unet());
    t.vae = take(t.model->vae());
    at::manual_seed(7); // embeddings: random stand-ins of the text encoder's shape (the UNet does not care)
    const int64_t context = t.unet->config().crossAttentionDim;
    t.prompt.cond = at::randn({1, 77, context});
    t.prompt.uncond = at::randn({1, 77, context});
    return t;
}

std::unique_ptr<Scheduler>
schedulerFor(const StableDiffusionModel& model, const std::string& sampler, int steps)
{
    const auto base = take(SchedulerConfig::fromJsonText(model.schedulerConfigJson()));
    auto s = makeScheduler(take(configForSampler(sampler, base)));
    s->setTimesteps(steps);
    return s;
}

// Cancels when a progress stage starts with `trigger`.
class CancelAt final : public hdr::core::JobContext {
public:
    explicit CancelAt(std::string trigger)
        : m_trigger(std::move(trigger))
    {
    }
    bool isCancelled() const override { return m_cancelled; }
    void setProgress(double, std::string_view stage) override
    {
        m_cancelled = m_cancelled || stage.substr(0, m_trigger.size()) == m_trigger;
    }

private:
    std::string m_trigger;
    bool m_cancelled = false;
};

// A scene with a 6-stop luminance ramp rendered at the given EVs (sRGB display values).
std::vector<hdr::core::ImageF> renderBrackets(const std::vector<double>& evs)
{
    std::vector<hdr::core::ImageF> out;
    for (const double ev : evs) {
        hdr::core::ImageF image(96, 64, 3);
        for (int y = 0; y < 64; ++y) {
            for (int x = 0; x < 96; ++x) {
                const double radiance = 0.02 * std::exp2(6.0 * x / 95.0) * (0.6 + 0.4 * y / 63.0);
                const float rgb[3] = {float(radiance), float(radiance * 0.8), float(radiance * 0.6)};
                for (int c = 0; c < 3; ++c) {
                    const float v = std::clamp(float(rgb[c] * std::exp2(ev)), 0.0f, 1.0f);
                    image.pixel(x, y)[c] = hdr::core::encode(hdr::core::Transfer::srgb(), v);
                }
            }
        }
        out.push_back(std::move(image));
    }
    return out;
}

BracketedRequest tinyRequest(const fs::path& out)
{
    BracketedRequest r;
    r.model = tinyDir();
    r.width = 64;
    r.height = 64;
    r.steps = 6;
    r.seed = 42;
    r.prompt = "a bright window in a dark room";
    r.negative = "blurry";
    r.outputDir = out;
    r.threads = 2;
    r.branchFraction = 0.5;
    return r;
}

} // namespace

class TestBracketed : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { configureTorch(2); }

    void bracketSpecs()
    {
        QCOMPARE(take(parseBracketSpec("3", 1.0)), (std::vector<double>{-1.0, 0.0, 1.0}));
        QCOMPARE(take(parseBracketSpec("5", 0.5)), (std::vector<double>{-1.0, -0.5, 0.0, 0.5, 1.0}));
        QCOMPARE(take(parseBracketSpec("2,-2,0", 1.0)), (std::vector<double>{-2.0, 0.0, 2.0}));
        QVERIFY(!parseBracketSpec("1", 1.0));
        QVERIFY(!parseBracketSpec("0,0", 1.0));
        QVERIFY(!parseBracketSpec("x", 1.0));
        QVERIFY(!parseOutputFormats("png,gif"));
        QCOMPARE(take(parseOutputFormats("all")).size(), std::size_t(5));
    }

    // Self-made brackets: estimated EVs match the rendering, radiance is linear, files round-trip.
    void mergeAndWriteSyntheticBrackets()
    {
        const std::vector<double> evs{-2.0, 0.0, 2.0};
        const auto brackets = renderBrackets(evs);
        auto merged = mergeGeneratedBrackets(brackets, evs, hdr::core::nullJobContext());
        HDR_VERIFY_OK(merged);
        QVERIFY(merged->evsEstimated);
        for (std::size_t i = 0; i < evs.size(); ++i) {
            QVERIFY2(std::abs(merged->branches[i].estimatedEv - evs[i]) < 0.05,
                     qPrintable(QString::number(merged->branches[i].estimatedEv)));
        }
        // Radiance doubles per stop of the ramp: 6 stops across the width, far beyond one LDR image.
        const float left = merged->radiance.pixel(2, 32)[0], right = merged->radiance.pixel(93, 32)[0];
        QVERIFY2(std::abs(std::log2(right / left) - 6.0 * 91.0 / 95.0) < 0.1,
                 qPrintable(QString::number(right / left)));

        QTemporaryDir dir;
        BracketOutputSettings settings{fs::path(dir.path().toStdString()),
                                       "123",
                                       {"png", "tiff", "exr", "hdr", "dng"},
                                       true,
                                       true,
                                       true,
                                       false};
        auto files = writeBracketOutputs(
            *merged, brackets, {}, {{"test", true}}, settings, hdr::core::nullJobContext());
        HDR_VERIFY_OK(files);
        QCOMPARE(files->size(), std::size_t(6 + 1 + 3 + 1));
        for (const auto& f : *files) {
            if (f.extension() == ".json") {
                continue;
            }
            auto image = hdr::core::readImage(f);
            HDR_VERIFY_OK(image);
            QCOMPARE(image->width(), 96);
        }
        auto exr = hdr::core::readImage(fs::path(dir.path().toStdString()) / "123.exr");
        QVERIFY(std::abs(exr->pixel(93, 32)[0] / merged->radiance.pixel(93, 32)[0] - 1.0f) < 1e-3f);
        // A second call refuses before writing anything.
        auto again = writeBracketOutputs(*merged, brackets, {}, {}, settings, hdr::core::nullJobContext());
        QVERIFY(!again);
        QCOMPARE(again.error().code, hdr::core::ErrorCode::AlreadyExists);
    }

    // With all EVs 0 the branches must reproduce a plain generation exactly: they start from the
    // base latents at the threshold and the scheduler state (history, noise) carries over.
    void zeroEvBranchesReproducePlainGeneration_data()
    {
        QTest::addColumn<QString>("sampler");
        QTest::newRow("euler_a") << "euler_a";
        QTest::newRow("dpmpp_2m") << "dpmpp_2m";
        QTest::newRow("unipc") << "unipc";
    }
    void zeroEvBranchesReproducePlainGeneration()
    {
        QFETCH(QString, sampler);
        HDR_REQUIRE_SHARED(kModel);
        Tiny t = loadTiny();
        const int steps = 6;
        auto plainScheduler = schedulerFor(*t.model, sampler.toStdString(), steps);
        GeneratorNoise plainNoise(makeCpuGenerator(5));
        const at::Tensor start = initialLatents(*plainScheduler, latentShape(1, 64, 64), plainNoise);
        DenoiseOptions plainOptions;
        plainOptions.guidanceScale = 7.0;
        std::vector<at::Tensor> plainSteps;
        plainOptions.onStep = [&](const StepProgress& p) { plainSteps.push_back(p.latents->clone()); };
        const at::Tensor plain = denoise(*t.unet,
                                         *plainScheduler,
                                         start,
                                         t.prompt,
                                         plainOptions,
                                         &plainNoise,
                                         hdr::core::nullJobContext());

        auto scheduler = schedulerFor(*t.model, sampler.toStdString(), steps);
        GeneratorNoise noise(makeCpuGenerator(5));
        const at::Tensor start2 = initialLatents(*scheduler, latentShape(1, 64, 64), noise);
        BracketedOptions options;
        options.evs = {0.0, 0.0, 0.0};
        options.strategy = BracketStrategy::Calibrated;
        options.branchStartIndex = 4;
        options.guidanceScale = 7.0;
        const BracketedLatents result = generateBrackets(
            *t.unet, *t.vae, *scheduler, start2, t.prompt, options, &noise, hdr::core::nullJobContext());
        QCOMPARE(result.baseSteps, 4);
        QCOMPARE(result.branchSteps, 2);
        QVERIFY(at::allclose(result.thresholdLatents, plainSteps[3], 1e-5, 1e-5));
        for (int b = 0; b < 3; ++b) {
            const double diff = (result.branchLatents[b] - plain[0]).abs().max().item<double>();
            QVERIFY2(diff < 2e-4, qPrintable(QString("branch %1 differs by %2").arg(b).arg(diff)));
        }
    }

    // (1-t) S + N t S image evaluations, in (1-t) S + t S batched calls; sequential gives the same.
    void unetCallsAndBatchedEqualsSequential()
    {
        HDR_REQUIRE_SHARED(kModel);
        Tiny t = loadTiny();
        BracketedLatents runs[2];
        for (int sequential = 0; sequential < 2; ++sequential) {
            auto scheduler = schedulerFor(*t.model, "euler_a", 8);
            GeneratorNoise noise(makeCpuGenerator(9));
            const at::Tensor start = initialLatents(*scheduler, latentShape(1, 64, 64), noise);
            BracketedOptions options;
            options.branchStartIndex = branchStartForFraction(*scheduler, 0.25, 0);
            options.sequentialBranches = sequential == 1;
            runs[sequential] = generateBrackets(
                *t.unet, *t.vae, *scheduler, start, t.prompt, options, &noise, hdr::core::nullJobContext());
        }
        QCOMPARE(runs[0].baseSteps, 6);
        QCOMPARE(runs[0].branchSteps, 2);
        QCOMPARE(runs[0].unetCalls, 6 + 2);
        QCOMPARE(runs[0].unetSamples, std::int64_t(2 * (6 + 3 * 2)));
        QCOMPARE(runs[1].unetCalls, 6 + 3 * 2);
        QCOMPARE(runs[1].unetSamples, runs[0].unetSamples);
        QVERIFY(at::allclose(runs[0].branchLatents, runs[1].branchLatents, 1e-4, 1e-4));
        QVERIFY(runs[0].images.sizes() == at::IntArrayRef(std::vector<int64_t>{3, 64, 64, 3}));
    }

    // The reference strategy: channel-0 means land on exp (i - 1) / 2 and brightness rises.
    void referenceStrategyOrdersExposures()
    {
        HDR_REQUIRE_SHARED(kModel);
        Tiny t = loadTiny();
        auto scheduler = schedulerFor(*t.model, "euler_a", 8);
        GeneratorNoise noise(makeCpuGenerator(3));
        const at::Tensor start = initialLatents(*scheduler, latentShape(1, 64, 64), noise);
        BracketedOptions options;
        options.branchStartIndex = branchStartForTimestep(*scheduler, 200.0, 0);
        QVERIFY(options.branchStartIndex < 8);
        const BracketedLatents r = generateBrackets(
            *t.unet, *t.vae, *scheduler, start, t.prompt, options, &noise, hdr::core::nullJobContext());
        const at::Tensor means = r.branchLatents.select(1, 0).mean({1, 2});
        QVERIFY(at::allclose(means, at::tensor({-0.5f, 0.0f, 0.5f}), 1e-5, 1e-5));
        const at::Tensor brightness = srgbToLinear(r.images).mean({1, 2, 3});
        qInfo() << "mean linear brightness per bracket:" << brightness[0].item<double>()
                << brightness[1].item<double>() << brightness[2].item<double>();
        QVERIFY(brightness[0].item<double>() < brightness[1].item<double>());
        QVERIFY(brightness[1].item<double>() < brightness[2].item<double>());
    }

    // The whole request: every format, brackets, LDR, threshold image and the JSON.
    void requestWritesEverything()
    {
        HDR_REQUIRE_SHARED(kModel);
        QTemporaryDir dir;
        BracketedRequest r = tinyRequest(dir.path().toStdString());
        r.formats = take(parseOutputFormats("all"));
        r.saveBrackets = r.ldr = r.debug = true;
        r.strategy = "calibrated";
        r.stamp = "1700000000";
        auto outcome = runBracketedGeneration(r, hdr::core::nullJobContext());
        HDR_VERIFY_OK(outcome);
        QCOMPARE(outcome->files.size(), std::size_t(6 + 1 + 3 + 1 + 1));
        QCOMPARE(outcome->estimatedEv.size(), std::size_t(3));
        for (const auto& f : outcome->files) {
            QVERIFY(fs::exists(f));
            if (f.extension() != ".json") {
                auto image = hdr::core::readImage(f);
                HDR_VERIFY_OK(image);
                QCOMPARE(image->width(), 64);
            }
        }
        std::ifstream in(fs::path(dir.path().toStdString()) / "1700000000.json");
        const auto json = nlohmann::json::parse(in);
        for (const char* key : {"prompt",
                                "negative",
                                "seed",
                                "steps",
                                "cfg",
                                "sampler",
                                "promptStyle",
                                "evs",
                                "strategy",
                                "branchStartIndex",
                                "unetCalls",
                                "calibrationOffsets",
                                "width",
                                "model"}) {
            QVERIFY2(json["parameters"].contains(key), key);
        }
        QCOMPARE(json["brackets"].size(), std::size_t(3));
        QVERIFY(json["brackets"][2].contains("estimatedEv"));
        QVERIFY(json["brackets"][2].contains("meanLuminance"));
        QCOMPARE(json["files"].size(), outcome->files.size());
    }

    void cancellationMidBranchLeavesNoFiles()
    {
        HDR_REQUIRE_SHARED(kModel);
        QTemporaryDir dir;
        BracketedRequest r = tinyRequest(dir.path().toStdString());
        r.formats = take(parseOutputFormats("all"));
        r.saveBrackets = true;
        CancelAt job("Brackets step 2");
        auto outcome = runBracketedGeneration(r, job);
        QVERIFY(!outcome);
        QCOMPARE(outcome.error().code, hdr::core::ErrorCode::Cancelled);
        QVERIFY(fs::is_empty(dir.path().toStdString()));
    }
};

HDR_TEST_MAIN(TestBracketed)
#include "tst_bracketed.moc"
