#pragma once
// What the user-facing request facades (GenerateRequest, BracketedRequest) share when they turn
// command-line settings and files into tensors.
#include "common/Error.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "image/Image.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <string>

namespace hdr::diffusion {

// Unwraps a Result inside the facades' exception-based bodies (errors become HdrError).
template <typename T> T take(core::Result<T>&& result)
{
    if (!result) {
        throw core::HdrError(result.error());
    }
    return std::move(*result);
}

// "fp32"/"float32", "bf16"/"bfloat16", "fp16"/"float16"/"half"; throws InvalidArgument otherwise.
at::ScalarType dtypeFromName(const std::string& name);

// Opens the model of a request: configs and tokenizer folders for single files, dtype and device
// by name. Throws HdrError with the loader's message.
std::shared_ptr<StableDiffusionModel> openRequestModel(const std::filesystem::path& model,
                                                       const std::filesystem::path& configDir,
                                                       const std::filesystem::path& tokenizerDir,
                                                       const std::string& dtype,
                                                       const std::string& device);

// A --vae-tile value in image pixels: 0 (one piece) or a multiple of 8 in 64..8192; returns the
// tile in latent pixels for decodeLatents(); throws InvalidArgument otherwise.
int64_t vaeTileLatent(int pixels);

// img2img input: any image the I/O layer reads (scene-linear) -> display sRGB values in [0, 1],
// [1, H, W, 3] float, cropped to multiples of 8 (width/height receive the cropped size).
at::Tensor readInitImage(const std::filesystem::path& path, int& width, int& height);
// The same from display-referred sRGB values in [0, 1] already in memory (RGB or RGBA).
at::Tensor initImageFromDisplay(const core::ImageF& display, int& width, int& height);

// A decoded image, [H, W, 3] display sRGB values (any dtype and device) -> an ImageF holding the
// same display-referred values (the inverse of initImageFromDisplay, without the crop).
core::ImageF imageFromDisplayTensor(const at::Tensor& hwc);

} // namespace hdr::diffusion
