// hdrstudio-cli generate: txt2img / img2img with Stable Diffusion (issue 5). The work happens in
// core/diffusion/pipeline/GenerateRequest.h (torch-free here). Every image is written as soon as
// it is decoded, so Ctrl-C keeps the finished ones.
#include "app/cli/CliCommon.h"
#include "diffusion/lora/LoraSpec.h"
#include "diffusion/pipeline/GenerateRequest.h"

#include <cstdio>
#include <filesystem>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
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
    {{"model", "PATH", "model: single .safetensors file, diffusers folder or flat folder"},
     {"config", "DIR", "configs for a single-file model (a diffusers folder of the same family)"},
     {"tokenizer", "DIR", "tokenizer folder for a single-file model"},
     {"prompt", "TEXT|FILE", "prompt(s)"},
     {"negative", "TEXT|FILE", "negative prompt(s)"},
     {"image", "PATH|FILE", "img2img input image(s)"},
     {"strength", "S", "img2img strength in (0, 1] (default 0.75)"},
     {"steps", "N", "denoising steps (default 20)"},
     {"cfg", "S", "classifier-free guidance scale (default 7; <= 1 disables it)"},
     {"seed", "N", "seed (default 0)"},
     {"sampler",
      "NAME",
      "euler (default), euler_a, ddim, dpmpp_2m, dpmpp_2m_karras, unipc, pndm, lms, or a "
      "diffusers class name"},
     {"width", "W", "width, multiple of 8 (default 512; 1024 for SDXL)"},
     {"height", "H", "height, multiple of 8 (default 512; 1024 for SDXL)"},
     {"batch", "N", "images per batch (default 1)"},
     {"batch-count", "N", "batches, seed + j each (default 1)"},
     {"lora", "FILE[:S]", "LoRA with strength (default 1); repeat the option for several"},
     {"output", "DIR", "output folder (default .)"},
     {"format", "F", "png (default) or exr"},
     {"dtype", "T", "fp32 (default), bf16 or fp16"},
     {"vae-tile", "PX", "decode the VAE in tiles of PX pixels (multiple of 8, >= 64): less memory"},
     {"device", "D", "cpu (default)"},
     {"threads", "N", "CPU threads (default all)"},
     {"prompt-style", "S", "a1111 (default: (word:1.2) weights, BREAK) or diffusers (plain text)"},
     {"clip-skip", "N", "skip the last N CLIP layers (diffusers clip_skip; A1111 'Clip skip 2' = 1)"},
     {"original-size", "WxH", "SDXL original_size conditioning (default: the output size)"},
     {"crop-top-left", "T,L", "SDXL crops_coords_top_left (default 0,0)"},
     {"target-size", "WxH", "SDXL target_size conditioning (default: the output size)"},
     {"save-latents", "FILE", "also write the final latents (N,4,h/8,w/8 float32) as safetensors"},
     {"from-image", "IMG", "reproduce the image whose parameters IMG (or its JSON sidecar) carries"},
     {"params", "FILE", "reproduce from an A1111 parameters text or our JSON sidecar"}},
    0,
    0};

std::optional<std::array<int, 2>> parsePair(const std::string& text, char separator)
{
    const auto pos = text.find(separator);
    if (pos == std::string::npos) return std::nullopt;
    try {
        const int a = std::stoi(text.substr(0, pos));
        const int b = std::stoi(text.substr(pos + 1));
        return std::array<int, 2>{a, b};
    } catch (const std::logic_error&) {
        return std::nullopt;
    }
}

// Collects every --lora occurrence (the parser keeps the last; scan argv ourselves).
std::vector<std::string> loraValues(const std::vector<std::string>& argv)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--lora" && i + 1 < argv.size()) {
            out.push_back(argv[++i]);
        } else if (argv[i].starts_with("--lora=")) {
            out.push_back(argv[i].substr(7));
        }
    }
    return out;
}

} // namespace

int runGenerate(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const auto model = args.value("model");
    if (!model) {
        return usageError("generate needs --model PATH");
    }
    diffusion::GenerateRequest base;
    base.modelPath = *model;
    base.configDir = args.value("config").value_or("");
    base.tokenizerDir = args.value("tokenizer").value_or("");
    if (const auto from = args.value("from-image") ? args.value("from-image") : args.value("params")) {
        auto params = diffusion::readParametersFrom(*from);
        if (!params) {
            return reportError(params.error());
        }
        base = diffusion::requestFromParameters(*params, base);
    } else if (!args.value("prompt")) {
        return usageError("generate needs --prompt TEXT (or --from-image IMG / --params FILE)");
    }
    std::error_code fsError;
    std::string error;
    base.steps = int(args.number("steps", error).value_or(base.steps));
    base.cfg = args.number("cfg", error).value_or(base.cfg);
    base.seed = std::uint64_t(args.number("seed", error).value_or(double(base.seed)));
    base.width = int(args.number("width", error).value_or(base.width)); // 0: the model's native size
    base.height = int(args.number("height", error).value_or(base.height));
    base.batchSize = int(args.number("batch", error).value_or(base.batchSize));
    base.batchCount = int(args.number("batch-count", error).value_or(base.batchCount));
    base.strength = args.number("strength", error).value_or(base.strength);
    base.threads = int(args.number("threads", error).value_or(0));
    base.clipSkip = int(args.number("clip-skip", error).value_or(base.clipSkip));
    base.vaeTile = int(args.number("vae-tile", error).value_or(0));
    if (!error.empty()) {
        return usageError(error);
    }
    base.sampler = args.value("sampler").value_or(base.sampler);
    base.dtype = args.value("dtype").value_or("fp32");
    base.device = args.value("device").value_or("cpu");
    base.promptStyle = args.value("prompt-style").value_or(base.promptStyle);
    if (base.promptStyle != "a1111" && base.promptStyle != "diffusers") {
        return usageError("--prompt-style must be a1111 or diffusers");
    }
    const std::string format = args.value("format").value_or("png");
    if (format != "png" && format != "exr") {
        return usageError("--format must be png or exr");
    }
    for (const auto& [name, separator, target] : {std::tuple{"original-size", 'x', &base.originalSize},
                                                  std::tuple{"crop-top-left", ',', &base.cropTopLeft},
                                                  std::tuple{"target-size", 'x', &base.targetSize}}) {
        if (const auto value = args.value(name)) {
            *target = parsePair(*value, separator);
            if (!*target) {
                return usageError(std::string("--") + name + " expects two numbers such as " +
                                  (separator == 'x' ? "1024x1024" : "0,0"));
            }
        }
    }
    if (const auto values = loraValues(argv); !values.empty()) {
        auto specs = diffusion::parseLoraSpecs(values);
        if (!specs) {
            return reportError(specs.error());
        }
        base.loras = *specs;
    }
    base.log = [](const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); };

    std::vector<std::string> prompts{base.prompt};
    if (const auto prompt = args.value("prompt")) prompts = diffusion::expandGenerateList(*prompt, false);
    std::vector<std::optional<std::string>> negatives{base.negative};
    if (const auto negative = args.value("negative")) {
        negatives.clear();
        for (auto& n : diffusion::expandGenerateList(*negative, false))
            negatives.emplace_back(std::move(n));
    }
    std::vector<std::string> images{base.initImage.string()};
    if (const auto image = args.value("image")) images = diffusion::expandGenerateList(*image, true);

    const std::filesystem::path outputDir = args.value("output").value_or(".");
    std::filesystem::create_directories(outputDir, fsError);
    if (!base.modelPath.empty() && !std::filesystem::exists(base.modelPath, fsError)) {
        return reportError(
            core::Error{core::ErrorCode::IoError, "the model does not exist", base.modelPath.string()});
    }
    if (base.modelHash.empty()) {
        base.modelHash = diffusion::modelHash(base.modelPath).value_or("");
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
