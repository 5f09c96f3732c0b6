#pragma once

#include "commandline/CliCommon.h"

#include <filesystem>

namespace hdr::cli {

// `bench merge`: bracket merge to HDR, ours vs OpenCV MergeDebevec, luminance-hdr-cli and pfstools.
int benchMerge(const Args& args, int repeat, const std::filesystem::path& dataDir);

} // namespace hdr::cli
