// hdrstudio-cli batch: the stage-1 -> curate -> upscale workflow (issue 12; docs/batch.md). The
// settings come from batchConfigSpec() (--config FILE, then the flags); the work happens in
// core/batch/BatchRunner.h (torch-free here). One line per finished image on stdout.
#include "batch/BatchConfigYaml.h"
#include "batch/BatchRunner.h"
#include "commandline/CliCommon.h"
#include "commandline/SpecOptions.h"

#include <cstdio>

namespace hdr::cli {
namespace {

CommandSpec makeSpec()
{
    CommandSpec spec{
        "batch",
        "[--config FILE] [--stage1 | --upscale] [--once] [options]",
        "Generates candidates, keeps their metadata, and upscales the ones you keep (SD 1.5 / SDXL).",
        "Modes: without --stage1 or --upscale every candidate is upscaled right away; --stage1 makes\n"
        "candidates only (stage1/ + metadata/) for curating in the gallery; --upscale upscales every\n"
        "stage-1 image that still exists, has its metadata and has no final yet. Runs go on until\n"
        "Ctrl-C (or --count images); --once makes one pass. Stage 2: Lanczos to --stage2-scale, then\n"
        "img2img at --stage2-strength. Stage 3: ESRGAN (--upscaler; Lanczos without weights), then\n"
        "img2img on overlapping tiles blended with cosine or linear weights. Output tree under --output:\n"
        "stage1/<stamp>_stage1_WxH.png, metadata/<stem>.json, final/<stamp>_final_WxH.png,\n"
        "intermediates/{stage2_up,stage2,stage3_up,tiles}/. Prompt pool: --prompt-file, --negative-file,\n"
        "--options-file (0-5 phrases per image from its seed); LoRA pool: --lora-dir with character/ and\n"
        "style/ (one of each per image, NAME.txt = trigger words); <lora:name:weight> in prompts.\n"
        "Ctrl-C abandons the image in progress (none of its files are left) and keeps finished ones.\n"
        "Every option can be set in the YAML config (resources/batch/example.yaml); flags win.",
        {},
        0,
        0};
    spec.options.push_back({"config", "FILE", "YAML config (keys as the options below; flags override it)"});
    spec.options.push_back({"stage1", "", "only make stage-1 candidates"});
    spec.options.push_back({"upscale", "", "only upscale stage-1 images that have no final yet"});
    spec.options.push_back({"once", "", "one pass (stage 1: --count images, or 1), then stop"});
    addSpecOptions(spec.options, batch::batchConfigSpec());
    return spec;
}

void printFinished(const batch::FinishedImage& image)
{
    if (image.stage == "stage1") {
        std::printf("stage1 %s %dx%d seed %llu\n",
                    image.image.string().c_str(),
                    image.width,
                    image.height,
                    static_cast<unsigned long long>(image.seed));
    } else {
        const std::string method = image.method.empty() ? std::string() : " (" + image.method + ")";
        std::printf("final %s %dx%d from %s%s\n",
                    image.image.string().c_str(),
                    image.width,
                    image.height,
                    image.source.c_str(),
                    method.c_str());
        for (const auto& file : image.hdrFiles)
            std::printf("hdr %s\n", file.string().c_str());
    }
    for (const auto& problem : image.problems)
        std::fprintf(stderr, "hdrstudio-cli: warning: %s\n", problem.c_str());
    std::fflush(stdout); // one line per image as it finishes, also into a pipe
}

} // namespace

int runBatch(const std::vector<std::string>& argv)
{
    static const CommandSpec kSpec = makeSpec();
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    if (args.flag("stage1") && args.flag("upscale")) {
        return usageError("batch takes --stage1 or --upscale, not both (neither: the full pipeline)");
    }
    batch::BatchConfig config;
    if (const auto file = args.value("config")) {
        auto read = batch::readBatchConfig(*file);
        if (!read) {
            return reportError(read.error());
        }
        config = std::move(*read);
    }
    if (const auto error = applySpecOptions(batch::batchConfigSpec(), args, config)) {
        return usageError(*error);
    }
    if (auto ok = batch::validateBatchConfig(config); !ok) {
        return usageError(ok.error().message);
    }

    batch::BatchRunOptions options;
    options.mode = args.flag("stage1")    ? batch::BatchMode::Stage1
                   : args.flag("upscale") ? batch::BatchMode::Upscale
                                          : batch::BatchMode::Full;
    options.once = args.flag("once");
    options.onImage = printFinished;
    options.log = [](const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); };

    TerminalJobContext job;
    auto summary = batch::runBatch(config, options, job);
    job.finish();
    if (!summary) {
        return reportError(summary.error());
    }
    if (summary->failed > 0) {
        std::fprintf(
            stderr, "hdrstudio-cli: %d image(s) could not be upscaled (see above)\n", summary->failed);
        return kExitFailed;
    }
    return kExitOk;
}

} // namespace hdr::cli
