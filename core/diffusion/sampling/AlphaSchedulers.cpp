// Alpha-parameterised samplers on integer timesteps: DDPM (DDPMScheduler, ancestral sampling of
// the training chain, the scheduler of GM-Diffusion's inference scripts), DDIM (DDIMScheduler) and
// PNDM in its PLMS form (PNDMScheduler with skip_prk_steps, the SD1.x default). x_t = sqrt(acp_t) x0 +
// sqrt(1-acp_t) eps; the UNet input is not scaled; the previous timestep is t - train//N and
// the one before 0 uses the "final alpha" (1 with set_alpha_to_one, else alphas_cumprod[0]).
#include "diffusion/sampling/SchedulerKinds.h"

#include <algorithm>
#include <cmath>

namespace hdr::diffusion::detail {

using core::ErrorCode;
using core::throwError;

namespace {

class AlphaScheduler : public Scheduler {
public:
    explicit AlphaScheduler(const SchedulerConfig& config)
        : Scheduler(config)
    {
        m_finalAlphaCumprod = m_config.resolvedSetAlphaToOne() ? 1.0 : m_alphasCumprod.front();
    }

    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise, int stepIndex) const override
    {
        checkStepIndex(stepIndex);
        const double acp = alphaAt(long(m_timesteps[stepIndex]));
        return std::sqrt(acp) * original + std::sqrt(1.0 - acp) * noise;
    }

    // x0 from the model output at timestep t (the alphas_cumprod[t] formula of every alpha
    // scheduler and of GM-Diffusion's dual-UNet pipeline).
    at::Tensor
    predictOriginal(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample) const override
    {
        checkStepIndex(stepIndex);
        const double a = alphaAt(long(m_timesteps[stepIndex]));
        if (m_config.predictionType == "v_prediction") {
            return std::sqrt(a) * sample - std::sqrt(1.0 - a) * modelOutput;
        }
        if (m_config.predictionType == "sample") {
            return modelOutput;
        }
        return (sample - std::sqrt(1.0 - a) * modelOutput) / std::sqrt(a);
    }

protected:
    // Ascending integer timesteps for the three spacings (DDIM reverses them).
    std::vector<double> ascendingTimesteps(int steps) const
    {
        const int train = m_config.numTrainTimesteps;
        if (steps < 1 || steps > train) {
            throwError(ErrorCode::InvalidArgument,
                       "steps must be in 1.." + std::to_string(train) + ", got " + std::to_string(steps));
        }
        std::vector<double> t;
        const std::string spacing = m_config.resolvedSpacing();
        if (spacing == "linspace") {
            for (double v : numpyLinspace(0.0, double(train - 1), steps)) {
                t.push_back(std::nearbyint(v));
            }
        } else if (spacing == "leading") {
            const int ratio = train / steps;
            for (int i = 0; i < steps; ++i) {
                t.push_back(double(i * ratio + m_config.stepsOffset));
            }
        } else {
            for (double v : numpyArange(double(train), 0.0, -double(train) / steps)) {
                t.push_back(std::nearbyint(v) - 1.0);
            }
            std::reverse(t.begin(), t.end());
        }
        return t;
    }

    double alphaAt(long t) const
    {
        if (t < 0) {
            return m_finalAlphaCumprod;
        }
        if (t >= long(m_alphasCumprod.size())) {
            throwError(ErrorCode::InvalidArgument,
                       "timestep " + std::to_string(t) +
                           " is past the training schedule (steps_offset too large?)");
        }
        return m_alphasCumprod[t];
    }

    int stepRatio() const { return m_config.numTrainTimesteps / m_numInferenceSteps; }

    double m_finalAlphaCumprod = 1.0;
};

// DDPM (Ho et al. 2020) as diffusers' DDPMScheduler: the posterior mean of q(x_{t-1} | x_t, x0)
// plus sqrt(variance) * noise, variance_type fixed_small = beta~_t = (1-acp_prev)/(1-acp_t) * beta_t,
// clamped to >= 1e-20 (so the last step, whose variance is 0, still draws noise times 1e-10 as
// diffusers does). Before t = 0 the cumulative alpha is 1 ("one").
class DdpmScheduler final : public AlphaScheduler {
public:
    explicit DdpmScheduler(const SchedulerConfig& config)
        : AlphaScheduler(config)
    {
        m_finalAlphaCumprod = 1.0;
        if (m_config.varianceType != "fixed_small" && m_config.varianceType != "fixed_large") {
            throwError(ErrorCode::InvalidArgument,
                       "DDPM variance_type '" + m_config.varianceType +
                           "' is not supported (fixed_small, fixed_large)");
        }
    }

    bool isStochastic() const override { return true; }

    void setTimesteps(int steps) override
    {
        m_timesteps = ascendingTimesteps(steps);
        std::reverse(m_timesteps.begin(), m_timesteps.end());
        m_numInferenceSteps = steps;
    }

    SchedulerStep
    step(const at::Tensor& modelOutput, int i, const at::Tensor& sample, NoiseSource* noise) override
    {
        checkStepIndex(i);
        const long t = long(m_timesteps[i]);
        const long prevT = t - stepRatio();
        const double aT = alphaAt(t), aPrev = alphaAt(prevT);
        const double bT = 1.0 - aT, bPrev = 1.0 - aPrev;
        const double alphaT = aT / aPrev, betaT = 1.0 - alphaT;
        at::Tensor x0 = predictOriginal(modelOutput, i, sample);
        if (m_config.clipSample) {
            x0 = x0.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);
        }
        at::Tensor prev = (std::sqrt(aPrev) * betaT / bT) * x0 + (std::sqrt(alphaT) * bPrev / bT) * sample;
        if (t > 0) {
            if (!noise) {
                throwError(ErrorCode::InvalidArgument, "DDPM needs a noise source");
            }
            const double variance =
                m_config.varianceType == "fixed_large" ? betaT : std::max(bPrev / bT * betaT, 1e-20);
            prev = prev + std::sqrt(variance) * noise->randn(modelOutput.sizes(), modelOutput.options());
        }
        return {std::move(prev), std::move(x0)};
    }
};

class DdimScheduler final : public AlphaScheduler {
public:
    using AlphaScheduler::AlphaScheduler;

    bool isStochastic() const override { return m_config.eta > 0.0; }

    void setTimesteps(int steps) override
    {
        m_timesteps = ascendingTimesteps(steps);
        std::reverse(m_timesteps.begin(), m_timesteps.end());
        m_numInferenceSteps = steps;
    }

    SchedulerStep
    step(const at::Tensor& modelOutput, int i, const at::Tensor& sample, NoiseSource* noise) override
    {
        checkStepIndex(i);
        const long t = long(m_timesteps[i]);
        const long prevT = t - stepRatio();
        const double aT = alphaAt(t), aPrev = alphaAt(prevT);
        const double bT = 1.0 - aT, bPrev = 1.0 - aPrev;
        at::Tensor x0, eps;
        if (m_config.predictionType == "epsilon") {
            x0 = (sample - std::sqrt(bT) * modelOutput) / std::sqrt(aT);
            eps = modelOutput;
        } else if (m_config.predictionType == "v_prediction") {
            x0 = std::sqrt(aT) * sample - std::sqrt(bT) * modelOutput;
            eps = std::sqrt(aT) * modelOutput + std::sqrt(bT) * sample;
        } else {
            x0 = modelOutput;
            eps = (sample - std::sqrt(aT) * x0) / std::sqrt(bT);
        }
        if (m_config.clipSample) {
            x0 = x0.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);
        }
        const double variance = (bPrev / bT) * (1.0 - aT / aPrev);
        const double stdDev = m_config.eta * std::sqrt(variance);
        at::Tensor prev = std::sqrt(aPrev) * x0 + std::sqrt(1.0 - aPrev - stdDev * stdDev) * eps;
        if (m_config.eta > 0.0) {
            if (!noise) {
                throwError(ErrorCode::InvalidArgument, "DDIM with eta > 0 needs a noise source");
            }
            prev = prev + stdDev * noise->randn(modelOutput.sizes(), modelOutput.options());
        }
        return {std::move(prev), std::move(x0)};
    }
};

// PLMS: Adams-Bashforth over the last four noise predictions; the first step is a two-stage
// (Heun-like) step, which is why the schedule repeats its second timestep.
class PndmScheduler final : public AlphaScheduler {
public:
    explicit PndmScheduler(const SchedulerConfig& config)
        : AlphaScheduler(config)
    {
        if (!m_config.skipPrkSteps) {
            throwError(ErrorCode::InvalidArgument,
                       "PNDM with Runge-Kutta warm-up steps (skip_prk_steps false) is not supported");
        }
    }

    void setTimesteps(int steps) override
    {
        const std::vector<double> t = ascendingTimesteps(steps);
        // plms = t[:-1] + t[-2:-1] + t[-1:], reversed: N+1 entries with the second repeated.
        std::vector<double> plms(t.begin(), t.end() - 1);
        if (t.size() >= 2) {
            plms.push_back(t[t.size() - 2]);
        }
        plms.push_back(t.back());
        std::reverse(plms.begin(), plms.end());
        m_timesteps = plms;
        m_numInferenceSteps = steps;
        m_ets.clear();
        m_counter = 0;
        m_curSample = at::Tensor();
    }

    SchedulerStep
    step(const at::Tensor& modelOutputIn, int i, const at::Tensor& sampleIn, NoiseSource*) override
    {
        checkStepIndex(i);
        if (m_config.predictionType == "sample") {
            throwError(ErrorCode::InvalidArgument, "PNDM supports epsilon and v_prediction models only");
        }
        long t = long(m_timesteps[i]);
        long prevT = t - stepRatio();
        at::Tensor modelOutput = modelOutputIn;
        at::Tensor sample = sampleIn;
        if (m_counter != 1) {
            if (m_ets.size() > 3) {
                m_ets.erase(m_ets.begin(), m_ets.end() - 3);
            }
            m_ets.push_back(modelOutputIn);
        } else {
            prevT = t;
            t = t + stepRatio();
        }
        const std::size_t n = m_ets.size();
        if (n == 1 && m_counter == 0) {
            m_curSample = sampleIn;
        } else if (n == 1 && m_counter == 1) {
            modelOutput = (modelOutputIn + m_ets.back()) / 2.0;
            sample = m_curSample;
            m_curSample = at::Tensor();
        } else if (n == 2) {
            modelOutput = (3.0 * m_ets[1] - m_ets[0]) / 2.0;
        } else if (n == 3) {
            modelOutput = (23.0 * m_ets[2] - 16.0 * m_ets[1] + 5.0 * m_ets[0]) / 12.0;
        } else {
            modelOutput = (1.0 / 24.0) * (55.0 * m_ets[n - 1] - 59.0 * m_ets[n - 2] + 37.0 * m_ets[n - 3] -
                                          9.0 * m_ets[n - 4]);
        }
        at::Tensor prev = previousSample(sample, t, prevT, modelOutput);
        ++m_counter;
        return {std::move(prev), previewX0(modelOutputIn, sampleIn, long(m_timesteps[i]))};
    }

private:
    at::Tensor previousSample(const at::Tensor& sample, long t, long prevT, at::Tensor modelOutput) const
    {
        const double aT = alphaAt(t), aPrev = alphaAt(prevT);
        const double bT = 1.0 - aT, bPrev = 1.0 - aPrev;
        if (m_config.predictionType == "v_prediction") {
            modelOutput = std::sqrt(aT) * modelOutput + std::sqrt(bT) * sample;
        }
        const double sampleCoeff = std::sqrt(aPrev / aT);
        const double denom = aT * std::sqrt(bPrev) + std::sqrt(aT * bT * aPrev);
        return sampleCoeff * sample - ((aPrev - aT) / denom) * modelOutput;
    }

    // x0 estimate from this step's raw output, only for previews.
    at::Tensor previewX0(const at::Tensor& modelOutput, const at::Tensor& sample, long t) const
    {
        const double a = alphaAt(t);
        if (m_config.predictionType == "v_prediction") {
            return std::sqrt(a) * sample - std::sqrt(1.0 - a) * modelOutput;
        }
        return (sample - std::sqrt(1.0 - a) * modelOutput) / std::sqrt(a);
    }

    std::vector<at::Tensor> m_ets;
    int m_counter = 0;
    at::Tensor m_curSample;
};

} // namespace

std::unique_ptr<Scheduler> makeDdpm(const SchedulerConfig& config)
{
    return std::make_unique<DdpmScheduler>(config);
}

std::unique_ptr<Scheduler> makeDdim(const SchedulerConfig& config)
{
    return std::make_unique<DdimScheduler>(config);
}

std::unique_ptr<Scheduler> makePndm(const SchedulerConfig& config)
{
    return std::make_unique<PndmScheduler>(config);
}

} // namespace hdr::diffusion::detail
