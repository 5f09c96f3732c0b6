// Shared schedule math of the schedulers: training betas and alphas_cumprod, numpy-equivalent
// spacing helpers, Karras sigmas, sigma -> timestep, noise sources and the factory.
#include "diffusion/sampling/Scheduler.h"

#include "diffusion/sampling/SchedulerKinds.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hdr::diffusion {

using core::ErrorCode;
using core::throwError;

namespace {

std::vector<double> trainBetas(const SchedulerConfig& c)
{
    const int n = c.numTrainTimesteps;
    if (!c.trainedBetas.empty()) {
        if (int(c.trainedBetas.size()) != n) {
            throwError(ErrorCode::InvalidArgument,
                       "trained_betas has " + std::to_string(c.trainedBetas.size()) +
                           " values but num_train_timesteps is " + std::to_string(n));
        }
        return c.trainedBetas;
    }
    std::vector<double> betas;
    if (c.betaSchedule == "linear") {
        betas = numpyLinspace(c.betaStart, c.betaEnd, n);
    } else if (c.betaSchedule == "scaled_linear") {
        betas = numpyLinspace(std::sqrt(c.betaStart), std::sqrt(c.betaEnd), n);
        for (double& b : betas) {
            b *= b;
        }
    } else if (c.betaSchedule == "squaredcos_cap_v2") {
        // Nichol & Dhariwal cosine schedule (diffusers betas_for_alpha_bar, max_beta 0.999).
        const auto alphaBar = [](double t) {
            const double v = std::cos((t + 0.008) / 1.008 * std::numbers::pi / 2.0);
            return v * v;
        };
        for (int i = 0; i < n; ++i) {
            const double t1 = double(i) / n, t2 = double(i + 1) / n;
            betas.push_back(std::min(1.0 - alphaBar(t2) / alphaBar(t1), 0.999));
        }
    } else {
        throwError(ErrorCode::InvalidArgument,
                   "beta_schedule '" + c.betaSchedule +
                       "' is not supported; use linear, scaled_linear or "
                       "squaredcos_cap_v2");
    }
    return betas;
}

// Lin et al. 2023: shift/scale sqrt(alphas_cumprod) so the last one is exactly 0.
std::vector<double> rescaleZeroTerminalSnr(std::vector<double> betas)
{
    const std::size_t n = betas.size();
    std::vector<double> s(n);
    double acp = 1.0;
    for (std::size_t i = 0; i < n; ++i) {
        acp *= 1.0 - betas[i];
        s[i] = std::sqrt(acp);
    }
    const double first = s.front(), last = s.back();
    for (double& v : s) {
        v = (v - last) * first / (first - last);
    }
    for (std::size_t i = 0; i < n; ++i) {
        const double ab = s[i] * s[i];
        betas[i] = 1.0 - (i == 0 ? ab : ab / (s[i - 1] * s[i - 1]));
    }
    return betas;
}

} // namespace

std::vector<double> numpyLinspace(double start, double stop, int num)
{
    std::vector<double> y(std::max(num, 0));
    if (num == 1) {
        y[0] = start;
        return y;
    }
    const double step = (stop - start) / double(num - 1);
    for (int i = 0; i < num; ++i) {
        y[i] = double(i) * step + start;
    }
    if (num > 1) {
        y.back() = stop;
    }
    return y;
}

std::vector<double> numpyArange(double start, double stop, double step)
{
    const double count = std::ceil((stop - start) / step);
    std::vector<double> y;
    for (long i = 0; i < long(std::max(count, 0.0)); ++i) {
        y.push_back(start + double(i) * step);
    }
    return y;
}

double numpyInterp(double x, const std::vector<double>& fp)
{
    const auto n = long(fp.size());
    if (x <= 0.0) {
        return fp.front();
    }
    if (x >= double(n - 1)) {
        return fp.back();
    }
    const auto j = long(std::floor(x));
    const double slope = fp[j + 1] - fp[j];
    return slope * (x - double(j)) + fp[j];
}

at::Generator makeCpuGenerator(std::uint64_t seed)
{
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

at::Tensor GeneratorNoise::randn(at::IntArrayRef shape, const at::TensorOptions& options)
{
    // Always drawn as CPU float32: torch's CPU normal kernel gives other numbers for other
    // dtypes, and diffusers' fp32 CPU reference draws float32.
    at::Tensor t = at::randn(shape, m_generator, at::TensorOptions().dtype(at::kFloat).device(at::kCPU));
    return t.to(options);
}

at::Tensor ExplicitNoise::randn(at::IntArrayRef shape, const at::TensorOptions& options)
{
    if (m_next >= m_noise.size()) {
        throwError(ErrorCode::InvalidArgument,
                   "the explicit noise list has only " + std::to_string(m_noise.size()) + " tensors");
    }
    const at::Tensor& t = m_noise[m_next++];
    if (t.sizes() != shape) {
        throwError(ErrorCode::InvalidArgument,
                   "explicit noise tensor " + std::to_string(m_next - 1) +
                       " has the wrong shape for this step");
    }
    return t.to(options);
}

Scheduler::Scheduler(SchedulerConfig config)
    : m_config(std::move(config))
{
    // The training schedule is float32, computed with the same ATen ops as diffusers
    // (torch.linspace(..., float32) ** 2, cumprod): near t = 0, 1 - alphas_cumprod cancels, and a
    // double schedule would move the small sigmas by ~1e-5 relative, more than the oracle allows.
    // Everything derived from it (spacing, interpolation, Karras, solver coefficients) is double.
    if (m_config.numTrainTimesteps < 2 || m_config.numTrainTimesteps > 100000) {
        throwError(ErrorCode::InvalidArgument, "num_train_timesteps must be in 2..100000");
    }
    at::Tensor betas;
    if (m_config.trainedBetas.empty() && m_config.betaSchedule == "linear") {
        betas = at::linspace(m_config.betaStart, m_config.betaEnd, m_config.numTrainTimesteps, at::kFloat);
    } else if (m_config.trainedBetas.empty() && m_config.betaSchedule == "scaled_linear") {
        betas = at::linspace(std::sqrt(m_config.betaStart),
                             std::sqrt(m_config.betaEnd),
                             m_config.numTrainTimesteps,
                             at::kFloat)
                    .pow(2);
    } else {
        betas = at::tensor(trainBetas(m_config), at::kDouble).to(at::kFloat);
    }
    if (m_config.rescaleBetasZeroSnr) {
        const at::Tensor d = betas.to(at::kDouble).contiguous();
        betas = at::tensor(rescaleZeroTerminalSnr(
                               std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel())),
                           at::kDouble)
                    .to(at::kFloat);
    }
    const at::Tensor acp = at::cumprod(1.0 - betas, 0).contiguous();
    m_betas.assign(betas.data_ptr<float>(), betas.data_ptr<float>() + betas.numel());
    m_alphasCumprod.assign(acp.data_ptr<float>(), acp.data_ptr<float>() + acp.numel());
    if (m_config.rescaleBetasZeroSnr && m_config.kind != SchedulerKind::Ddim &&
        m_config.kind != SchedulerKind::Pndm) {
        m_alphasCumprod.back() = std::ldexp(1.0, -24); // diffusers: keeps sigma_max finite
    }
    const std::string spacing = m_config.resolvedSpacing();
    if (spacing != "leading" && spacing != "trailing" && spacing != "linspace") {
        throwError(ErrorCode::InvalidArgument,
                   "timestep_spacing '" + spacing + "' is not supported; use leading, trailing or linspace");
    }
    if (m_config.predictionType != "epsilon" && m_config.predictionType != "v_prediction" &&
        m_config.predictionType != "sample") {
        throwError(ErrorCode::InvalidArgument,
                   "prediction_type '" + m_config.predictionType +
                       "' is not supported; use epsilon, v_prediction or sample");
    }
}

at::Tensor Scheduler::scaleModelInput(const at::Tensor& sample, int stepIndex) const
{
    checkStepIndex(stepIndex);
    return sample;
}

void Scheduler::checkStepIndex(int stepIndex) const
{
    if (stepIndex < 0 || stepIndex >= int(m_timesteps.size())) {
        throwError(ErrorCode::InvalidArgument,
                   "step index " + std::to_string(stepIndex) + " is outside 0.." +
                       std::to_string(int(m_timesteps.size()) - 1) + " (call setTimesteps first)");
    }
}

std::vector<double> Scheduler::spacedTimesteps(int steps) const
{
    const int train = m_config.numTrainTimesteps;
    if (steps < 1 || steps > train) {
        throwError(ErrorCode::InvalidArgument,
                   "steps must be in 1.." + std::to_string(train) + ", got " + std::to_string(steps));
    }
    std::vector<double> t;
    const std::string spacing = m_config.resolvedSpacing();
    if (spacing == "linspace") {
        t = numpyLinspace(0.0, double(train - 1), steps);
        for (double& v : t) {
            v = double(float(v)); // diffusers builds these as float32
        }
        std::reverse(t.begin(), t.end());
    } else if (spacing == "leading") {
        const int ratio = train / steps;
        for (int i = steps - 1; i >= 0; --i) {
            t.push_back(double(i * ratio + m_config.stepsOffset));
        }
    } else {
        const double ratio = double(train) / steps;
        for (double v : numpyArange(double(train), 0.0, -ratio)) {
            t.push_back(std::nearbyint(v) - 1.0);
        }
    }
    return t;
}

std::vector<double> Scheduler::trainSigmas() const
{
    // float32 like diffusers' ((1 - acp) / acp) ** 0.5 on the float tensor (IEEE ops: exact match).
    std::vector<double> s(m_alphasCumprod.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const float acp = float(m_alphasCumprod[i]);
        s[i] = double(std::sqrt((1.0f - acp) / acp));
    }
    return s;
}

std::vector<double> Scheduler::karrasSigmas(double sigmaMin, double sigmaMax, int steps) const
{
    sigmaMin = m_config.sigmaMin.value_or(sigmaMin);
    sigmaMax = m_config.sigmaMax.value_or(sigmaMax);
    constexpr double rho = 7.0;
    const double minInvRho = std::pow(sigmaMin, 1.0 / rho);
    const double maxInvRho = std::pow(sigmaMax, 1.0 / rho);
    std::vector<double> sigmas;
    for (double ramp : numpyLinspace(0.0, 1.0, steps)) {
        sigmas.push_back(std::pow(maxInvRho + ramp * (minInvRho - maxInvRho), rho));
    }
    return sigmas;
}

double Scheduler::sigmaToT(double sigma, const std::vector<double>& logSigmas)
{
    const double logSigma = std::log(std::max(sigma, 1e-10));
    // logSigmas ascends with t: the low index is the last one not above logSigma.
    long low = 0;
    for (long j = 0; j < long(logSigmas.size()); ++j) {
        if (logSigma - logSigmas[j] >= 0) {
            low = j;
        }
    }
    low = std::min(low, long(logSigmas.size()) - 2);
    const double lo = logSigmas[low], hi = logSigmas[low + 1];
    const double w = std::clamp((lo - logSigma) / (lo - hi), 0.0, 1.0);
    return (1.0 - w) * double(low) + w * double(low + 1);
}

at::Tensor
Scheduler::predictOriginal(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample) const
{
    checkStepIndex(stepIndex);
    return detail::predictX0Sigma(m_config, modelOutput, sample, m_sigmas.at(std::size_t(stepIndex)));
}

namespace detail {

at::Tensor predictX0Sigma(const SchedulerConfig& config,
                          const at::Tensor& modelOutput,
                          const at::Tensor& sample,
                          double sigma)
{
    if (config.predictionType == "epsilon") {
        return sample - sigma * modelOutput;
    }
    if (config.predictionType == "v_prediction") {
        return modelOutput * (-sigma / std::sqrt(sigma * sigma + 1.0)) + sample / (sigma * sigma + 1.0);
    }
    return modelOutput;
}

} // namespace detail

std::unique_ptr<Scheduler> makeScheduler(const SchedulerConfig& config)
{
    switch (config.kind) {
    case SchedulerKind::Euler: return detail::makeEuler(config);
    case SchedulerKind::EulerAncestral: return detail::makeEulerAncestral(config);
    case SchedulerKind::Lms: return detail::makeLms(config);
    case SchedulerKind::DpmSolverMultistep: return detail::makeDpmSolverMultistep(config);
    case SchedulerKind::UniPc: return detail::makeUniPc(config);
    case SchedulerKind::Ddpm: return detail::makeDdpm(config);
    case SchedulerKind::Ddim: return detail::makeDdim(config);
    case SchedulerKind::Pndm: return detail::makePndm(config);
    }
    throwError(ErrorCode::InvalidArgument, "unknown scheduler kind");
}

core::Result<std::unique_ptr<Scheduler>> makeScheduler(std::string_view samplerName,
                                                       const SchedulerConfig& modelConfig)
{
    auto config = configForSampler(samplerName, modelConfig);
    if (!config) {
        return tl::unexpected(config.error());
    }
    return core::guarded(
        ErrorCode::InvalidArgument, std::string(samplerName), [&] { return makeScheduler(*config); });
}

} // namespace hdr::diffusion
