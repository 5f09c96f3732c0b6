// Multistep exponential-integrator solvers in log-SNR (lambda) space:
// DPM-Solver++ (DPMSolverMultistepScheduler: "DPM++ 2M", "DPM++ 2M SDE", with or without Karras
// sigmas) and UniPC (UniPCMultistepScheduler: bh1/bh2 predictor + UniC corrector).
// Both work on alpha_t = 1/sqrt(sigma^2+1), sigma_t = sigma*alpha_t, lambda = log(alpha_t/sigma_t);
// the final sigma 0 gives lambda = +inf, which the first-order formulas handle exactly.
#include "diffusion/sampling/SchedulerKinds.h"

#include <algorithm>
#include <cmath>

namespace hdr::diffusion::detail {

using core::ErrorCode;
using core::throwError;

namespace {

struct AlphaSigma {
    double alpha;
    double sigma;
    double lambda() const { return std::log(alpha) - std::log(sigma); }
};

AlphaSigma alphaSigma(double sigma)
{
    const double alpha = 1.0 / std::sqrt(sigma * sigma + 1.0);
    return {alpha, sigma * alpha};
}

double asFloat(double v)
{
    return double(float(v));
}

// Solves the small dense system a x = b (n <= 4) by Gaussian elimination with partial pivoting.
std::vector<double> solveSmall(std::vector<std::vector<double>> a, std::vector<double> b)
{
    const std::size_t n = b.size();
    for (std::size_t col = 0; col < n; ++col) {
        std::size_t pivot = col;
        for (std::size_t r = col + 1; r < n; ++r) {
            if (std::abs(a[r][col]) > std::abs(a[pivot][col])) {
                pivot = r;
            }
        }
        std::swap(a[col], a[pivot]);
        std::swap(b[col], b[pivot]);
        for (std::size_t r = col + 1; r < n; ++r) {
            const double f = a[r][col] / a[col][col];
            for (std::size_t c = col; c < n; ++c) {
                a[r][c] -= f * a[col][c];
            }
            b[r] -= f * b[col];
        }
    }
    std::vector<double> x(n);
    for (std::size_t i = n; i-- > 0;) {
        double s = b[i];
        for (std::size_t c = i + 1; c < n; ++c) {
            s -= a[i][c] * x[c];
        }
        x[i] = s / a[i][i];
    }
    return x;
}

// Timesteps of the multistep classes: "leading" divides by N+1 (gotcha 14), Karras sigmas span the
// whole training range and map back to rounded integer timesteps.
class LambdaScheduler : public Scheduler {
public:
    using Scheduler::Scheduler;

    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise, int stepIndex) const override
    {
        checkStepIndex(stepIndex);
        const AlphaSigma as = alphaSigma(m_sigmas[stepIndex]);
        return original * as.alpha + noise * as.sigma;
    }

protected:
    void buildSchedule(int steps, bool karrasFinalIsSigmaMin)
    {
        const int train = m_config.numTrainTimesteps;
        if (steps < 1 || steps >= train) {
            throwError(ErrorCode::InvalidArgument,
                       "steps must be in 1.." + std::to_string(train - 1) + ", got " + std::to_string(steps));
        }
        std::vector<double> t;
        const std::string spacing = m_config.resolvedSpacing();
        if (spacing == "linspace") {
            auto v = numpyLinspace(0.0, double(train - 1), steps + 1);
            for (int i = steps; i >= 1; --i) {
                t.push_back(std::nearbyint(v[i]));
            }
        } else if (spacing == "leading") {
            const int ratio = train / (steps + 1);
            for (int i = steps; i >= 1; --i) {
                t.push_back(double(i * ratio + m_config.stepsOffset));
            }
        } else {
            for (double v : numpyArange(double(train), 0.0, -double(train) / steps)) {
                t.push_back(std::nearbyint(v) - 1.0);
            }
        }
        const std::vector<double> train_sigmas = trainSigmas();
        std::vector<double> sigmas;
        double finalSigma = m_config.finalSigmasType == "sigma_min" ? train_sigmas.front() : 0.0;
        if (m_config.finalSigmasType != "zero" && m_config.finalSigmasType != "sigma_min") {
            throwError(ErrorCode::InvalidArgument,
                       "final_sigmas_type '" + m_config.finalSigmasType +
                           "' is not supported; use zero or sigma_min");
        }
        if (m_config.useKarrasSigmas) {
            std::vector<double> logTrain(train_sigmas.size());
            std::transform(train_sigmas.begin(), train_sigmas.end(), logTrain.begin(), [](double s) {
                return double(std::log(float(s)));
            });
            sigmas = karrasSigmas(train_sigmas.front(), train_sigmas.back(), steps);
            for (std::size_t i = 0; i < sigmas.size(); ++i) {
                t[i] = std::nearbyint(sigmaToT(sigmas[i], logTrain));
            }
            if (karrasFinalIsSigmaMin && m_config.finalSigmasType == "sigma_min") {
                finalSigma = sigmas.back();
            }
        } else {
            for (double v : t) {
                sigmas.push_back(numpyInterp(v, train_sigmas));
            }
        }
        sigmas.push_back(finalSigma);
        m_timesteps = t;
        m_sigmas.clear();
        for (double s : sigmas) {
            m_sigmas.push_back(asFloat(s));
        }
        m_numInferenceSteps = steps;
    }

    // Data (x0) prediction from the model output at sigmas[i].
    at::Tensor predictX0(const at::Tensor& modelOutput, const at::Tensor& sample, int stepIndex) const
    {
        const AlphaSigma as = alphaSigma(m_sigmas[stepIndex]);
        if (m_config.predictionType == "epsilon") {
            return (sample - as.sigma * modelOutput) / as.alpha;
        }
        if (m_config.predictionType == "v_prediction") {
            return as.alpha * sample - as.sigma * modelOutput;
        }
        return modelOutput;
    }

    at::Tensor
    predictOriginal(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample) const override
    {
        checkStepIndex(stepIndex);
        return predictX0(modelOutput, sample, stepIndex);
    }
};

class DpmSolverMultistepScheduler final : public LambdaScheduler {
public:
    explicit DpmSolverMultistepScheduler(const SchedulerConfig& config)
        : LambdaScheduler(config)
    {
        const auto& c = m_config;
        if (c.algorithmType != "dpmsolver++" && c.algorithmType != "sde-dpmsolver++") {
            throwError(ErrorCode::InvalidArgument,
                       "DPM-Solver algorithm_type '" + c.algorithmType +
                           "' is not supported; use dpmsolver++ or sde-dpmsolver++");
        }
        if (c.solverOrder < 1 || c.solverOrder > 3 || (sde() && c.solverOrder > 2)) {
            throwError(ErrorCode::InvalidArgument, "DPM-Solver solver_order must be 1..3 (1..2 for SDE)");
        }
        if (c.solverType != "midpoint" && c.solverType != "heun") {
            throwError(ErrorCode::InvalidArgument, "DPM-Solver solver_type must be midpoint or heun");
        }
    }

    bool isStochastic() const override { return sde(); }

    void setTimesteps(int steps) override
    {
        buildSchedule(steps, false);
        m_outputs.assign(m_config.solverOrder, at::Tensor());
        m_lowerOrderNums = 0;
    }

    SchedulerStep
    step(const at::Tensor& modelOutput, int i, const at::Tensor& sampleIn, NoiseSource* noiseSource) override
    {
        checkStepIndex(i);
        const int n = int(m_timesteps.size());
        const auto& c = m_config;
        const bool lowerOrderFinal =
            i == n - 1 && (c.eulerAtFinal || (c.lowerOrderFinal && n < 15) || c.finalSigmasType == "zero");
        const bool lowerOrderSecond = i == n - 2 && c.lowerOrderFinal && n < 15;

        at::Tensor x0 = predictX0(modelOutput, sampleIn, i);
        std::rotate(m_outputs.begin(), m_outputs.begin() + 1, m_outputs.end());
        m_outputs.back() = x0;
        const at::Tensor sample = sampleIn.to(at::kFloat);
        at::Tensor noise;
        if (sde()) {
            if (!noiseSource) {
                throwError(ErrorCode::InvalidArgument, "DPM++ SDE needs a noise source");
            }
            noise = noiseSource->randn(modelOutput.sizes(), modelOutput.options().dtype(at::kFloat));
        }
        at::Tensor prev;
        if (c.solverOrder == 1 || m_lowerOrderNums < 1 || lowerOrderFinal) {
            prev = firstOrder(i, sample, noise);
        } else if (c.solverOrder == 2 || m_lowerOrderNums < 2 || lowerOrderSecond) {
            prev = secondOrder(i, sample, noise);
        } else {
            prev = thirdOrder(i, sample);
        }
        m_lowerOrderNums = std::min(m_lowerOrderNums + 1, c.solverOrder);
        return {prev.to(modelOutput.scalar_type()), std::move(x0)};
    }

private:
    bool sde() const { return m_config.algorithmType == "sde-dpmsolver++"; }

    at::Tensor firstOrder(int i, const at::Tensor& sample, const at::Tensor& noise) const
    {
        const AlphaSigma t = alphaSigma(m_sigmas[i + 1]), s = alphaSigma(m_sigmas[i]);
        const double h = t.lambda() - s.lambda();
        const at::Tensor& m0 = m_outputs.back();
        if (!sde()) {
            return (t.sigma / s.sigma) * sample - (t.alpha * (std::exp(-h) - 1.0)) * m0;
        }
        return (t.sigma / s.sigma * std::exp(-h)) * sample + (t.alpha * (1.0 - std::exp(-2.0 * h))) * m0 +
               t.sigma * std::sqrt(1.0 - std::exp(-2.0 * h)) * noise;
    }

    at::Tensor secondOrder(int i, const at::Tensor& sample, const at::Tensor& noise) const
    {
        const AlphaSigma t = alphaSigma(m_sigmas[i + 1]), s0 = alphaSigma(m_sigmas[i]),
                         s1 = alphaSigma(m_sigmas[i - 1]);
        const double h = t.lambda() - s0.lambda(), h0 = s0.lambda() - s1.lambda();
        const double r0 = h0 / h;
        const at::Tensor& m0 = m_outputs[m_outputs.size() - 1];
        const at::Tensor& m1 = m_outputs[m_outputs.size() - 2];
        const at::Tensor d1 = (1.0 / r0) * (m0 - m1);
        const bool midpoint = m_config.solverType == "midpoint";
        if (!sde()) {
            const double e = std::exp(-h) - 1.0;
            at::Tensor x = (t.sigma / s0.sigma) * sample - (t.alpha * e) * m0;
            return midpoint ? x - 0.5 * (t.alpha * e) * d1 : x + (t.alpha * (e / h + 1.0)) * d1;
        }
        const double e2 = 1.0 - std::exp(-2.0 * h);
        at::Tensor x = (t.sigma / s0.sigma * std::exp(-h)) * sample + (t.alpha * e2) * m0 +
                       t.sigma * std::sqrt(e2) * noise;
        return midpoint ? x + 0.5 * (t.alpha * e2) * d1 : x + (t.alpha * (e2 / (-2.0 * h) + 1.0)) * d1;
    }

    at::Tensor thirdOrder(int i, const at::Tensor& sample) const
    {
        const AlphaSigma t = alphaSigma(m_sigmas[i + 1]), s0 = alphaSigma(m_sigmas[i]),
                         s1 = alphaSigma(m_sigmas[i - 1]), s2 = alphaSigma(m_sigmas[i - 2]);
        const double h = t.lambda() - s0.lambda(), h0 = s0.lambda() - s1.lambda(),
                     h1 = s1.lambda() - s2.lambda();
        const double r0 = h0 / h, r1 = h1 / h;
        const std::size_t k = m_outputs.size();
        const at::Tensor &m0 = m_outputs[k - 1], &m1 = m_outputs[k - 2], &m2 = m_outputs[k - 3];
        const at::Tensor d10 = (1.0 / r0) * (m0 - m1), d11 = (1.0 / r1) * (m1 - m2);
        const at::Tensor d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
        const at::Tensor d2 = (1.0 / (r0 + r1)) * (d10 - d11);
        const double e = std::exp(-h) - 1.0;
        return (t.sigma / s0.sigma) * sample - (t.alpha * e) * m0 + (t.alpha * (e / h + 1.0)) * d1 -
               (t.alpha * ((e + h) / (h * h) - 0.5)) * d2;
    }

    std::vector<at::Tensor> m_outputs; // converted (x0) outputs, oldest first
    int m_lowerOrderNums = 0;
};

class UniPcScheduler final : public LambdaScheduler {
public:
    explicit UniPcScheduler(const SchedulerConfig& config)
        : LambdaScheduler(config)
    {
        if (m_config.solverType != "bh1" && m_config.solverType != "bh2") {
            throwError(ErrorCode::InvalidArgument, "UniPC solver_type must be bh1 or bh2");
        }
        if (m_config.solverOrder < 1 || m_config.solverOrder > 3) {
            throwError(ErrorCode::InvalidArgument, "UniPC solver_order must be 1..3");
        }
    }

    void setTimesteps(int steps) override
    {
        buildSchedule(steps, true);
        m_outputs.assign(m_config.solverOrder, at::Tensor());
        m_lowerOrderNums = 0;
        m_lastSample = at::Tensor();
        m_thisOrder = 1;
    }

    SchedulerStep
    step(const at::Tensor& modelOutput, int i, const at::Tensor& sampleIn, NoiseSource*) override
    {
        checkStepIndex(i);
        const auto& c = m_config;
        const bool useCorrector = i > 0 && m_lastSample.defined() &&
                                  std::find(c.disableCorrector.begin(), c.disableCorrector.end(), i - 1) ==
                                      c.disableCorrector.end();
        at::Tensor converted =
            c.predictX0 ? predictX0(modelOutput, sampleIn, i) : epsilon(modelOutput, sampleIn, i);
        at::Tensor sample = sampleIn;
        if (useCorrector) {
            sample = corrector(i, converted, m_lastSample, sampleIn, m_thisOrder);
        }
        std::rotate(m_outputs.begin(), m_outputs.begin() + 1, m_outputs.end());
        m_outputs.back() = converted;
        int order = c.lowerOrderFinal ? std::min(c.solverOrder, int(m_timesteps.size()) - i) : c.solverOrder;
        m_thisOrder = std::min(order, m_lowerOrderNums + 1);
        m_lastSample = sample;
        at::Tensor prev = predictor(i, sample, m_thisOrder);
        m_lowerOrderNums = std::min(m_lowerOrderNums + 1, c.solverOrder);
        return {std::move(prev), c.predictX0 ? converted : at::Tensor()};
    }

private:
    at::Tensor epsilon(const at::Tensor& modelOutput, const at::Tensor& sample, int i) const
    {
        const AlphaSigma as = alphaSigma(m_sigmas[i]);
        if (m_config.predictionType == "epsilon") {
            return modelOutput;
        }
        if (m_config.predictionType == "v_prediction") {
            return as.alpha * modelOutput + as.sigma * sample;
        }
        return (sample - as.alpha * modelOutput) / as.sigma;
    }

    // The B(h) coefficient system of UniPC (Zhao et al. 2023, eq. for bh1/bh2), in double.
    struct Coefficients {
        double hPhi1 = 0.0;
        double bH = 0.0;
        std::vector<std::vector<double>> r; // order x order: r[k][j] = rks[j]^k
        std::vector<double> b;
    };

    Coefficients coefficients(double h, const std::vector<double>& rksIn, int order) const
    {
        std::vector<double> rks = rksIn;
        rks.push_back(1.0);
        Coefficients co;
        const double hh = m_config.predictX0 ? -h : h;
        co.hPhi1 = std::expm1(hh);
        double hPhiK = co.hPhi1 / hh - 1.0;
        double factorial = 1.0;
        co.bH = m_config.solverType == "bh1" ? hh : std::expm1(hh);
        for (int k = 1; k <= order; ++k) {
            std::vector<double> row;
            for (double r : rks) {
                row.push_back(std::pow(r, k - 1));
            }
            co.r.push_back(row);
            co.b.push_back(hPhiK * factorial / co.bH);
            factorial *= k + 1;
            hPhiK = hPhiK / hh - 1.0 / factorial;
        }
        return co;
    }

    at::Tensor predictor(int i, const at::Tensor& x, int order) const
    {
        const AlphaSigma t = alphaSigma(m_sigmas[i + 1]), s0 = alphaSigma(m_sigmas[i]);
        const double h = t.lambda() - s0.lambda();
        const std::size_t last = m_outputs.size() - 1;
        const at::Tensor& m0 = m_outputs[last];
        std::vector<double> rks;
        std::vector<at::Tensor> d1s;
        for (int k = 1; k < order; ++k) {
            const double rk = (alphaSigma(m_sigmas[i - k]).lambda() - s0.lambda()) / h;
            rks.push_back(rk);
            d1s.push_back((m_outputs[last - k] - m0) / rk);
        }
        const Coefficients co = coefficients(h, rks, order);
        std::vector<double> rhos;
        if (order == 2) {
            rhos = {0.5};
        } else if (order > 2) {
            std::vector<std::vector<double>> r(order - 1);
            for (int k = 0; k < order - 1; ++k) {
                r[k].assign(co.r[k].begin(), co.r[k].begin() + order - 1);
            }
            rhos = solveSmall(r, std::vector<double>(co.b.begin(), co.b.begin() + order - 1));
        }
        at::Tensor res;
        for (std::size_t k = 0; k < d1s.size(); ++k) {
            res = res.defined() ? res + rhos[k] * d1s[k] : rhos[k] * d1s[k];
        }
        at::Tensor xt = m_config.predictX0 ? (t.sigma / s0.sigma) * x - (t.alpha * co.hPhi1) * m0
                                           : (t.alpha / s0.alpha) * x - (t.sigma * co.hPhi1) * m0;
        if (res.defined()) {
            xt = xt - ((m_config.predictX0 ? t.alpha : t.sigma) * co.bH) * res;
        }
        return xt.to(x.scalar_type());
    }

    at::Tensor
    corrector(int i, const at::Tensor& modelT, const at::Tensor& x, const at::Tensor& xT, int order) const
    {
        const AlphaSigma t = alphaSigma(m_sigmas[i]), s0 = alphaSigma(m_sigmas[i - 1]);
        const double h = t.lambda() - s0.lambda();
        const std::size_t last = m_outputs.size() - 1;
        const at::Tensor& m0 = m_outputs[last];
        std::vector<double> rks;
        std::vector<at::Tensor> d1s;
        for (int k = 1; k < order; ++k) {
            const double rk = (alphaSigma(m_sigmas[i - (k + 1)]).lambda() - s0.lambda()) / h;
            rks.push_back(rk);
            d1s.push_back((m_outputs[last - k] - m0) / rk);
        }
        const Coefficients co = coefficients(h, rks, order);
        const std::vector<double> rhos = order == 1 ? std::vector<double>{0.5} : solveSmall(co.r, co.b);
        at::Tensor res = rhos.back() * (modelT - m0);
        for (std::size_t k = 0; k < d1s.size(); ++k) {
            res = res + rhos[k] * d1s[k];
        }
        at::Tensor out = m_config.predictX0 ? (t.sigma / s0.sigma) * x - (t.alpha * co.hPhi1) * m0
                                            : (t.alpha / s0.alpha) * x - (t.sigma * co.hPhi1) * m0;
        out = out - ((m_config.predictX0 ? t.alpha : t.sigma) * co.bH) * res;
        return out.to(xT.scalar_type());
    }

    std::vector<at::Tensor> m_outputs; // converted outputs, oldest first
    int m_lowerOrderNums = 0;
    int m_thisOrder = 1;
    at::Tensor m_lastSample;
};

} // namespace

std::unique_ptr<Scheduler> makeDpmSolverMultistep(const SchedulerConfig& config)
{
    return std::make_unique<DpmSolverMultistepScheduler>(config);
}

std::unique_ptr<Scheduler> makeUniPc(const SchedulerConfig& config)
{
    return std::make_unique<UniPcScheduler>(config);
}

} // namespace hdr::diffusion::detail
