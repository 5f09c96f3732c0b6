#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `bench itm [--batch 8] [--tile 64] [--steps 30]`: training steps per second of the LDR -> HDR
// network (core/itm: ItmNet, hybridLoss, Adam as the trainer sets it up) against the same network
// and loop in PyTorch (tests/bench/peer_itm.py), on the same weights, data and thread count.
int benchItm(const Args& args);

} // namespace hdr::cli
