#pragma once
#include <string>
#include <vector>

namespace hdr::cli {

// `hdrstudio-bench SECTION [options]`; returns the exit code.
int runBench(const std::vector<std::string>& argv);

} // namespace hdr::cli
