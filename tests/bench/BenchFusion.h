#pragma once

#include "commandline/CliCommon.h"

#include <filesystem>

namespace hdr::cli {

// `bench fusion [--megapixels 12 --images 4]`: ours vs enfuse and OpenCV MergeMertens.
int benchFusion(const Args& args, int repeat, const std::filesystem::path& dataDir);

} // namespace hdr::cli
