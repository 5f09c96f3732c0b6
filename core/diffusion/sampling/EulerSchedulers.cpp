// Sigma-space ("k-diffusion") samplers: Euler (EulerDiscreteScheduler, optionally with Karras
// sigmas), Euler ancestral (EulerAncestralDiscreteScheduler) and LMS (LMSDiscreteScheduler).
// x_sigma = x0 + sigma * eps; the UNet sees x / sqrt(sigma^2 + 1).
#include "diffusion/sampling/SchedulerKinds.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

namespace hdr::diffusion::detail {

using core::ErrorCode;
using core::throwError;

namespace {

double asFloat(double v)
{
    return double(float(v)); // diffusers stores timesteps and sigmas as float32
}

class SigmaScheduler : public Scheduler {
public:
    using Scheduler::Scheduler;

    double initNoiseSigma() const override
    {
        const double maxSigma = m_sigmas.empty() ? 1.0 : *std::max_element(m_sigmas.begin(), m_sigmas.end());
        const std::string spacing = m_config.resolvedSpacing();
        if (spacing == "linspace" || spacing == "trailing") {
            return maxSigma;
        }
        return std::sqrt(maxSigma * maxSigma + 1.0);
    }

    at::Tensor scaleModelInput(const at::Tensor& sample, int stepIndex) const override
    {
        checkStepIndex(stepIndex);
        const double sigma = m_sigmas[stepIndex];
        return sample / std::sqrt(sigma * sigma + 1.0);
    }

    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise, int stepIndex) const override
    {
        checkStepIndex(stepIndex);
        return original + noise * m_sigmas[stepIndex];
    }

protected:
    // Spaced timesteps, sigmas interpolated at them (optionally re-spaced as Karras sigmas over
    // the spaced range, timesteps mapped back fractionally), then the final sigma.
    void buildSigmaSchedule(int steps, bool allowKarras, double finalSigma)
    {
        std::vector<double> t = spacedTimesteps(steps);
        const std::vector<double> train = trainSigmas();
        std::vector<double> sigmas;
        for (double v : t) {
            sigmas.push_back(numpyInterp(v, train));
        }
        if (allowKarras && m_config.useKarrasSigmas) {
            std::vector<double> logTrain(train.size());
            std::transform(train.begin(), train.end(), logTrain.begin(), [](double s) {
                return double(std::log(float(s)));
            });
            sigmas = karrasSigmas(sigmas.back(), sigmas.front(), steps);
            for (std::size_t i = 0; i < sigmas.size(); ++i) {
                t[i] = sigmaToT(sigmas[i], logTrain);
            }
        }
        sigmas.push_back(finalSigma);
        m_timesteps.clear();
        m_sigmas.clear();
        for (double v : t) {
            m_timesteps.push_back(asFloat(v));
        }
        for (double s : sigmas) {
            m_sigmas.push_back(asFloat(s));
        }
        m_numInferenceSteps = steps;
    }
};

class EulerScheduler final : public SigmaScheduler {
public:
    explicit EulerScheduler(const SchedulerConfig& config)
        : SigmaScheduler(config)
    {
        if (m_config.interpolationType != "linear") {
            throwError(ErrorCode::InvalidArgument,
                       "Euler interpolation_type '" + m_config.interpolationType +
                           "' is not supported; use linear");
        }
        if (m_config.finalSigmasType != "zero" && m_config.finalSigmasType != "sigma_min") {
            throwError(ErrorCode::InvalidArgument,
                       "final_sigmas_type '" + m_config.finalSigmasType +
                           "' is not supported; use zero or sigma_min");
        }
    }

    void setTimesteps(int steps) override
    {
        const double finalSigma = m_config.finalSigmasType == "sigma_min" ? trainSigmas().front() : 0.0;
        buildSigmaSchedule(steps, true, finalSigma);
    }

    SchedulerStep
    step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sampleIn, NoiseSource*) override
    {
        checkStepIndex(stepIndex);
        const at::Tensor sample = sampleIn.to(at::kFloat);
        const double sigma = m_sigmas[stepIndex];
        at::Tensor x0 = predictX0Sigma(m_config, modelOutput, sample, sigma);
        const at::Tensor derivative = (sample - x0) / sigma;
        const double dt = m_sigmas[stepIndex + 1] - sigma;
        at::Tensor prev = (sample + derivative * dt).to(modelOutput.scalar_type());
        return {std::move(prev), std::move(x0)};
    }
};

class EulerAncestralScheduler final : public SigmaScheduler {
public:
    using SigmaScheduler::SigmaScheduler;

    void setTimesteps(int steps) override { buildSigmaSchedule(steps, false, 0.0); }
    bool isStochastic() const override { return true; }

    SchedulerStep step(const at::Tensor& modelOutput,
                       int stepIndex,
                       const at::Tensor& sampleIn,
                       NoiseSource* noise) override
    {
        checkStepIndex(stepIndex);
        if (!noise) {
            throwError(ErrorCode::InvalidArgument, "Euler ancestral needs a noise source");
        }
        const at::Tensor sample = sampleIn.to(at::kFloat);
        const double sigma = m_sigmas[stepIndex];
        at::Tensor x0 = predictX0Sigma(m_config, modelOutput, sample, sigma);
        const double from = sigma, to = m_sigmas[stepIndex + 1];
        // Split the step into a deterministic move to sigmaDown and fresh noise of sigmaUp.
        const double sigmaUp = std::sqrt(to * to * (from * from - to * to) / (from * from));
        const double sigmaDown = std::sqrt(to * to - sigmaUp * sigmaUp);
        const at::Tensor derivative = (sample - x0) / sigma;
        at::Tensor prev = sample + derivative * (sigmaDown - sigma);
        const at::Tensor eps = noise->randn(modelOutput.sizes(), modelOutput.options());
        prev = (prev + eps * sigmaUp).to(modelOutput.scalar_type());
        return {std::move(prev), std::move(x0)};
    }
};

// Linear multistep: x_{i+1} = x_i + sum_j c_j d_{i-j}, where c_j integrates the Lagrange basis
// polynomial of the last `order` sigmas over [sigma_i, sigma_{i+1}]. The integrand is a
// polynomial of degree < 4, so 4-point Gauss-Legendre quadrature is exact (diffusers calls
// scipy's adaptive quad for the same integral).
class LmsScheduler final : public SigmaScheduler {
public:
    using SigmaScheduler::SigmaScheduler;

    static constexpr int kOrder = 4;

    void setTimesteps(int steps) override
    {
        buildSigmaSchedule(steps, true, 0.0);
        m_derivatives.clear();
    }

    SchedulerStep
    step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample, NoiseSource*) override
    {
        checkStepIndex(stepIndex);
        const double sigma = m_sigmas[stepIndex];
        at::Tensor x0 = predictX0Sigma(m_config, modelOutput, sample, sigma);
        m_derivatives.push_front((sample - x0) / sigma);
        if (int(m_derivatives.size()) > kOrder) {
            m_derivatives.pop_back();
        }
        // As diffusers: the basis uses min(i+1, 4) sigmas even when fewer derivatives exist yet
        // (img2img starting mid-schedule); only the available derivatives are summed.
        const int order = std::min(stepIndex + 1, kOrder);
        const int terms = std::min(order, int(m_derivatives.size()));
        at::Tensor prev = sample;
        for (int j = 0; j < terms; ++j) {
            prev = prev + lmsCoefficient(order, stepIndex, j) * m_derivatives[j];
        }
        return {std::move(prev), std::move(x0)};
    }

private:
    double lmsCoefficient(int order, int t, int current) const
    {
        const auto basis = [&](double tau) {
            double prod = 1.0;
            for (int k = 0; k < order; ++k) {
                if (k != current) {
                    prod *= (tau - m_sigmas[t - k]) / (m_sigmas[t - current] - m_sigmas[t - k]);
                }
            }
            return prod;
        };
        // Gauss-Legendre nodes/weights on [-1, 1].
        static constexpr std::array<double, 4> nodes{
            -0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
        static constexpr std::array<double, 4> weights{
            0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
        const double a = m_sigmas[t], b = m_sigmas[t + 1];
        const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
        double sum = 0.0;
        for (int q = 0; q < 4; ++q) {
            sum += weights[q] * basis(mid + half * nodes[q]);
        }
        return sum * half;
    }

    std::deque<at::Tensor> m_derivatives; // newest first
};

} // namespace

std::unique_ptr<Scheduler> makeEuler(const SchedulerConfig& config)
{
    return std::make_unique<EulerScheduler>(config);
}

std::unique_ptr<Scheduler> makeEulerAncestral(const SchedulerConfig& config)
{
    return std::make_unique<EulerAncestralScheduler>(config);
}

std::unique_ptr<Scheduler> makeLms(const SchedulerConfig& config)
{
    return std::make_unique<LmsScheduler>(config);
}

} // namespace hdr::diffusion::detail
