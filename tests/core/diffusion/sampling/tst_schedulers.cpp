// Schedulers on data the test makes itself (no oracle needed): spacing rules of oracle README
// gotcha 14, a perfect denoiser that every sampler must follow back to its x0, img2img start
// indices, sampler names, and seeded noise equal to PyTorch's torch.Generator("cpu").manual_seed().
#include "diffusion/TorchRuntime.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/sampling/Scheduler.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QtTest>

#include <cmath>

using namespace hdr::diffusion;

namespace {

SchedulerConfig sdConfig(SchedulerKind kind)
{
    SchedulerConfig c;
    c.kind = kind;
    c.betaSchedule = "scaled_linear";
    c.betaStart = 0.00085;
    c.betaEnd = 0.012;
    c.stepsOffset = 1;
    c.timestepSpacing = "leading";
    c.setAlphaToOne = false;
    return c;
}

// VP noise level (alpha, sigma) at step i: from the sigma schedule when there is one, else from
// alphas_cumprod at the integer timestep.
std::pair<double, double> levelAt(const Scheduler& s, int i)
{
    if (!s.sigmas().empty()) {
        const double sigma = s.sigmas()[i];
        const double alpha = 1.0 / std::sqrt(sigma * sigma + 1.0);
        return {alpha, sigma * alpha};
    }
    const double acp = s.alphasCumprod()[std::size_t(s.timesteps()[i])];
    return {std::sqrt(acp), std::sqrt(1.0 - acp)};
}

} // namespace

class TestSchedulers : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { configureTorch(2); }

    void spacingRules()
    {
        auto euler = makeScheduler(sdConfig(SchedulerKind::Euler));
        euler->setTimesteps(20);
        QCOMPARE(euler->timesteps().front(), 951.0);
        QCOMPARE(euler->timesteps().back(), 1.0);
        QCOMPARE(euler->sigmas().size(), std::size_t(21));
        QCOMPARE(euler->sigmas().back(), 0.0);

        auto dpm = makeScheduler(sdConfig(SchedulerKind::DpmSolverMultistep));
        dpm->setTimesteps(20); // 1000 // 21 = 47 -> 941, 894, ..., 48
        QCOMPARE(dpm->timesteps().front(), 941.0);
        QCOMPARE(dpm->timesteps().back(), 48.0);

        auto pndm = makeScheduler(sdConfig(SchedulerKind::Pndm));
        pndm->setTimesteps(20);
        QCOMPARE(pndm->timesteps().size(), std::size_t(21));
        QCOMPARE(pndm->timesteps()[1], pndm->timesteps()[2]);

        SchedulerConfig karras = sdConfig(SchedulerKind::DpmSolverMultistep);
        karras.useKarrasSigmas = true;
        auto dpmK = makeScheduler(karras);
        dpmK->setTimesteps(20); // spans the whole training range
        QCOMPARE(dpmK->timesteps().front(), 999.0);
        QCOMPARE(dpmK->timesteps().back(), 0.0);

        SchedulerConfig trailing = sdConfig(SchedulerKind::Euler);
        trailing.timestepSpacing = "trailing";
        auto eulerT = makeScheduler(trailing);
        eulerT->setTimesteps(10);
        QCOMPARE(eulerT->timesteps().front(), 999.0);
        QCOMPARE(eulerT->initNoiseSigma(), eulerT->sigmas().front()); // not sqrt(sigma^2 + 1)
    }

    // A model that always predicts the exact noise of a fixed x0: every deterministic sampler
    // must land on x0 (or, for DDIM/PNDM, on the final alpha's noisy x0), stochastic ones too
    // because their last step reaches sigma 0.
    void perfectDenoiserReachesX0_data()
    {
        QTest::addColumn<QString>("sampler");
        for (const char* name : {"euler",
                                 "euler_karras",
                                 "euler_a",
                                 "ddim",
                                 "dpmpp_2m",
                                 "dpmpp_2m_karras",
                                 "dpmpp_2m_sde",
                                 "unipc",
                                 "pndm",
                                 "lms",
                                 "lms_karras"}) {
            QTest::newRow(name) << QString(name);
        }
    }

    void perfectDenoiserReachesX0()
    {
        QFETCH(QString, sampler);
        auto scheduler = makeScheduler(sampler.toStdString(), sdConfig(SchedulerKind::Euler));
        HDR_VERIFY_OK(scheduler);
        Scheduler& s = **scheduler;
        s.setTimesteps(12);
        GeneratorNoise noise(makeCpuGenerator(7));
        const at::Tensor x0 = noise.randn({1, 4, 6, 5}, at::kFloat) * 0.8;
        const at::Tensor eps0 = noise.randn({1, 4, 6, 5}, at::kFloat);
        at::Tensor x = s.addNoise(x0, eps0, 0); // the exact noisy state at the first step
        for (int i = 0; i < int(s.timesteps().size()); ++i) {
            const at::Tensor u = s.scaleModelInput(x, i); // VP-space model input
            const auto [alpha, sigma] = levelAt(s, i);
            const at::Tensor eps = (u - alpha * x0) / sigma;
            x = s.step(eps, i, x, &noise).prevSample;
            QVERIFY(x.isfinite().all().item<bool>());
        }
        at::Tensor expected = x0;
        if (s.sigmas().empty()) { // DDIM/PNDM stop at the final alpha (alphas_cumprod[0])
            const double a0 = s.alphasCumprod().front();
            expected = std::sqrt(a0) * x0 + std::sqrt(1.0 - a0) * eps0;
        }
        const double err = (x - expected).abs().max().item<double>();
        QVERIFY2(err < 2e-4, qPrintable(QString("%1: max error %2").arg(sampler).arg(err)));
    }

    void img2imgStartIndex()
    {
        auto s = makeScheduler(sdConfig(SchedulerKind::Euler));
        s->setTimesteps(20);
        QCOMPARE(img2imgFirstStep(*s, 0.75), 5); // last int(20 * 0.75) = 15 steps
        QCOMPARE(img2imgFirstStep(*s, 1.0), 0);
        QVERIFY_THROWS_EXCEPTION(hdr::core::HdrError, img2imgFirstStep(*s, 0.01));
        const at::Tensor z = at::ones({1, 4, 2, 2});
        const at::Tensor n = at::full({1, 4, 2, 2}, 2.0);
        const at::Tensor noisy = s->addNoise(z, n, 5); // Euler: z + sigma * noise
        QVERIFY(std::abs(noisy[0][0][0][0].item<double>() - (1.0 + 2.0 * s->sigmas()[5])) < 1e-5);
    }

    void samplerNamesAndConfig()
    {
        auto bad = configForSampler("euler_b", SchedulerConfig{});
        QVERIFY(!bad);
        QVERIFY(bad.error().message.find("dpmpp_2m_karras") != std::string::npos);
        auto byClass = configForSampler("EulerAncestralDiscreteScheduler", SchedulerConfig{});
        HDR_VERIFY_OK(byClass);
        QVERIFY(byClass->kind == SchedulerKind::EulerAncestral);
        QCOMPARE(samplerDisplayName("dpmpp_2m_karras"), std::string("DPM++ 2M Karras"));

        const auto parsed = SchedulerConfig::fromJsonText(
            R"({"_class_name": "PNDMScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085,
                "beta_end": 0.012, "steps_offset": 1, "skip_prk_steps": true, "set_alpha_to_one": false,
                "trained_betas": null})");
        HDR_VERIFY_OK(parsed);
        QVERIFY(parsed->kind == SchedulerKind::Pndm);
        QCOMPARE(parsed->resolvedSpacing(), std::string("leading")); // PNDM's class default
        QVERIFY(!SchedulerConfig::fromJsonText(R"({"_class_name": "FlowMatchEulerDiscreteScheduler"})"));
        QVERIFY(!SchedulerConfig::fromJsonText("[1, 2"));
    }

    // Seeds must reproduce diffusers' torch.Generator("cpu").manual_seed(seed) draws.
    void seededNoiseMatchesPyTorch()
    {
        GeneratorNoise noise(makeCpuGenerator(1234));
        const at::Tensor a = noise.randn({1, 4, 8, 6}, at::kFloat);
        const at::Tensor b = noise.randn({2, 3}, at::kFloat);
        QProcess python;
        python.start("/usr/bin/python3",
                     {"-c",
                      "import torch\ng=torch.Generator('cpu').manual_seed(1234)\n"
                      "a=torch.randn((1,4,8,6),generator=g);b=torch.randn((2,3),generator=g)\n"
                      "print(' '.join('%.9g'%v for v in torch.cat([a.flatten(),b.flatten()]).tolist()))"});
        if (!python.waitForFinished(60000) || python.exitCode() != 0) {
            QSKIP("needs /usr/bin/python3 with torch (the PyTorch reference)");
        }
        const QStringList values =
            QString::fromUtf8(python.readAllStandardOutput()).split(' ', Qt::SkipEmptyParts);
        const at::Tensor ours = at::cat({a.flatten(), b.flatten()});
        QCOMPARE(values.size(), int(ours.numel()));
        for (int i = 0; i < values.size(); ++i) {
            QVERIFY2(std::abs(values[i].toDouble() - ours[i].item<double>()) < 1e-7,
                     qPrintable(QString::number(i)));
        }
    }
};

HDR_TEST_MAIN(TestSchedulers)
#include "tst_schedulers.moc"
