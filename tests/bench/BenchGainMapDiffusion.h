#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `hdrstudio-bench gm [--latent N] [--steps N] [--threads N]`: the cost of one step of gain-map
// decomposed diffusion (SDR UNet with CFG, batch 2, + the 8-channel gain-map UNet, batch 1)
// against one plain CFG step of the same UNet, SD 1.5 shapes with random weights, in one run.
int benchGainMapDiffusion(const Args& args, int repeat);

} // namespace hdr::cli
