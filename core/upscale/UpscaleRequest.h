#pragma once
// Torch-free entry point for upscaling (`hdrstudio-cli upscale`, the batch workflow's stage 3):
// ESRGAN / Real-ESRGAN from released weights (EsrganModel.h: .pth, old ESRGAN layout,
// .safetensors), with Real-ESRGAN's tiling, or Lanczos-3 when no weights are given (said so in the
// outcome). Images are display-referred values in [0, 1] (the networks were trained on sRGB
// pictures): upscale before converting to HDR, not scene-linear data.
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"
#include "spec/RequestSpec.h"

#include <filesystem>
#include <string>

namespace hdr::diffusion {

struct UpscaleSettings {
    std::filesystem::path model; // ESRGAN weights; empty: Lanczos
    double scale = 0.0;          // output / input; 0: the network's own scale (Lanczos: 4)
    int tile = 0;                // Real-ESRGAN tile (0: the whole image at once)
    int tilePad = 10;
    int prePad = 10;
    std::string dtype = "fp32";
    std::string device = "cpu";
    int threads = 0;
};

struct UpscaleRequest : UpscaleSettings {
    UpscaleRequest() = default;
    std::filesystem::path input;
    std::filesystem::path output; // the file to write (format by extension)
    bool overwrite = false;
};

const spec::RequestSpec<UpscaleSettings>& upscaleSettingsSpec();
const spec::RequestSpec<UpscaleRequest>& upscaleRequestSpec();

struct UpscaledImage {
    core::ImageF display; // values in [0, 1], same channels as the input
    int networkScale = 0; // 0: Lanczos
    std::string method;   // "RealESRGAN x4 (name.pth)" or "Lanczos-3 (no upscaler weights given)"
};

// display: values in [0, 1] (RGB, RGBA or grey).
core::Result<UpscaledImage>
upscaleDisplayImage(const core::ImageF& display, const UpscaleSettings& settings, core::JobContext& job);

struct UpscaleOutcome {
    std::filesystem::path file;
    int width = 0, height = 0;
    std::string method;
    double seconds = 0.0;
};

// Reads `input` (display-encoded files as their code values; scene-linear files are refused: an
// upscaler trained on sRGB pictures expects pictures), upscales, writes `output` atomically.
core::Result<UpscaleOutcome> runUpscale(const UpscaleRequest& request, core::JobContext& job);

} // namespace hdr::diffusion
