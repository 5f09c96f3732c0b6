#include "bracketed/BracketStrategy.h"

#include "diffusion/nets/AutoencoderKL.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>

namespace hdr::diffusion {

using core::ErrorCode;

void applyReferenceStrategy(at::Tensor& latents, const std::vector<double>& evs)
{
    c10::InferenceMode guard;
    const at::Tensor channel0 = latents.select(1, 0);                // [N, h, w] view
    const at::Tensor mean = channel0.mean({1, 2}, /*keepdim=*/true); // [N, 1, 1]
    const at::Tensor target =
        at::tensor(evs, at::kDouble).to(latents.scalar_type()).to(latents.device()) / 2.0;
    channel0.sub_(mean).add_(target.view({-1, 1, 1}));
}

at::Tensor srgbToLinear(const at::Tensor& encoded)
{
    return at::where(
        encoded <= 0.04045, encoded / 12.92, ((encoded.clamp_min(0.0) + 0.055) / 1.055).pow(2.4));
}

at::Tensor linearToSrgb(const at::Tensor& linear)
{
    return at::where(
        linear <= 0.0031308, linear * 12.92, 1.055 * linear.clamp_min(0.0).pow(1.0 / 2.4) - 0.055);
}

at::Tensor calibrateExposureOffsets(AutoencoderKLImpl& vae,
                                    const at::Tensor& imageNhwc01,
                                    const std::vector<double>& evs,
                                    int maxSide)
{
    c10::InferenceMode guard;
    at::Tensor image = imageNhwc01.to(at::kFloat).permute({0, 3, 1, 2}).contiguous(); // [1, 3, H, W]
    const int64_t h = image.size(2), w = image.size(3);
    const double scale = std::min(1.0, double(maxSide) / double(std::max(h, w)));
    if (scale < 1.0) {
        const int64_t sh = std::max<int64_t>(8, int64_t(std::lround(double(h) * scale / 8.0)) * 8);
        const int64_t sw = std::max<int64_t>(8, int64_t(std::lround(double(w) * scale / 8.0)) * 8);
        image = at::adaptive_avg_pool2d(image, {sh, sw});
    }
    const at::Tensor linear = srgbToLinear(image.clamp(0.0, 1.0));
    std::vector<at::Tensor> exposed{image};
    for (const double ev : evs) {
        exposed.push_back(linearToSrgb((linear * std::exp2(ev)).clamp(0.0, 1.0)));
    }
    const at::Tensor batch = at::cat(exposed).to(vae.dtype()) * 2.0 - 1.0;
    const at::Tensor means = vae.encode(batch).mean.to(at::kFloat).mean({2, 3}) * vae.config().scalingFactor;
    return (means.slice(0, 1) - means.slice(0, 0, 1)).contiguous(); // [N, C]
}

void applyCalibratedStrategy(at::Tensor& latents, const at::Tensor& offsets)
{
    c10::InferenceMode guard;
    const at::Tensor means = latents.mean({2, 3});             // [N, C]
    const at::Tensor common = means.mean(0, /*keepdim=*/true); // [1, C]
    const at::Tensor relative = offsets.to(latents.options()) - offsets.to(latents.options()).mean(0, true);
    const at::Tensor target = common + relative; // [N, C]
    latents.add_((target - means).unsqueeze(-1).unsqueeze(-1));
}

} // namespace hdr::diffusion
