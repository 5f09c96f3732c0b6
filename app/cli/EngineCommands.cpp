#include "EngineCommands.h"

#include "commandline/CliCommon.h"
#include "common/PluginLoader.h"

namespace hdr::cli {

const std::vector<EngineCommand>& engineCommands()
{
    static const std::vector<EngineCommand> commands = {
#ifdef HDR_ENGINE_HAS_DIFFUSION
        {"model-info",
         "describe a Stable Diffusion model: architecture, components, dtypes, missing tensors"},
        {"generate", "generate images with Stable Diffusion (txt2img / img2img, LoRA, A1111 metadata)"},
        {"hdr",
         "generate an HDR image with Stable Diffusion from exposure-bracketed branches (EXR, fused PNG)"},
        {"gm-generate",
         "generate an HDR image with gain-map decomposed diffusion (GM-Diffusion: SDR + gain map)"},
        {"sdr2hdr", "expand an SDR image to HDR with GM-Diffusion's gain-map UNet"},
        {"upscale", "upscale a picture with ESRGAN / Real-ESRGAN weights (or Lanczos)"},
        {"batch", "generate candidates, then upscale the kept ones (stage 1 -> curate -> stages 2, 3)"},
#endif
#ifdef HDR_ENGINE_HAS_TRAINING
        {"itm", "LDR -> HDR network: train, infer (8-bit image to EXR), export"},
        {"exposure-model", "train the network select-exposures --model uses"},
#endif
    };
    return commands;
}

int runEngineCommand(const std::string& command, const std::vector<std::string>& args)
{
    using RunFn = int (*)(const char*, const std::vector<std::string>*);
    static const auto entry = core::resolvePluginSymbol("hdr_cli_engine", "hdrstudio_cli_engine_run");
    if (!entry) {
        return reportError(entry.error());
    }
    const int code = reinterpret_cast<RunFn>(*entry)(command.c_str(), &args);
    if (code < 0) {
        return usageError("this build's engine has no command '" + command + "'");
    }
    return code;
}

} // namespace hdr::cli
