// libhdr_cli_engine.so's entry point (EngineCommands.h): the commands that need libtorch.
#include "EngineCommands.h"

#include "commandline/CliCommon.h"

#include <cstring>

namespace hdr::cli {
namespace {

struct EngineRun {
    const char* name;
    CommandFn run;
};

constexpr EngineRun kRuns[] = {
#ifdef HDR_WITH_DIFFUSION
    {"model-info", runModelInfo},
    {"generate", runGenerate},
    {"hdr", runHdr},
    {"gm-generate", runGainMapGenerate},
    {"sdr2hdr", runSdrToHdr},
    {"upscale", runUpscale},
    {"batch", runBatch},
#endif
#ifdef HDR_WITH_TRAINING
    {"itm", runItm},
    {"exposure-model", runExposureModel},
    {"select-exposures", runSelectExposures}, // --model: the learned selector
#endif
};

} // namespace
} // namespace hdr::cli

extern "C" int hdrstudio_cli_engine_run(const char* command, const std::vector<std::string>* args)
{
    for (const auto& c : hdr::cli::kRuns) {
        if (std::strcmp(c.name, command) == 0) {
            return c.run(*args);
        }
    }
    return -1;
}
