#include "diffusion/pipeline/RequestInputs.h"

#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <algorithm>
#include <cstring>

namespace hdr::diffusion {

using core::ErrorCode;
using core::throwError;

std::shared_ptr<StableDiffusionModel> openRequestModel(const std::filesystem::path& model,
                                                       const std::filesystem::path& configDir,
                                                       const std::filesystem::path& tokenizerDir,
                                                       const std::string& dtype,
                                                       const std::string& device)
{
    ModelLoadOptions options;
    options.files.configDir = configDir;
    options.files.tokenizerDir = tokenizerDir;
    options.dtype = dtypeFromName(dtype);
    options.device = at::Device(device);
    return take(StableDiffusionModel::open(model, options));
}

int64_t vaeTileLatent(int pixels)
{
    if (pixels != 0 && (pixels < 64 || pixels % 8 != 0 || pixels > 8192)) {
        core::throwError(
            core::ErrorCode::InvalidArgument,
            "the VAE tile must be 0 (one piece) or a multiple of 8 from 64 to 8192 pixels, got " +
                std::to_string(pixels));
    }
    return pixels / 8;
}

at::ScalarType dtypeFromName(const std::string& name)
{
    if (name == "fp32" || name == "float32") {
        return at::kFloat;
    }
    if (name == "bf16" || name == "bfloat16") {
        return at::kBFloat16;
    }
    if (name == "fp16" || name == "float16" || name == "half") {
        return at::kHalf;
    }
    throwError(ErrorCode::InvalidArgument, "unknown dtype '" + name + "' (fp32, bf16 or fp16)");
}

namespace {

// [1, H, W, 3] from the top-left multiple-of-8 crop of `image`, each value mapped by `encode`.
template <typename Encode>
at::Tensor
croppedInitTensor(const core::ImageF& image, int& width, int& height, const std::string& where, Encode encode)
{
    width = image.width() / 8 * 8;
    height = image.height() / 8 * 8;
    if (width < 8 || height < 8 || image.channels() < 3) {
        throwError(
            ErrorCode::InvalidArgument, "the input image must be an RGB image of at least 8x8 pixels", where);
    }
    at::Tensor out = at::empty({1, height, width, 3}, at::kFloat);
    float* dst = out.data_ptr<float>();
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const float* p = image.pixel(x, y);
            for (int c = 0; c < 3; ++c) {
                *dst++ = encode(std::clamp(p[c], 0.0f, 1.0f));
            }
        }
    }
    return out;
}

} // namespace

at::Tensor readInitImage(const std::filesystem::path& path, int& width, int& height)
{
    const core::ImageF linear = take(core::readImage(path));
    const core::Transfer srgb = core::Transfer::srgb();
    return croppedInitTensor(
        linear, width, height, path.string(), [&](float v) { return core::encode(srgb, v); });
}

at::Tensor initImageFromDisplay(const core::ImageF& display, int& width, int& height)
{
    return croppedInitTensor(display, width, height, "(in-memory image)", [](float v) { return v; });
}

core::ImageF imageFromDisplayTensor(const at::Tensor& hwc)
{
    const at::Tensor t = hwc.to(at::kCPU, at::kFloat).contiguous();
    core::ImageF image(int(t.size(1)), int(t.size(0)), 3);
    std::memcpy(image.data(), t.data_ptr<float>(), std::size_t(t.numel()) * sizeof(float));
    return image;
}

} // namespace hdr::diffusion
