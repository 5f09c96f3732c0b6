#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `bench gainmap [--megapixels 12]`: Ultra HDR encode/decode of a synthetic scene, ours against a
// numpy implementation of the same formulas (tests/bench/peer_gainmap.py); no gain-map library
// is packaged for Debian 12 (hdr.md §2.8).
int benchGainMap(const Args& args, int repeat);

} // namespace hdr::cli
