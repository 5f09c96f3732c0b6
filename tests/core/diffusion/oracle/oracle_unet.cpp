// Oracle kind "unet": diffusers UNet2DConditionModel on the family's weights, both timesteps of
// the case, plus the debug.* intermediates so a mismatch points at the block that causes it.
#include "NetWeights.h"
#include "OracleHarness.h"
#include "diffusion/nets/UNet2DConditionModel.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace hdr::test::oracle {
namespace {

constexpr double kComponentAtol = 5e-5; // oracle README: components

void runUnet(const OracleCase& c, OracleReport& report)
{
    std::ifstream in(c.familyDir() / "unet_config.json");
    if (!in) {
        report.fail("no unet_config.json in " + c.familyDir().string());
        return;
    }
    auto config = diffusion::UNetConfig::fromJson(nlohmann::json::parse(in));
    if (!config) {
        report.fail(config.error().describe());
        return;
    }
    diffusion::UNet2DConditionModel unet(*config, at::TensorOptions().dtype(c.dtype));
    loadNetWeights(*unet, c.familyDir() / "unet.safetensors");
    c10::InferenceMode inference;

    const at::Tensor sample = c.tensor("in.sample");
    const at::Tensor context = c.tensor("in.encoder_hidden_states");
    diffusion::AddedCond added;
    if (c.has("in.text_embeds")) {
        added.textEmbeds = c.tensor("in.text_embeds");
        added.timeIds = c.tensor("in.time_ids");
    }
    for (int j = 0; c.has("in.timestep." + std::to_string(j)); ++j) {
        const std::string sj = "." + std::to_string(j);
        std::map<std::string, at::Tensor> debug;
        const at::Tensor out = unet->forward(sample,
                                             c.tensor("in.timestep" + sj),
                                             context,
                                             added.textEmbeds.defined() ? &added : nullptr,
                                             &debug);
        for (const auto& [name, value] : debug) {
            if (c.has("debug." + name + sj)) {
                report.expectClose(
                    "debug." + name + sj, value, c.tensor("debug." + name + sj), kComponentAtol);
            }
        }
        report.expectClose("out.sample" + sj, out, c.tensor("out.sample" + sj), kComponentAtol);
        report.note("out.sample" + sj + " max|diff| " +
                    std::to_string((out - c.tensor("out.sample" + sj)).abs().max().item<double>()));
    }
}

} // namespace

HDR_ORACLE_KIND("unet", runUnet);

} // namespace hdr::test::oracle
