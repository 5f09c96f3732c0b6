// hdrstudio-cli hdr: exposure-bracketed HDR generation (issue 6), with vladmandic/sd-hdr's flags
// and defaults. The work happens in core/diffusion/pipeline/BracketedRequest.h (torch-free here).
#include "app/cli/CliCommon.h"
#include "diffusion/pipeline/BracketStrategy.h"
#include "diffusion/pipeline/BracketedOutput.h"
#include "diffusion/pipeline/BracketedRequest.h"

#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
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
    {{"model", "PATH", "model: single .safetensors file or diffusers folder"},
     {"config", "DIR", "configs for a single-file model (a diffusers folder of the same family)"},
     {"tokenizer", "DIR", "tokenizer folder for a single-file model"},
     {"prompt", "TEXT|FILE", "prompt(s)"},
     {"negative", "TEXT|FILE", "negative prompt(s)"},
     {"prompt-style", "STYLE", "diffusers (default, as sd-hdr) or a1111 (emphasis, prompts over 75 tokens)"},
     {"vae-tile", "PX", "decode the VAE in tiles of PX pixels (multiple of 8, >= 64): less memory"},
     {"image", "PATH|FILE", "img2img input image(s)"},
     {"strength", "S", "img2img strength in (0, 1] (default 0.75)"},
     {"dtype", "T", "fp32, fp16 or bf16 (default fp32)"},
     {"device", "D", "cpu or cuda[:N] (default cpu)"},
     {"width", "W", "width in pixels, multiple of 8 (default 1024)"},
     {"height", "H", "height in pixels, multiple of 8 (default 1024)"},
     {"steps", "N", "denoising steps (default 20)"},
     {"seed", "N", "seed (default 0)"},
     {"cfg", "S", "classifier-free guidance scale (default 7)"},
     {"sampler", "NAME", "euler_a (default), euler, dpmpp_2m, dpmpp_2m_karras, unipc, ddim, lms, pndm, ..."},
     {"brackets", "N|EV,..", "bracket count (default 3) or explicit EVs such as -2,0,2"},
     {"exp", "STOPS", "EV step between brackets for a count (default 1.0)"},
     {"strategy", "NAME", "reference (default) or calibrated"},
     {"timestep", "T", "branch below this timestep (default 200)"},
     {"fraction", "F", "instead of --timestep: the fraction of the steps run as branches"},
     {"sequential", "", "run the branches one at a time through the UNet (less memory)"},
     {"independent-noise", "", "independent ancestral noise per branch (default: shared)"},
     {"output", "DIR", "output folder (default .)"},
     {"format", "LIST", "png, tiff, exr, hdr, dng or all, comma separated (default exr,png)"},
     {"gamma", "G", "recorded for sd-hdr compatibility; HDR files here are scene-linear (default 2.2)"},
     {"save", "", "also save every bracket (16-bit PNG)"},
     {"ldr", "", "also save an 8-bit PNG of the fusion"},
     {"json", "", "write the JSON sidecar (default on; --no-json to skip)"},
     {"no-json", "", "do not write the JSON sidecar"},
     {"debug", "", "also save the image at the threshold"},
     {"offload", "", "free the text encoders after encoding"},
     {"threads", "N", "CPU threads (default all)"},
     {"overwrite", "", "replace existing files"}},
    0,
    0};

} // namespace

int runHdr(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    diffusion::BracketedRequest base;
    const auto model = args.value("model");
    const auto prompt = args.value("prompt");
    if (!model || !prompt) {
        return usageError("hdr needs --model PATH and --prompt TEXT");
    }
    base.model = *model;
    base.configDir = args.value("config").value_or("");
    base.tokenizerDir = args.value("tokenizer").value_or("");
    base.dtype = args.value("dtype").value_or("fp32");
    base.device = args.value("device").value_or("cpu");
    base.sampler = args.value("sampler").value_or("euler_a");
    base.promptStyle = args.value("prompt-style").value_or("diffusers");
    if (base.promptStyle != "diffusers" && base.promptStyle != "a1111") {
        return usageError("--prompt-style must be diffusers or a1111");
    }
    base.strategy = args.value("strategy").value_or("reference");
    if (!diffusion::bracketStrategyFromName(base.strategy)) {
        return usageError("--strategy must be reference or calibrated");
    }
    std::string error;
    base.width = int(args.number("width", error).value_or(1024));
    base.height = int(args.number("height", error).value_or(1024));
    base.steps = int(args.number("steps", error).value_or(20));
    base.seed = std::uint64_t(args.number("seed", error).value_or(0));
    base.cfg = args.number("cfg", error).value_or(7.0);
    base.strength = args.number("strength", error).value_or(0.75);
    base.exposureStep = args.number("exp", error).value_or(1.0);
    base.gamma = args.number("gamma", error).value_or(2.2);
    base.timestep = args.number("timestep", error).value_or(200.0);
    base.branchFraction = args.number("fraction", error);
    base.threads = int(args.number("threads", error).value_or(0));
    base.vaeTile = int(args.number("vae-tile", error).value_or(0));
    if (!error.empty()) {
        return usageError(error);
    }
    auto evs = diffusion::parseBracketSpec(args.value("brackets").value_or("3"), base.exposureStep);
    if (!evs) {
        return usageError(evs.error().message);
    }
    base.evs = *evs;
    auto formats = diffusion::parseOutputFormats(args.value("format").value_or("exr,png"));
    if (!formats) {
        return usageError(formats.error().message);
    }
    base.formats = *formats;
    base.outputDir = args.value("output").value_or(".");
    base.sequentialBranches = args.flag("sequential");
    base.sharedBranchNoise = !args.flag("independent-noise");
    base.saveBrackets = args.flag("save");
    base.ldr = args.flag("ldr");
    base.json = !args.flag("no-json");
    base.debug = args.flag("debug");
    base.offload = args.flag("offload");
    base.overwrite = args.flag("overwrite");

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
            request.image = image;
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
