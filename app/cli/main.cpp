// hdrstudio-cli: every core job for batch work. Parses the subcommand and hands over to the
// command's own file, which parses its options into a request and calls the core.
#include "EngineCommands.h"
#include "commandline/CliCommon.h"
#include "common/Parallel.h"
#include "common/ThreadingSetup.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr hdr::cli::Command kCommands[] = {
    {"info",
     "print size, channels, pixel type, colour space, luminance range and dynamic range",
     hdr::cli::runInfo},
    {"convert",
     "convert between EXR, Radiance HDR, TIFF, PNG, JPEG and DNG (exposure, OCIO view)",
     hdr::cli::runConvert},
    {"demo", "write the demo HDR scene (EXR + a tone-mapped PNG preview)", hdr::cli::runDemo},
    {"fuse",
     "exposure fusion (Mertens) of an LDR bracket into one display-referred image",
     hdr::cli::runFuse},
    {"merge",
     "merge an LDR exposure bracket into one scene-linear HDR (EXIF or --ev, align, deghost)",
     hdr::cli::runMerge},
    {"gainmap",
     "Ultra HDR / gain-map JPEGs: decode to HDR, encode from HDR, convert GM-Diffusion maps",
     hdr::cli::runGainMap},
    {"tonemap", "tone-map an HDR image to PNG/JPEG/TIFF (global and local operators)", hdr::cli::runToneMap},
    {"compare", "PSNR, SSIM and HDR metrics (log, mu-law, PU21) between two images", hdr::cli::runCompare},
    {"bracket",
     "synthesise a camera exposure bracket (+ EXIF, JSON truth) from an HDR image",
     hdr::cli::runBracket},
    {"select-exposures",
     "rank exposure pairs by how well their fusion matches the whole stack",
     hdr::cli::runSelectExposures},
};

void printHelp()
{
    std::printf(
        "HDR Studio command line %s\n\nusage: hdrstudio-cli [--threads N] COMMAND [ARGS]\n\ncommands:\n",
        HDR_VERSION);
    for (const auto& c : kCommands) {
        std::printf("  %-16s %s\n", c.name, c.summary);
    }
    for (const auto& c : hdr::cli::engineCommands()) {
        std::printf("  %-16s %s\n", c.name, c.summary);
    }
    std::printf("\n'hdrstudio-cli COMMAND --help' describes a command.\n"
                "exit codes: 0 ok, 1 failed, 2 wrong arguments, 3 output exists (use --overwrite), "
                "130 interrupted\n");
}

} // namespace

int main(int argc, char** argv)
{
    // Before libtorch (loaded with the engine plugin) starts its OpenMP team: its idle workers must
    // sleep, not spin against the core's pool (common/ThreadingSetup.h).
    hdr::core::configureThreadingForApp(argv);
    std::vector<std::string> args(argv + 1, argv + argc);
    // Global options before the command.
    while (!args.empty() && args.front().rfind("--", 0) == 0) {
        const std::string a = args.front();
        if (a == "--help") {
            printHelp();
            return hdr::cli::kExitOk;
        }
        if (a == "--version") {
            std::printf("hdrstudio-cli %s\n", HDR_VERSION);
            return hdr::cli::kExitOk;
        }
        if (a == "--threads" && args.size() > 1) {
            hdr::core::setWorkerThreadCount(std::atoi(args[1].c_str()));
            args.erase(args.begin(), args.begin() + 2);
            continue;
        }
        return hdr::cli::usageError("unknown option " + a + " (see hdrstudio-cli --help)");
    }
    if (args.empty()) {
        printHelp();
        return hdr::cli::kExitUsage;
    }
    for (const auto& c : kCommands) {
        if (args.front() == c.name) {
            return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
        }
    }
    for (const auto& c : hdr::cli::engineCommands()) {
        if (args.front() == c.name) {
            return hdr::cli::runEngineCommand(c.name, std::vector<std::string>(args.begin() + 1, args.end()));
        }
    }
    return hdr::cli::usageError("unknown command '" + args.front() + "' (see hdrstudio-cli --help)");
}
