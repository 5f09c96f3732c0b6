#pragma once
// Our plugin libraries (the libtorch engine of the CLI and of the GUI): programs load them when a
// feature needs them, so starting a program does not load libtorch (~0.5 s) unless it is used.
// Search order: $HDR_PLUGIN_DIR, <folder of the program>/../lib/hdrstudio (installed), then the
// build tree's plugin folder (a program run from its build).
#include "common/Error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace hdr::core {

std::vector<std::filesystem::path> pluginSearchPath();

// dlopen()s lib<baseName>.so from the search path (it stays loaded) and returns `symbol`; the
// error lists every place tried and the loader's message (e.g. a missing libtorch).
Result<void*> resolvePluginSymbol(const std::string& baseName, const char* symbol);

} // namespace hdr::core
