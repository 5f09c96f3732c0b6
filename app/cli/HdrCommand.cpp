// hdrstudio-cli hdr: exposure-bracketed HDR generation (issue 6), with vladmandic/sd-hdr's flags
// and defaults. The work happens in core/diffusion/pipeline/BracketedRequest.h (torch-free here).
#include "bracketed/BracketSettings.h"
#include "bracketed/BracketedOutput.h"
#include "bracketed/BracketedRequest.h"
#include "commandline/CliCommon.h"
#include "commandline/SpecOptions.h"
#include "generate/GenerationMetadata.h"

#include <cstdio>
#include <set>

namespace hdr::cli {
namespace {

// --prompt, --negative and --image take lists (text files); the command expands them itself.
const std::set<std::string> kListKeys{"prompt", "negative", "image"};

CommandSpec makeSpec()
{
    CommandSpec spec{
        "hdr",
        "--model PATH --prompt TEXT [options]",
        "Generates an HDR image with Stable Diffusion from exposure-bracketed branches of one denoising run.",
        "The denoising loop runs once down to --timestep (or for 1 - --fraction of the steps); the\n"
        "latents there branch into one exposure per bracket, which finish together as one UNet batch\n"
        "while --strategy corrects their exposure after every step ('reference': sd-hdr's latent\n"
        "channel-0 re-centring to exp*(i-(N-1)/2)/2; 'calibrated': per-channel latent offsets measured\n"
        "through the VAE; docs/bracketed-generation.md). The brackets are decoded and merged twice:\n"
        "Mertens fusion (16-bit PNG/TIFF, 8-bit --ldr) and a radiance merge into scene-linear HDR\n"
        "(EXR, Radiance .hdr, float TIFF, linear DNG) with each bracket's EV estimated from its pixels.\n"
        "Files are named by the epoch time in --output: <t>.exr, <t>_fused.png, <t>_ldr.png,\n"
        "<t>_bracket<i>.png (--save), <t>_threshold.png (--debug), <t>.json (parameters and per-bracket\n"
        "statistics). --prompt, --negative and --image take a string or a text file with one entry per\n"
        "line; every prompt is run with every image. Ctrl-C stops; finished runs keep their files, the\n"
        "interrupted one leaves none.",
        {},
        0,
        0};
    addSpecOptions(spec.options, diffusion::bracketedRequestSpec());
    spec.options.push_back(
        {"brackets", "N|EV,..", "bracket count (default 3) or explicit EVs such as -2,0,2"});
    spec.options.push_back(
        {"independent-noise", "", "independent ancestral noise per branch (default: shared)"});
    return spec;
}

} // namespace

int runHdr(const std::vector<std::string>& argv)
{
    static const CommandSpec kSpec = makeSpec();
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const auto prompt = args.value("prompt");
    if (!args.value("model") || !prompt) {
        return usageError("hdr needs --model PATH and --prompt TEXT");
    }
    diffusion::BracketedRequest base;
    if (const auto error = applySpecOptions(diffusion::bracketedRequestSpec(), args, base, kListKeys)) {
        return usageError(*error);
    }
    base.sharedBranchNoise = !args.flag("independent-noise");
    if (const auto brackets = args.value("brackets")) {
        auto evs = diffusion::parseBracketSpec(*brackets, base.exposureStep);
        if (!evs) {
            return usageError(evs.error().message);
        }
        base.evs = *evs;
    } else {
        base.evs = diffusion::evenBracketEvs(3, base.exposureStep);
    }
    const auto prompts = diffusion::expandListArgument(*prompt, false);
    std::vector<std::optional<std::string>> negatives{std::nullopt};
    if (const auto negative = args.value("negative")) {
        negatives.clear();
        for (auto& n : diffusion::expandListArgument(*negative, false)) {
            negatives.emplace_back(std::move(n));
        }
    }
    std::vector<std::string> images{""};
    if (const auto image = args.value("image")) {
        images = diffusion::expandListArgument(*image, true);
    }
    std::error_code ec;
    std::filesystem::create_directories(base.outputDir, ec);

    TerminalJobContext job;
    int runIndex = 0;
    const int runCount = int(prompts.size() * images.size());
    for (std::size_t p = 0; p < prompts.size(); ++p) {
        for (const auto& image : images) {
            diffusion::BracketedRequest request = base;
            request.prompt = prompts[p];
            request.negative = negatives[std::min(p, negatives.size() - 1)];
            request.initImage = image;
            ++runIndex;
            if (runCount > 1) {
                std::fprintf(stderr, "run %d/%d: %s\n", runIndex, runCount, request.prompt.c_str());
            }
            auto outcome = diffusion::runBracketedGeneration(request, job);
            job.finish();
            if (!outcome) {
                return reportError(outcome.error());
            }
            std::printf("brackets:");
            for (std::size_t i = 0; i < outcome->nominalEv.size(); ++i) {
                std::printf(" %+.2f EV (estimated %+.2f)", outcome->nominalEv[i], outcome->estimatedEv[i]);
            }
            std::printf("%s\n", outcome->evsEstimated ? "" : " [estimation failed: nominal EVs used]");
            std::printf("unet: %d calls, %lld samples, %d base + %d branch steps, %.2f s total\n",
                        outcome->unetCalls,
                        static_cast<long long>(outcome->unetSamples),
                        outcome->baseSteps,
                        outcome->branchSteps,
                        outcome->seconds);
            for (const auto& f : outcome->files) {
                std::printf("wrote %s\n", f.string().c_str());
            }
        }
    }
    return kExitOk;
}

} // namespace hdr::cli
