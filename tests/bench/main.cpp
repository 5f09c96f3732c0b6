// hdrstudio-bench SECTION [options]: the benchmarks (BenchCommand.cpp), a tool of its own so the
// shipped command line carries no measuring code.
#include "BenchCommand.h"
#include "commandline/CliCommon.h"
#include "common/ThreadingSetup.h"

#include <string>
#include <vector>

int main(int argc, char** argv)
{
    // Measure the programs' own set-up (thread wait policy, BLAS kernels); the peers the benches
    // start inherit the same environment. May restart this process once.
    hdr::core::configureThreadingForApp(argv);
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        return hdr::cli::usageError(
            "usage: hdrstudio-bench io|viewer|fusion|merge|gainmap|tonemap|startup|unet|"
            "gm|brackets|esrgan|itm [options] (see hdrstudio-bench --help)");
    }
    return hdr::cli::runBench(args);
}
