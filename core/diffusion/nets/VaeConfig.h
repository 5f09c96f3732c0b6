#pragma once
// AutoencoderKL hyper-parameters, from a diffusers vae/config.json or a preset. Torch-free.
#include "common/Error.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <vector>

namespace hdr::diffusion {

struct VaeConfig {
    int64_t inChannels = 3;
    int64_t outChannels = 3;
    int64_t latentChannels = 4;
    std::vector<int64_t> blockOutChannels{128, 256, 512, 512};
    int64_t layersPerBlock = 2;
    int64_t normNumGroups = 32;
    bool midBlockAddAttention = true;
    bool useQuantConv = true;
    bool usePostQuantConv = true;
    double scalingFactor = 0.18215; // UNet latents = z * scalingFactor (SDXL 0.13025)
    bool forceUpcast = true; // run in fp32 even when weights are fp16/bf16 (SDXL VAE overflows in fp16)
    int64_t sampleSize = 512;

    // Image pixels per latent pixel (8 for every SD VAE: 2^(levels-1)).
    int64_t downscale() const { return int64_t(1) << (blockOutChannels.size() - 1); }

    static core::Result<VaeConfig> fromJson(const nlohmann::json& json);
    static VaeConfig sd15();
    static VaeConfig sdxl();
    core::Status validate() const;
};

} // namespace hdr::diffusion
