// Oracle kind "vae": diffusers AutoencoderKL encode (latent distribution) and raw decode on the
// family's weights.
#include "NetWeights.h"
#include "OracleHarness.h"
#include "diffusion/nets/AutoencoderKL.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace hdr::test::oracle {
namespace {

constexpr double kComponentAtol = 5e-5; // oracle README: components

void runVae(const OracleCase& c, OracleReport& report)
{
    std::ifstream in(c.familyDir() / "vae_config.json");
    if (!in) {
        report.fail("no vae_config.json in " + c.familyDir().string());
        return;
    }
    auto config = diffusion::VaeConfig::fromJson(nlohmann::json::parse(in));
    if (!config) {
        report.fail(config.error().describe());
        return;
    }
    if (c.meta.contains("scaling_factor") &&
        std::abs(c.meta.at("scaling_factor").get<double>() - config->scalingFactor) > 1e-12) {
        report.fail("scaling_factor differs from the case's");
    }
    // A reduced-precision run measures the reduced-precision path itself, as with a VAE whose
    // config says force_upcast: false (e.g. SDXL's fp16-fix VAE), not the fp32 upcast.
    config->forceUpcast = config->forceUpcast && c.dtype == at::kFloat;
    diffusion::AutoencoderKL vae(*config, at::TensorOptions().dtype(c.dtype));
    loadNetWeights(*vae, c.familyDir() / "vae.safetensors");
    c10::InferenceMode inference;

    const diffusion::LatentDist dist = vae->encode(c.tensor("in.image"));
    report.expectClose("out.latent_mean", dist.mean, c.tensor("out.latent_mean"), kComponentAtol);
    report.expectClose("out.latent_logvar", dist.logvar, c.tensor("out.latent_logvar"), kComponentAtol);
    report.expectClose("out.latent_std", dist.std, c.tensor("out.latent_std"), kComponentAtol);
    const at::Tensor decoded = vae->decode(c.tensor("in.latents"));
    report.expectClose("out.decoded", decoded, c.tensor("out.decoded"), kComponentAtol);
    report.note("max|diff| mean " +
                std::to_string((dist.mean - c.tensor("out.latent_mean")).abs().max().item<double>()) +
                ", decoded " +
                std::to_string((decoded - c.tensor("out.decoded")).abs().max().item<double>()));
}

} // namespace

HDR_ORACLE_KIND("vae", runVae);

} // namespace hdr::test::oracle
