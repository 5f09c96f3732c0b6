// hdrstudio-cli gm-generate / sdr2hdr: gain-map decomposed diffusion (GM-Diffusion; the work
// happens in core/gmdiffusion/GainMapRequest.h, torch-free here). Options come from the request
// spec, as the GUI's controls do.
#include "commandline/CliCommon.h"
#include "commandline/SpecOptions.h"
#include "generate/GenerationMetadata.h"
#include "gmdiffusion/GainMapRequest.h"

#include <cstdio>
#include <filesystem>
#include <set>

namespace hdr::cli {
namespace {

const std::set<std::string> kListKeys{"prompt", "negative"};

const char* kOutputs =
    "Files in --output, named by the epoch time: <t>.exr (scene-linear Rec.709, 1.0 = SDR white, peak\n"
    "qmax + 1), <t>.hdr (HDR / (qmax + 1), as GM-Diffusion's scripts write it), <t>_sdr.png,\n"
    "<t>_gainmap.png (the 3-channel gain map), <t>_ultrahdr.jpg (Ultra HDR: the SDR plus the gain map\n"
    "re-encoded so that any Ultra HDR decoder reproduces the HDR) and <t>.json. --format picks a\n"
    "subset. A run writes all its files or none; Ctrl-C leaves none. docs/gainmap-diffusion.md\n"
    "describes the method.";

CommandSpec makeSpec(bool fromSdr)
{
    CommandSpec spec{
        fromSdr ? "sdr2hdr" : "gm-generate",
        fromSdr ? "IN --model SD15 --gm-model GM [options]"
                : "--model SD15 --gm-model GM --prompt TEXT [options]",
        fromSdr ? "Expands an SDR image to HDR with GM-Diffusion's gain-map UNet (SDR -> gain map -> HDR)."
                : "Generates an HDR image with gain-map decomposed diffusion (GM-Diffusion): text -> SDR + "
                  "gain map -> HDR.",
        std::string(fromSdr ? "The gain-map branch alone runs, conditioned on the VAE encoding of IN "
                              "(prompt '' by default,\nas the research script).\n"
                            : "Two UNets denoise together: the SDR branch with classifier-free guidance, "
                              "and the gain-map\nbranch conditioned on the SDR branch's x0 estimate every "
                              "step. --prompt and --negative take\na string or a text file with one entry "
                              "per line.\n") +
            kOutputs,
        {},
        fromSdr ? 1 : 0,
        fromSdr ? 1 : 0};
    // No init image: text -> HDR starts from noise, SDR -> HDR takes its image as IN.
    addSpecOptions(spec.options, diffusion::gainMapRequestSpec(), {"image", "strength"});
    return spec;
}

int run(const std::vector<std::string>& argv, bool fromSdr)
{
    static const CommandSpec kTextSpec = makeSpec(false), kSdrSpec = makeSpec(true);
    const CommandSpec& spec = fromSdr ? kSdrSpec : kTextSpec;
    Args args;
    if (auto stop = parseCommandLine(spec, argv, args)) {
        return *stop;
    }
    if (!args.value("model") || !args.value("gm-model")) {
        return usageError(spec.name + " needs --model PATH (SD 1.5) and --gm-model PATH (the gain-map UNet)");
    }
    if (!fromSdr && !args.value("prompt")) {
        return usageError("gm-generate needs --prompt TEXT");
    }
    diffusion::GainMapRequest base;
    if (const auto error = applySpecOptions(diffusion::gainMapRequestSpec(), args, base, kListKeys)) {
        return usageError(*error);
    }
    if (fromSdr) {
        base.sdrImage = args.positional().front();
    }
    std::vector<std::string> prompts{std::string()}; // sdr2hdr: '' as generate_hdr.py
    if (const auto prompt = args.value("prompt")) prompts = diffusion::expandListArgument(*prompt, false);
    std::vector<std::optional<std::string>> negatives{std::nullopt};
    if (const auto negative = args.value("negative")) {
        negatives.clear();
        for (auto& n : diffusion::expandListArgument(*negative, false))
            negatives.emplace_back(std::move(n));
    }
    std::error_code ec;
    std::filesystem::create_directories(base.outputDir, ec);

    TerminalJobContext job;
    for (std::size_t p = 0; p < prompts.size(); ++p) {
        diffusion::GainMapRequest request = base;
        request.prompt = prompts[p];
        request.negative = negatives[std::min(p, negatives.size() - 1)];
        if (prompts.size() > 1) {
            std::fprintf(stderr, "run %zu/%zu: %s\n", p + 1, prompts.size(), request.prompt.c_str());
        }
        auto outcome = diffusion::runGainMapDiffusion(request, job);
        job.finish();
        if (!outcome) {
            return reportError(outcome.error());
        }
        std::printf("HDR peak %.2f x SDR white (qmax %g), %d steps, %.2f s\n",
                    outcome->peak,
                    request.qmax,
                    outcome->steps,
                    outcome->seconds);
        for (const auto& f : outcome->files) {
            std::printf("wrote %s\n", f.string().c_str());
        }
    }
    return kExitOk;
}

} // namespace

int runGainMapGenerate(const std::vector<std::string>& argv)
{
    return run(argv, false);
}

int runSdrToHdr(const std::vector<std::string>& argv)
{
    return run(argv, true);
}

} // namespace hdr::cli
