#pragma once

#include "commandline/CliCommon.h"

#include <filesystem>

namespace hdr::cli {

// `bench startup [--cli PATH] [--file EXR] [--repeat 10]`: wall time of whole commands, best and
// median: `hdrstudio-cli info FILE` vs `oiiotool --info FILE` (and with --stats, which reads the
// pixels as our info does), `hdrstudio-cli model-info --help` (loads the libtorch engine) and
// `hdrstudio --version` (the GUI binary, offscreen).
int benchStartup(const Args& args, int repeat, const std::filesystem::path& dataDir);

} // namespace hdr::cli
