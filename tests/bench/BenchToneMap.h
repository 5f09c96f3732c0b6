#pragma once

#include "commandline/CliCommon.h"

#include <filesystem>

namespace hdr::cli {

// `bench tonemap [--megapixels 12]`: our operators against OpenCV Tonemap* (compute only) and
// luminance-hdr-cli / pfstmo_* (whole command: EXR in, 8-bit image out) on the same 12 MP EXR.
int benchToneMap(const Args& args, int repeat, const std::filesystem::path& dataDir);

} // namespace hdr::cli
