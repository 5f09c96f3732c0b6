// hdrstudio-cli generate: txt2img / img2img with Stable Diffusion (issue 5). The work happens in
// core/diffusion/pipeline/GenerateRequest.h (torch-free here). Every image is written as soon as
// it is decoded, so Ctrl-C keeps the finished ones.
#include "commandline/CliCommon.h"
#include "commandline/SpecOptions.h"
#include "generate/GenerateRequest.h"

#include <cstdio>
#include <filesystem>
#include <set>

namespace hdr::cli {
namespace {

// --prompt, --negative and --image take lists (text files); the command expands them itself.
const std::set<std::string> kListKeys{"prompt", "negative", "image"};

CommandSpec makeSpec()
{
    CommandSpec spec{
        "generate",
        "--model PATH --prompt TEXT|FILE [options]",
        "Generates images with Stable Diffusion 1.5 / SDXL (txt2img, or img2img with --image).",
        "--prompt, --negative and --image take a string or a text file with one entry per line; every\n"
        "prompt runs with every image (negatives pair with prompts by line; the last one repeats).\n"
        "Batch j of --batch-count uses seed + j; the --batch images of one batch share one noise draw\n"
        "as in diffusers. Each image is written to --output as <NNNNN>-<seed>.png (8-bit sRGB with the\n"
        "A1111 'parameters' text chunk) or .exr (--format exr: float, linearised sRGB, no 8-bit\n"
        "quantisation), plus a .json sidecar; existing files are never replaced. --from-image IMG (a\n"
        "PNG of ours or A1111's, or its .json) or --params FILE reproduces an image: its parameters\n"
        "are the defaults, options given on the command line win.",
        {},
        0,
        0};
    addSpecOptions(spec.options, diffusion::generateRequestSpec());
    spec.options.push_back({"output", "DIR", "output folder (default .)"});
    spec.options.push_back({"format", "F", "png (default) or exr"});
    spec.options.push_back(
        {"save-latents", "FILE", "also write the final latents (N,4,h/8,w/8 float32) as safetensors"});
    spec.options.push_back(
        {"from-image", "IMG", "reproduce the image whose parameters IMG (or its JSON sidecar) carries"});
    spec.options.push_back({"params", "FILE", "reproduce from an A1111 parameters text or our JSON sidecar"});
    return spec;
}

} // namespace

int runGenerate(const std::vector<std::string>& argv)
{
    static const CommandSpec kSpec = makeSpec();
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    diffusion::GenerateRequest base;
    if (const auto from = args.value("from-image") ? args.value("from-image") : args.value("params")) {
        auto params = diffusion::readParametersFrom(*from);
        if (!params) {
            return reportError(params.error());
        }
        base = diffusion::requestFromParameters(*params, base);
    } else if (!args.value("prompt")) {
        return usageError("generate needs --prompt TEXT (or --from-image IMG / --params FILE)");
    }
    // Only the options given override (a reproduced request keeps its VAE tile, clip skip ...).
    if (const auto error = applySpecOptions(diffusion::generateRequestSpec(), args, base, kListKeys)) {
        return usageError(*error);
    }
    if (!args.value("model")) {
        return usageError("generate needs --model PATH");
    }
    const std::string format = args.value("format").value_or("png");
    if (format != "png" && format != "exr") {
        return usageError("--format must be png or exr");
    }
    base.log = [](const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); };

    std::vector<std::string> prompts{base.prompt};
    if (const auto prompt = args.value("prompt")) prompts = diffusion::expandListArgument(*prompt, false);
    std::vector<std::optional<std::string>> negatives{base.negative};
    if (const auto negative = args.value("negative")) {
        negatives.clear();
        for (auto& n : diffusion::expandListArgument(*negative, false))
            negatives.emplace_back(std::move(n));
    }
    std::vector<std::string> images{base.initImage.string()};
    if (const auto image = args.value("image")) images = diffusion::expandListArgument(*image, true);

    std::error_code fsError;
    const std::filesystem::path outputDir = args.value("output").value_or(".");
    std::filesystem::create_directories(outputDir, fsError);
    if (!std::filesystem::exists(base.model, fsError)) {
        return reportError(
            core::Error{core::ErrorCode::IoError, "the model does not exist", base.model.string()});
    }
    if (base.modelHash.empty()) {
        base.modelHash = diffusion::modelHash(base.model).value_or("");
    }

    TerminalJobContext job;
    std::vector<diffusion::GeneratedImage> all;
    const bool keepLatents = args.value("save-latents").has_value();
    int runIndex = 0;
    const int runCount = int(prompts.size() * images.size());
    int exitCode = kExitOk;
    for (std::size_t p = 0; p < prompts.size() && exitCode == kExitOk; ++p) {
        for (const auto& image : images) {
            diffusion::GenerateRequest request = base;
            request.prompt = prompts[p];
            request.negative = negatives[std::min(p, negatives.size() - 1)];
            request.initImage = image;
            if (runCount > 1) {
                std::fprintf(stderr, "run %d/%d: %s\n", ++runIndex, runCount, request.prompt.c_str());
            }
            std::optional<core::Error> writeError;
            auto result = diffusion::generate(request, job, [&](const diffusion::GeneratedImage& generated) {
                auto files = diffusion::writeGeneratedImage(generated, outputDir, format);
                job.finish();
                if (!files) {
                    writeError = files.error();
                    return;
                }
                for (const auto& f : *files)
                    std::printf("wrote %s\n", f.string().c_str());
                if (keepLatents) all.push_back(generated);
            });
            job.finish();
            if (writeError) {
                exitCode = reportError(*writeError);
                break;
            }
            if (!result) {
                exitCode = reportError(result.error());
                break;
            }
        }
    }
    if (keepLatents && !all.empty()) {
        if (auto status = diffusion::writeLatentsFile(all, *args.value("save-latents")); !status) {
            return exitCode == kExitOk ? reportError(status.error()) : exitCode;
        }
        std::printf("wrote %s\n", args.value("save-latents")->c_str());
    }
    return exitCode;
}

} // namespace hdr::cli
