#pragma once
// Noise schedulers (samplers) for Stable Diffusion, numerically matching diffusers v0.30.3's
// scheduler classes (see ../shared/oracle/README.md gotcha 14 and
// ../shared/reference/diffusion.md). Schedule math (betas, alphas_cumprod, sigmas, timesteps,
// solver coefficients) is done in double; tensors stay in the sample's dtype.
//
// Usage, per generation:
//   auto s = makeScheduler(config);           // or makeScheduler("dpmpp_2m_karras", modelConfig)
//   s->setTimesteps(steps);
//   x = noise * s->initNoiseSigma();
//   for (i = first; i < s->timesteps().size(); ++i) {
//       eps = unet(s->scaleModelInput(x, i), s->timesteps()[i], ...);
//       x = s->step(eps, i, x).prevSample;
//   }
// Steps must be taken in order (multistep solvers keep a history); setTimesteps() resets it.
// Step indices are absolute, so img2img starts at a later index (diffusers' set_begin_index).
#include "diffusion/sampling/SchedulerConfig.h"

#include <ATen/ATen.h>

#include <memory>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

// Where stochastic samplers (Euler ancestral, DPM++ SDE, DDIM eta > 0) get N(0,1) noise.
class NoiseSource {
public:
    virtual ~NoiseSource() = default;
    virtual at::Tensor randn(at::IntArrayRef shape, const at::TensorOptions& options) = 0;
};

// Draws from a torch CPU generator: the same numbers, in the same order, as diffusers'
// randn_tensor(shape, generator=torch.Generator("cpu").manual_seed(seed)), moved to the
// requested device/dtype afterwards.
class GeneratorNoise final : public NoiseSource {
public:
    explicit GeneratorNoise(at::Generator generator)
        : m_generator(std::move(generator))
    {
    }
    at::Tensor randn(at::IntArrayRef shape, const at::TensorOptions& options) override;
    at::Generator& generator() { return m_generator; }

private:
    at::Generator m_generator;
};

// Replays given tensors, one per call (tests; the oracle's recorded noise).
class ExplicitNoise final : public NoiseSource {
public:
    explicit ExplicitNoise(std::vector<at::Tensor> noise)
        : m_noise(std::move(noise))
    {
    }
    at::Tensor randn(at::IntArrayRef shape, const at::TensorOptions& options) override;

private:
    std::vector<at::Tensor> m_noise;
    std::size_t m_next = 0;
};

// A CPU generator seeded like torch.Generator("cpu").manual_seed(seed).
at::Generator makeCpuGenerator(std::uint64_t seed);

struct SchedulerStep {
    at::Tensor prevSample;         // x at the next timestep
    at::Tensor predOriginalSample; // the denoised estimate x0 (for previews); may be undefined
};

class Scheduler {
public:
    explicit Scheduler(SchedulerConfig config);
    virtual ~Scheduler() = default;

    const SchedulerConfig& config() const { return m_config; }

    // Training schedule (length numTrainTimesteps).
    const std::vector<double>& betas() const { return m_betas; }
    const std::vector<double>& alphasCumprod() const { return m_alphasCumprod; }

    // Chooses the inference timesteps for `steps` denoising steps and resets the solver state.
    virtual void setTimesteps(int steps) = 0;
    // Model timesteps in denoising order (may be fractional for Karras/linspace Euler; PNDM has
    // steps+1 entries with the second repeated).
    const std::vector<double>& timesteps() const { return m_timesteps; }
    // Noise levels sigma_i = sqrt((1-acp)/acp) per timestep plus the final one (empty for the
    // alpha-parameterised DDIM and PNDM).
    const std::vector<double>& sigmas() const { return m_sigmas; }
    // Number of steps the last setTimesteps() asked for.
    int numInferenceSteps() const { return m_numInferenceSteps; }

    // Scale of pure-noise initial latents (latents = N(0,1) * initNoiseSigma()).
    virtual double initNoiseSigma() const { return 1.0; }
    // The UNet input at step index i (Euler-type samplers divide by sqrt(sigma^2+1)).
    virtual at::Tensor scaleModelInput(const at::Tensor& sample, int stepIndex) const;
    // One denoising step from timesteps()[stepIndex]. `noise` is needed by stochastic samplers
    // only (an error if they get none).
    virtual SchedulerStep step(const at::Tensor& modelOutput,
                               int stepIndex,
                               const at::Tensor& sample,
                               NoiseSource* noise = nullptr) = 0;
    // img2img: x0 noised to the level of timesteps()[stepIndex].
    virtual at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise, int stepIndex) const = 0;
    // The x0 estimate at step index i from the model output, without stepping or changing any
    // state, in the scheduler's own sample space: alpha schedulers (x - sqrt(1-acp_t) eps) /
    // sqrt(acp_t), VP multistep solvers the same at their (fractional) sigma, Euler-type samplers
    // x - sigma_i eps on their sigma-scaled samples. The x0 GM-Diffusion's dual-UNet pipeline feeds
    // its gain-map UNet (docs/gainmap-diffusion.md).
    virtual at::Tensor
    predictOriginal(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample) const;
    // True when step() needs a NoiseSource.
    virtual bool isStochastic() const { return false; }

protected:
    void checkStepIndex(int stepIndex) const;
    // Spaced timesteps shared by the Euler-type classes (float, descending).
    std::vector<double> spacedTimesteps(int steps) const;
    // sqrt((1-acp)/acp) for every training timestep (ascending t).
    std::vector<double> trainSigmas() const;
    // Karras et al. rho=7 ramp between sigmaMax and sigmaMin (config overrides win).
    std::vector<double> karrasSigmas(double sigmaMin, double sigmaMax, int steps) const;
    // diffusers' _sigma_to_t: fractional timestep by interpolating log sigma over the table.
    static double sigmaToT(double sigma, const std::vector<double>& logSigmas);

    SchedulerConfig m_config;
    std::vector<double> m_betas;
    std::vector<double> m_alphasCumprod;
    std::vector<double> m_timesteps;
    std::vector<double> m_sigmas;
    int m_numInferenceSteps = 0;
};

// Throws HdrError(InvalidArgument) for unsupported settings (e.g. PNDM with PRK steps).
std::unique_ptr<Scheduler> makeScheduler(const SchedulerConfig& config);
core::Result<std::unique_ptr<Scheduler>> makeScheduler(std::string_view samplerName,
                                                       const SchedulerConfig& modelConfig);

// numpy helpers the spacing rules are written in (exposed for tests).
std::vector<double> numpyLinspace(double start, double stop, int num);
std::vector<double> numpyArange(double start, double stop, double step);
double numpyInterp(double x, const std::vector<double>& fp); // xp = 0, 1, ..., fp.size()-1

} // namespace hdr::diffusion
