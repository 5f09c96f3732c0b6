#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `bench unet [--skip-peer] [--no-bf16] [--latent 64]`: one SD1.5-size UNet step (batch 2) and one
// 512x512 VAE decode in fp32 and bf16, against PyTorch (tests/bench/torch_unet.py) on the same
// weights, with the machine's measured matmul/conv throughput for reference.
int benchDiffusion(const Args& args, int repeat);

} // namespace hdr::cli
