#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `bench esrgan [--size 256] [--repeat 2] [--tile 128] [--tiled-sizes 128,256,512]`: ESRGAN x4
// (BasicSR RRDBNet, 64 features, 23 blocks, growth 32) with random weights on a SIZE x SIZE image,
// ours (core/upscale, loaded from a BasicSR-layout .safetensors) against the same network in
// PyTorch (tests/bench/peer_esrgan.py, same file); then the tiled stage-3 upscale's peak resident
// memory per input size, each measured in a child process of this tool. The default size keeps the
// run near 6 min on 2 cores; --size 512 (whole-image 512x512, tiled 256/512/1024) takes ~30 min
// there: a whole-image x4 pass at 512 is ~5 min (2048x2048x64 activations, 1 GB each).
int benchEsrgan(const Args& args, int repeat);

} // namespace hdr::cli
