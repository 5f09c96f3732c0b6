// hdrstudio-cli exposure-model train: the learned exposure selector (core/expsel) that
// `select-exposures --model` uses.
#include "TrainingCli.h"
#include "commandline/CliCommon.h"
#include "expsel/ExposureSelector.h"

#include <cstdio>

namespace hdr::cli {
namespace {

CommandSpec trainSpec()
{
    CommandSpec spec{
        "exposure-model train",
        "--hdr FILE... [options]",
        "Trains the network that picks the two exposures to fuse (a run folder, as itm train).",
        "Each sample: a crop of an HDR file exposed N times (8-bit sRGB), every pair fused (Mertens) and\n"
        "ranked against the fusion of all N; the label is the best pair. Statistics are cached\n"
        "(--cache) so later runs skip the ranking.",
        {{"hdr", "FILE", "HDR scene (repeatable)"},
         {"val-scene",
          "NAME",
          "hold out this scene's samples (file name; repeatable; default every 5th sample)"},
         {"exposures", "N", "exposures per bracket (default 5)"},
         {"ev-spacing", "EV", "EV between neighbours (default 1.5)"},
         {"samples", "N", "samples per scene (default 12)"},
         {"thumb", "PX", "thumbnail size the network sees (default 32)"},
         {"backbone", "B", "mobilenetv2 | tiny (default mobilenetv2)"},
         {"width", "X", "MobileNetV2 width multiplier (default 0.35)"},
         {"batch", "N", "samples per micro-batch (default 16)"},
         {"batches", "N", "micro-batches per epoch (default 20)"},
         {"cache", "FILE", "statistics cache (JSON)"}},
        0,
        0};
    for (auto& o : trainingOptionSpecs()) {
        spec.options.push_back(std::move(o));
    }
    return spec;
}

} // namespace

int runExposureModel(const std::vector<std::string>& argv)
{
    if (argv.empty() || argv.front() != "train") {
        std::printf("usage: hdrstudio-cli exposure-model train --hdr FILE... [options]\n");
        return !argv.empty() && (argv.front() == "--help" || argv.front() == "-h") ? kExitOk : kExitUsage;
    }
    const CommandSpec spec = trainSpec();
    Args args;
    if (auto stop = parseCommandLine(spec, std::vector<std::string>(argv.begin() + 1, argv.end()), args)) {
        return *stop;
    }
    expsel::ExposureTrainRequest r;
    for (const auto& f : args.values("hdr")) {
        r.data.hdrFiles.emplace_back(f);
    }
    r.validationScenes = args.values("val-scene");
    std::string err;
    auto num = [&](const char* name, auto& field) {
        if (auto v = args.number(name, err)) {
            field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
        }
    };
    num("exposures", r.data.exposures);
    num("ev-spacing", r.data.evSpacing);
    num("samples", r.data.samplesPerScene);
    num("thumb", r.data.thumbSize);
    num("width", r.net.width);
    num("batch", r.batchSize);
    num("batches", r.batchesPerEpoch);
    if (!err.empty()) {
        return usageError(err);
    }
    r.net.backbone = args.value("backbone").value_or(r.net.backbone);
    r.data.cacheFile = args.value("cache").value_or("");
    if (auto problem = parseTrainingOptions(args, r.training)) {
        return usageError(*problem);
    }
    r.data.seed = r.training.seed;
    TerminalJobContext ctx;
    auto report = expsel::trainExposureSelector(r, ctx);
    ctx.finish();
    if (!report) {
        return reportError(report.error());
    }
    std::printf("run %s\n%d training and %d validation samples (%s); %s after epoch %lld\n",
                report->result.runDir.c_str(),
                report->trainSamples,
                report->validationSamples,
                report->datasetBuilt ? "ranked now" : "from the cache",
                training::nameOf(report->result.reason),
                static_cast<long long>(report->result.lastEpoch));
    return kExitOk;
}

} // namespace hdr::cli
