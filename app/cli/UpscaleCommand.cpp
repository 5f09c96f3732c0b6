// hdrstudio-cli upscale: ESRGAN / Real-ESRGAN (or Lanczos without weights) on a picture; the work
// happens in core/upscale/UpscaleRequest.h (torch-free here). Options come from its spec.
#include "commandline/CliCommon.h"
#include "commandline/SpecOptions.h"
#include "upscale/UpscaleRequest.h"

#include <cstdio>

namespace hdr::cli {
namespace {

CommandSpec makeSpec()
{
    CommandSpec spec{
        "upscale",
        "IN --output OUT [--upscaler WEIGHTS] [options]",
        "Upscales a picture with ESRGAN / Real-ESRGAN (BasicSR RRDBNet weights), or Lanczos-3 without "
        "weights.",
        "Weights: the Real-ESRGAN release .pth files ('params_ema' preferred, else 'params'), old ESRGAN\n"
        ".pth files (\"model.N\" layout, x4), or .safetensors; the scale (x4, x2, x1) is read from the\n"
        "weights. --tile N runs the network on N x N tiles with --tile-pad context (bounded memory, as\n"
        "Real-ESRGAN does). The input is a picture (8/16-bit); the output keeps its bit depth and alpha.",
        {},
        1,
        1};
    addSpecOptions(spec.options, diffusion::upscaleRequestSpec());
    return spec;
}

} // namespace

int runUpscale(const std::vector<std::string>& argv)
{
    static const CommandSpec kSpec = makeSpec();
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    diffusion::UpscaleRequest request;
    if (const auto error = applySpecOptions(diffusion::upscaleRequestSpec(), args, request)) {
        return usageError(*error);
    }
    request.input = args.positional().front();
    if (auto ok = diffusion::upscaleRequestSpec().validate(request); !ok) {
        return usageError(ok.error().message);
    }
    TerminalJobContext job;
    auto outcome = diffusion::runUpscale(request, job);
    job.finish();
    if (!outcome) {
        return reportError(outcome.error());
    }
    std::printf("%s: %dx%d, %.2f s\nwrote %s\n",
                outcome->method.c_str(),
                outcome->width,
                outcome->height,
                outcome->seconds,
                outcome->file.string().c_str());
    return kExitOk;
}

} // namespace hdr::cli
