#pragma once
// Torch-free entry point for gain-map decomposed diffusion (GM-Diffusion, ICCV 2025;
// docs/gainmap-diffusion.md): text -> SDR + gain map -> HDR, or an SDR image -> gain map -> HDR.
// The SDR model is an SD 1.5 checkpoint (`model`); the gain-map UNet (`gmModel`) is its 8-channel
// twin (a single file or a folder with the UNet; its VAE and text encoder, if any, are not used:
// GM-Diffusion shares SD 1.5's). The CLI (`gm-generate`, `sdr2hdr`) and the GUI call this.
// Defaults are the research scripts': DDPM, 50 steps, CFG 7.5, 512x512, qmax 99, diffusers prompts.
//
// HDR = clamp((SDR^2.2 + 1/64) (1 + GM qmax) - 1/64, 0, qmax + 1): scene-linear, 1.0 = SDR white,
// peak qmax + 1, in the SDR's primaries (Rec.709: SD 1.5 makes sRGB images).
#include "common/Error.h"
#include "common/JobContext.h"
#include "generate/DiffusionSettings.h"
#include "image/Image.h"

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct GainMapRequest : DiffusionSettings {
    GainMapRequest(); // the research scripts' defaults

    std::filesystem::path gmModel;  // the gain-map UNet (8 input channels)
    std::filesystem::path sdrImage; // SDR -> HDR: the input image (empty: text -> HDR)
    double qmax = 99.0;             // peak gain - 1 (the research code's 9 / 49 / 99)
    // Output
    std::filesystem::path outputDir = ".";
    std::set<std::string> formats{"exr", "hdr", "sdr", "gainmap", "jpg"};
    int jpegQuality = 95;
    bool json = true;
    bool overwrite = false;
    std::string stamp; // file stem; empty = epoch seconds (bumped if taken)
};

// The diffusion settings plus gm-model, sdr-image, qmax and the outputs.
const spec::RequestSpec<GainMapRequest>& gainMapRequestSpec();

// The decoded results, for the GUI: display-encoded sRGB SDR and gain map in [0, 1], and the HDR
// (scene-linear Rec.709).
struct GainMapImages {
    core::ImageF sdr, gainMap, hdr;
};

struct GainMapOutcome {
    std::vector<std::filesystem::path> files;
    std::string stamp;
    int steps = 0, sdrUnetCalls = 0, gmUnetCalls = 0;
    double seconds = 0.0, peak = 0.0; // HDR peak, x SDR white
};

struct GainMapCallbacks {
    std::function<void(const GainMapImages&)> onImages; // once decoded, before the files are written
};

core::Result<GainMapOutcome> runGainMapDiffusion(const GainMapRequest& request,
                                                 core::JobContext& job,
                                                 const GainMapCallbacks& callbacks = {});

} // namespace hdr::diffusion
