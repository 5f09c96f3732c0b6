#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `bench viewer [--file IMAGE] [--repeat N]`: milliseconds per viewer frame after an exposure
// change, 1920x1080 (fit and 1:1) and 3840x2160: the exact per-pixel CPU path against the baked
// LUT path in the same run, and the OpenGL path where a context can be made (run it under
// xvfb-run on a headless machine).
int benchViewer(const Args& args, int repeat);

} // namespace hdr::cli
