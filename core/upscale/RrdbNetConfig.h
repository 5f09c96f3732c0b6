#pragma once
// RRDBNet's shape (BasicSR's constructor arguments) and how to read it off a state dict's key
// shapes, plus the old ESRGAN (2018) "model.N" names. Torch-free: model-info style tools and tests
// use it without libtorch.
//
// Scale: from conv_first's input channels, 3 / 12 / 48 for x4 / x2 / x1 (BasicSR x2 and x1 nets
// pixel-unshuffle the input by 2 / 4 first); conv_up1 and conv_up2 exist at every scale, so they
// do not tell the scale (oracle gotcha 20: stable-diffusion.cpp gets this wrong for x2 files).
// Old ESRGAN names (BasicSR 474ed378 codes/models/modules/architecture.py):
//   model.0 = conv_first, model.1.sub.{i}.RDB{r}.conv{c}.0 = body.{i}.rdb{r}.conv{c},
//   model.1.sub.{num_block} = conv_body, model.3 = conv_up1, model.6 = conv_up2, model.8 = conv_hr,
//   model.10 = conv_last. Only x4 networks exist in that layout.
#include "common/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct RrdbNetConfig {
    int64_t inChannels = 3, outChannels = 3;
    int64_t scale = 4; // 4, 2 or 1 (the network's overall factor)
    int64_t numFeat = 64, numBlock = 23, numGrowCh = 32;
};

using RrdbKeyShapes = std::map<std::string, std::vector<int64_t>>;

// The BasicSR name of an old ESRGAN key ("model.1.sub.3.RDB2.conv1.0.weight" ->
// "body.3.rdb2.conv1.weight"); nullopt when the key is not part of that layout. numBlock: the
// count of RRDBs (needed to tell conv_body, model.1.sub.{numBlock}, from a block).
std::optional<std::string> basicsrNameOfOldEsrgan(const std::string& oldName, int64_t numBlock);
// True when the keys are in the old layout (model.0.weight present).
bool isOldEsrganLayout(const RrdbKeyShapes& keys);
// Counts the RRDBs of an old-layout state dict (model.1.sub.{i}.RDB1.* for i < num_block).
int64_t oldEsrganBlockCount(const RrdbKeyShapes& keys);

// The network a BasicSR-named state dict describes; UnsupportedFormat with the reason when the keys
// are not an RRDBNet (a SwinIR, a compact SRVGG, a diffusion model, ...).
core::Result<RrdbNetConfig> inferRrdbNetConfig(const RrdbKeyShapes& basicsrKeys);

} // namespace hdr::diffusion
