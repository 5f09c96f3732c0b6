// Gain-map decomposed diffusion end to end on the tiny oracle models (tiny-sd15 + its 8-channel
// gain-map UNet tiny-gm-sd15) at 64x64: text -> HDR and SDR -> HDR write every output, the files
// read back (the Ultra HDR JPEG decodes through our own decoder to the HDR of the EXR within 8-bit
// quantisation of the gain map), the JSON records the settings, previews show both branches,
// cancellation leaves no file, models of the wrong kind are refused with a reason, the request spec
// refuses bad settings, and the Euler generalisation of the dual-branch step conditions the GM UNet
// exactly as the research code's alphas_cumprod formula does.
#include "diffusion/sampling/Scheduler.h"
#include "gmdiffusion/GainMapRequest.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

#include <cmath>
#include <fstream>

using namespace hdr::diffusion;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSdr = "oracle/models/tiny-sd15";
constexpr const char* kGm = "oracle/models/tiny-gm-sd15";

GainMapRequest tinyRequest(const fs::path& out)
{
    GainMapRequest r;
    r.model = hdr::test::sharedPath(kSdr);
    r.gmModel = hdr::test::sharedPath(kGm);
    r.prompt = "a bright window in a dark room";
    r.width = r.height = 64;
    r.steps = 4;
    r.seed = 5;
    r.threads = 2;
    r.outputDir = out;
    r.stamp = "run";
    return r;
}

class CountingJob final : public hdr::core::JobContext {
public:
    bool isCancelled() const override { return m_cancelAfter >= 0 && m_previews > m_cancelAfter; }
    void setProgress(double, std::string_view) override {}
    void publishPreview(const hdr::core::PreviewFrame& frame) override
    {
        ++m_previews;
        m_last = frame;
    }
    int m_cancelAfter = -1;
    int m_previews = 0;
    hdr::core::PreviewFrame m_last;
};

double maxRelative(const hdr::core::ImageF& a, const hdr::core::ImageF& b)
{
    double worst = 0.0;
    std::size_t at = 0;
    for (std::size_t i = 0, n = std::size_t(a.pixelCount()) * 3; i < n; ++i) {
        const double r =
            std::abs(double(a.data()[i]) - double(b.data()[i])) / (double(b.data()[i]) + 1.0 / 64);
        if (r > worst) {
            worst = r;
            at = i;
        }
    }
    if (worst > 0)
        qInfo("worst at sample %zu: %g, expected %g", at, double(a.data()[at]), double(b.data()[at]));
    return worst;
}

} // namespace

class TestGainMapRun : public QObject {
    Q_OBJECT

private slots:
    void textToHdrWritesEveryOutput()
    {
        HDR_REQUIRE_SHARED(kGm);
        QTemporaryDir dir;
        GainMapRequest r = tinyRequest(dir.path().toStdString());
        CountingJob job;
        GainMapImages seen;
        GainMapCallbacks callbacks;
        callbacks.onImages = [&](const GainMapImages& images) { seen = images; };
        auto outcome = runGainMapDiffusion(r, job, callbacks);
        HDR_VERIFY_OK(outcome);
        QCOMPARE(outcome->files.size(), std::size_t(6));
        QCOMPARE(outcome->sdrUnetCalls, 4);
        QCOMPARE(outcome->gmUnetCalls, 4);
        // Previews: the SDR branch's x0 and the gain-map latents side by side, 1/8 size each.
        QCOMPARE(job.m_previews, 4);
        QCOMPARE(job.m_last.width, 16);
        QCOMPARE(job.m_last.height, 8);
        QCOMPARE(seen.hdr.width(), 64);

        const fs::path base = fs::path(dir.path().toStdString());
        auto exr = hdr::core::readImage(base / "run.exr");
        HDR_VERIFY_OK(exr);
        // Eq. (1) bounds: 0 <= HDR <= qmax + 1.
        float peak = 0.0f;
        for (std::size_t i = 0, n = std::size_t(exr->pixelCount()) * 3; i < n; ++i) {
            QVERIFY(exr->data()[i] >= 0.0f && std::isfinite(exr->data()[i]));
            peak = std::max(peak, exr->data()[i]);
        }
        QVERIFY(peak <= 100.0f);
        QCOMPARE(double(peak), outcome->peak);
        // The .hdr holds HDR / (qmax + 1) (RGBE: ~1% precision).
        auto rgbe = hdr::core::readImage(base / "run.hdr");
        HDR_VERIFY_OK(rgbe);
        // RGBE shares one exponent per pixel: a channel is exact to 1/256 of the pixel's largest.
        for (std::size_t p = 0, n = std::size_t(exr->pixelCount()); p < n; p += 97) {
            const float* e = exr->data() + 3 * p;
            const double largest = std::max({e[0], e[1], e[2]}) / 100.0;
            for (int c = 0; c < 3; ++c) {
                QVERIFY(std::abs(rgbe->data()[3 * p + c] - e[c] / 100.0) <= largest / 128.0 + 1e-6);
            }
        }
        // The gain map PNG keeps GM's values; the SDR PNG is the SDR branch.
        // Read without the ICC transform (LittleCMS's sRGB curve is an approximation at the
        // 16-bit level): the code values themselves are the gain map.
        hdr::core::ReadOptions codeValues;
        codeValues.applyIcc = false;
        auto gm = hdr::core::readImage(base / "run_gainmap.png", codeValues);
        HDR_VERIFY_OK(gm);
        for (std::size_t i = 0; i < 64 * 64 * 3; i += 31) {
            const float written = hdr::core::srgbEncode(gm->data()[i]);
            QVERIFY2(std::abs(written - seen.gainMap.data()[i]) < 1.0 / 65535 * 2,
                     qPrintable(QStringLiteral("%1: %2 written, %3 seen")
                                    .arg(i)
                                    .arg(written)
                                    .arg(seen.gainMap.data()[i])));
        }
        // Ultra HDR: our decoder reproduces the HDR within the 8-bit quantisation of the log2
        // map. The map is stored at JPEG quality 100 in RGB (no YCbCr), whose DCT rounding moves a
        // code by at most ~2 on this noisy tiny-model map: bound 2^(2·log2(100)/255) - 1 = 3.7 %
        // (measured 3.0 %; one code is 1.8 %). The base's JPEG error is in the map's reference.
        auto ultra = hdr::core::readImage(base / "run_ultrahdr.jpg");
        HDR_VERIFY_OK(ultra);
        QCOMPARE(ultra->width(), 64);
        QCOMPARE(ultra->metadata.attributes.at("gainmap.source").empty(), false);
        const double bound = std::exp2(2.0 * std::log2(100.0) / 255.0) - 1.0;
        const double worst = maxRelative(*ultra, *exr);
        qInfo("Ultra HDR vs EXR: worst |diff| / (HDR + 1/64) = %.4f (bound %.4f)", worst, bound);
        QVERIFY2(worst < bound, qPrintable(QString::number(worst)));

        std::ifstream in(base / "run.json");
        const auto json = nlohmann::json::parse(in);
        QCOMPARE(json["parameters"]["qmax"].get<double>(), 99.0);
        QCOMPARE(json["parameters"]["sampler"].get<std::string>(), std::string("ddpm"));
        QCOMPARE(json["parameters"]["mode"].get<std::string>(), std::string("text-to-hdr"));
        QVERIFY(json["parameters"].contains("gmModel"));
        QVERIFY(json["parameters"]["parameters"].get<std::string>().find("Steps: 4") != std::string::npos);
        QCOMPARE(json["files"].size(), std::size_t(6));

        // The same seed gives the same HDR; a second run with the same stamp is refused unless asked.
        auto again = runGainMapDiffusion(r, hdr::core::nullJobContext());
        QVERIFY(!again);
        QCOMPARE(again.error().code, hdr::core::ErrorCode::AlreadyExists);
        r.overwrite = true;
        HDR_VERIFY_OK(runGainMapDiffusion(r, hdr::core::nullJobContext()));
        auto exr2 = hdr::core::readImage(base / "run.exr");
        HDR_VERIFY_OK(exr2);
        QCOMPARE(maxRelative(*exr2, *exr), 0.0);
    }

    void sdrToHdr()
    {
        HDR_REQUIRE_SHARED(kGm);
        QTemporaryDir dir;
        const fs::path base = fs::path(dir.path().toStdString());
        // A 72x64 SDR picture: a gradient with a bright patch; the size is cropped to multiples of 8.
        hdr::core::ImageF sdr(72, 64, 3);
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 72; ++x)
                for (int c = 0; c < 3; ++c)
                    sdr.pixel(x, y)[c] = (x > 40 && y < 20) ? 1.0f : float(x) / 72.0f * 0.3f;
        HDR_VERIFY_OK(hdr::core::writeImage(sdr, base / "in.png"));
        GainMapRequest r = tinyRequest(base);
        r.sdrImage = base / "in.png";
        r.prompt.clear();
        r.formats = {"exr", "gainmap"};
        r.json = false;
        CountingJob job;
        auto outcome = runGainMapDiffusion(r, job);
        HDR_VERIFY_OK(outcome);
        QCOMPARE(outcome->files.size(), std::size_t(2));
        QCOMPARE(outcome->sdrUnetCalls, 0); // the SDR branch does not run
        QCOMPARE(outcome->gmUnetCalls, 4);
        auto exr = hdr::core::readImage(base / "run.exr");
        HDR_VERIFY_OK(exr);
        QCOMPARE(exr->width(), 72);
        QCOMPARE(exr->height(), 64);
    }

    void cancellationLeavesNoFiles()
    {
        HDR_REQUIRE_SHARED(kGm);
        QTemporaryDir dir;
        CountingJob job;
        job.m_cancelAfter = 2;
        auto outcome = runGainMapDiffusion(tinyRequest(dir.path().toStdString()), job);
        QVERIFY(!outcome);
        QCOMPARE(outcome.error().code, hdr::core::ErrorCode::Cancelled);
        QVERIFY(fs::is_empty(dir.path().toStdString()));
    }

    void refusesModelsOfTheWrongKind()
    {
        HDR_REQUIRE_SHARED(kGm);
        QTemporaryDir dir;
        GainMapRequest swapped = tinyRequest(dir.path().toStdString());
        std::swap(swapped.model, swapped.gmModel);
        auto a = runGainMapDiffusion(swapped, hdr::core::nullJobContext());
        QVERIFY(!a);
        QVERIFY2(a.error().message.find("Stable Diffusion 1.5") != std::string::npos,
                 a.error().message.c_str());
        GainMapRequest plain = tinyRequest(dir.path().toStdString());
        plain.gmModel = plain.model;
        auto b = runGainMapDiffusion(plain, hdr::core::nullJobContext());
        QVERIFY(!b);
        QVERIFY2(b.error().message.find("8 input channels") != std::string::npos, b.error().message.c_str());
        QVERIFY(fs::is_empty(dir.path().toStdString()));
    }

    void specRefusesBadSettings()
    {
        const auto& spec = gainMapRequestSpec();
        GainMapRequest r = tinyRequest("/tmp/out");
        r.gmModel.clear();
        QVERIFY(!spec.validate(r));
        r = tinyRequest("/tmp/out");
        r.qmax = 0.0;
        QCOMPARE(spec.validate(r).error().message, std::string("qmax must be above 0 and at most 100000."));
        r = tinyRequest("/tmp/out");
        r.formats = {"gif"};
        QVERIFY(!spec.validate(r));
        r = tinyRequest("/tmp/out");
        r.initImage = "x.png";
        QVERIFY(!spec.validate(r));
        const GainMapRequest defaults;
        QCOMPARE(defaults.sampler, std::string("ddpm"));
        QCOMPARE(defaults.steps, 50);
        QCOMPARE(defaults.qmax, 99.0);
    }

    // The generalisation beyond DDPM (DualBranchSampler.h): an Euler scheduler's own x0 estimate
    // on its sigma-scaled sample, and its scaled GM input, equal the research code's
    // alphas_cumprod formula and VP sample at the same integer timestep.
    void eulerConditionsTheGainMapUnetLikeDdpm()
    {
        const std::string config = R"({"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085,
            "beta_end": 0.012, "beta_schedule": "scaled_linear", "steps_offset": 1, "timestep_spacing": "leading"})";
        auto euler = makeScheduler(*SchedulerConfig::fromJsonText(config));
        euler->setTimesteps(10);
        at::manual_seed(3);
        const at::Tensor x0 = at::randn({1, 4, 8, 8}), eps = at::randn({1, 4, 8, 8});
        for (int i = 0; i < 10; ++i) {
            const double sigma = euler->sigmas()[std::size_t(i)];
            const double acp = euler->alphasCumprod()[std::size_t(euler->timesteps()[std::size_t(i)])];
            const at::Tensor sigmaSample = x0 + sigma * eps; // Euler's latent space
            const at::Tensor vpSample = std::sqrt(acp) * x0 + std::sqrt(1.0 - acp) * eps; // DDPM's
            const at::Tensor ours = euler->predictOriginal(eps, i, sigmaSample);
            const at::Tensor research = (vpSample - std::sqrt(1.0 - acp) * eps) / std::sqrt(acp);
            QVERIFY((ours - x0).abs().max().item<double>() < 1e-4);
            QVERIFY((ours - research).abs().max().item<double>() < 1e-4);
            QVERIFY((euler->scaleModelInput(sigmaSample, i) - vpSample).abs().max().item<double>() < 1e-4);
        }
    }
};

HDR_TEST_MAIN(TestGainMapRun)
#include "tst_gmdiffusion_run.moc"
