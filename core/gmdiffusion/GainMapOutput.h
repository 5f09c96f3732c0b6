#pragma once
// The files of a gain-map diffusion run (torch-free), written as one set (all or none,
// common/OutputSet.h) under <dir>/<stem>:
//   <stem>.exr          scene-linear HDR, float, Rec.709, 1.0 = SDR white (peak qmax + 1)
//   <stem>.hdr          Radiance RGBE with HDR / (qmax + 1), as the research code writes it
//                       (scripts/inference/generate_hdr.py; no primaries tag, so Rec.709)
//   <stem>_sdr.png      the SDR branch, 8-bit sRGB
//   <stem>_gainmap.png  the 3-channel gain map GM in [0, 1], 16-bit, values as they are (no
//                       transfer: GM is data, Eq. (1) reads it linearly)
//   <stem>_ultrahdr.jpg Ultra HDR JPEG: the SDR as sRGB base + the gain map re-encoded as a
//                       standard per-channel log2 map computed against the base as decoders see it
//                       (sRGB curve, JPEG compression), offsets 1/64: a standard decoder
//                       reproduces the HDR within the 8-bit quantisation of the map
//   <stem>.json         the parameters record and the run's figures
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct GainMapOutputSettings {
    std::filesystem::path directory;
    std::string stamp;
    std::set<std::string> formats; // exr, hdr, sdr, gainmap, jpg
    double qmax = 99.0;
    int jpegQuality = 95;
    bool json = true;
    bool overwrite = false;
};

std::vector<std::filesystem::path> plannedGainMapOutputs(const GainMapOutputSettings& settings);
// A stem ("<epoch seconds>[-n]") none of whose planned files exists.
std::string freeGainMapStamp(GainMapOutputSettings settings);

// sdr, gainMap: display values in [0, 1] (RGB); hdr: scene-linear Rec.709.
core::Result<std::vector<std::filesystem::path>> writeGainMapOutputs(const core::ImageF& sdr,
                                                                     const core::ImageF& gainMap,
                                                                     const core::ImageF& hdr,
                                                                     nlohmann::json record,
                                                                     const GainMapOutputSettings& settings,
                                                                     core::JobContext& job);

} // namespace hdr::diffusion
