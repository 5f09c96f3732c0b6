// hdrstudio-cli itm train | infer | export: the LDR -> HDR network (core/itm).
#include "TrainingCli.h"
#include "commandline/CliCommon.h"
#include "itm/ItmInference.h"
#include "itm/ItmTraining.h"
#include "training/Checkpoint.h"

#include <cstdio>

namespace hdr::cli {
namespace {

CommandSpec trainSpec()
{
    CommandSpec spec{
        "itm train",
        "[--pairs DIR] [--hdr FILE]... [options]",
        "Trains the LDR -> HDR network; writes a run folder (runs/<timestamp>[_tag]/).",
        "Data: --pairs DIR holds ldr/ and hdr/ (matched by file name; LDR files are linearised\n"
        "through their transfer function), and/or --hdr files from which LDR inputs are\n"
        "synthesised (camera curve, exposure, clipping, 8-bit, JPEG). Stop a run gracefully by\n"
        "creating STOP_TRAINING in its folder; continue it with --run-dir DIR --resume latest.\n"
        "Distributed: start one process per rank with --rank/--world-size/--master-addr/--master-port\n"
        "or the torchrun variables RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.",
        {{"options", "FILE", "JSON object of these options (name -> value); flags given here win"},
         {"pairs", "DIR", "folder with ldr/ and hdr/ subfolders"},
         {"hdr", "FILE", "HDR file to synthesise pairs from (repeatable)"},
         {"val-hdr", "FILE", "HDR file for validation only (repeatable)"},
         {"min-size", "PX", "skip images whose shorter side is smaller (default 1024; 0 = keep all)"},
         {"max-size", "PX", "downscale images to this longer side first (default 0 = keep)"},
         {"variants", "N", "synthesised LDR variants per HDR file (default 4)"},
         {"srgb-camera", "", "synthesise with the sRGB curve only (default: sRGB, gamma and film)"},
         {"val-fraction", "X", "share of pairs held out without --val-hdr (default 0.15)"},
         {"tile", "PX", "training tile (default 64)"},
         {"batch", "N", "tiles per micro-batch (default 8)"},
         {"batches", "N", "micro-batches per epoch (default 50)"},
         {"scale-jitter", "X", "crop tile·s px, s in [1, X], resized to the tile (default 1)"},
         {"base-channels", "N", "network width (default 16)"},
         {"alpha", "X", "loss: alpha·L1 + (1 - alpha)·L1(log1p) (default 0.5)"},
         {"scale-hdr", "X", "targets are divided by this (default 1)"},
         {"infer-tile", "PX", "inference tile stored in the checkpoint (default 256)"},
         {"infer-overlap", "PX", "inference overlap stored in the checkpoint (default 32)"}},
        0,
        0};
    for (auto& o : trainingOptionSpecs()) {
        spec.options.push_back(std::move(o));
    }
    return spec;
}

const CommandSpec kInferSpec{
    "itm infer",
    "IN OUT.exr [options]",
    "Expands an 8-bit image (PNG/JPEG/TIFF) to a scene-linear HDR EXR with the LDR -> HDR network.",
    "Without --checkpoint the shipped default model is used. Tiling comes from the checkpoint.",
    {{"checkpoint", "FILE", "a checkpoint (best.pt, latest.pt, ...) instead of the default model"},
     {"preview", "PNG", "also write a log-tone-mapped preview"},
     {"tile", "PX", "override the checkpoint's tile size"},
     {"overlap", "PX", "override the checkpoint's tile overlap"},
     {"float", "", "write 32-bit float EXR (default half)"},
     {"device", "D", "cpu | cuda (default cpu)"},
     overwriteOption("replace existing outputs")},
    2,
    2};

const CommandSpec kExportSpec{"itm export",
                              "CHECKPOINT OUT.pt [--overwrite]",
                              "Writes a checkpoint without its optimizer state (what ships as a model).",
                              "",
                              {overwriteOption("replace an existing output")},
                              2,
                              2};

int runTrain(const std::vector<std::string>& given)
{
    const CommandSpec spec = trainSpec();
    auto expanded = expandOptionsFile(given);
    if (auto* problem = std::get_if<std::string>(&expanded)) {
        return usageError(*problem);
    }
    const auto& argv = std::get<std::vector<std::string>>(expanded);
    Args args;
    if (auto stop = parseCommandLine(spec, argv, args)) {
        return *stop;
    }
    itm::ItmTrainRequest r;
    r.data.pairsDir = args.value("pairs").value_or("");
    for (const auto& f : args.values("hdr")) {
        r.data.hdrFiles.emplace_back(f);
    }
    for (const auto& f : args.values("val-hdr")) {
        r.data.validationHdrFiles.emplace_back(f);
    }
    std::string err;
    auto num = [&](const char* name, auto& field) {
        if (auto v = args.number(name, err)) {
            field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
        }
    };
    num("min-size", r.data.minSize);
    num("max-size", r.data.maxSize);
    num("variants", r.data.synthVariants);
    r.data.srgbCameraOnly = args.flag("srgb-camera");
    num("val-fraction", r.data.validationFraction);
    num("tile", r.data.tile);
    num("batch", r.data.batchSize);
    num("batches", r.data.batchesPerEpoch);
    num("scale-jitter", r.data.scaleJitter);
    num("base-channels", r.model.net.baseChannels);
    num("alpha", r.model.alphaLoss);
    num("scale-hdr", r.model.scaleHdr);
    num("infer-tile", r.model.tile);
    num("infer-overlap", r.model.overlap);
    if (!err.empty()) {
        return usageError(err);
    }
    if (auto problem = parseTrainingOptions(args, r.training)) {
        return usageError(*problem);
    }
    r.data.seed = r.training.seed;
    TerminalJobContext ctx;
    auto report = itm::trainItm(r, ctx);
    ctx.finish();
    if (!report) {
        return reportError(report.error());
    }
    const auto& t = report->result;
    std::printf(
        "run %s\n%d training pairs, %d validation pairs; %s after epoch %lld, best loss %.6g (epoch %lld)\n",
        t.runDir.c_str(),
        report->trainPairs,
        report->validationPairs,
        training::nameOf(t.reason),
        static_cast<long long>(t.lastEpoch),
        t.bestLoss,
        static_cast<long long>(t.bestEpoch));
    return kExitOk;
}

int runInfer(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kInferSpec, argv, args)) {
        return *stop;
    }
    itm::ItmInferRequest r;
    r.input = args.positional()[0];
    r.output = args.positional()[1];
    r.preview = args.value("preview").value_or("");
    r.checkpoint = args.value("checkpoint").value_or("");
    r.floatOutput = args.flag("float");
    r.overwrite = args.flag("overwrite");
    r.device = args.value("device").value_or("cpu");
    std::string err;
    if (auto v = args.number("tile", err)) {
        r.tile = int(*v);
    }
    if (auto v = args.number("overlap", err)) {
        r.overlap = int(*v);
    }
    if (!err.empty()) {
        return usageError(err);
    }
    TerminalJobContext ctx;
    auto report = itm::runItmInference(r, ctx);
    ctx.finish();
    if (!report) {
        return reportError(report.error());
    }
    std::printf("%s: %dx%d, %d tiles, peak %.3g x the LDR white, %.2f s (model %s)\n",
                r.output.c_str(),
                report->width,
                report->height,
                report->tiles,
                double(report->peak),
                report->seconds,
                report->checkpoint.c_str());
    return kExitOk;
}

int runExport(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kExportSpec, argv, args)) {
        return *stop;
    }
    if (auto s =
            training::exportWeightsOnly(args.positional()[0], args.positional()[1], args.flag("overwrite"));
        !s) {
        return reportError(s.error());
    }
    return kExitOk;
}

} // namespace

int runItm(const std::vector<std::string>& argv)
{
    const std::string sub = argv.empty() ? "" : argv.front();
    const std::vector<std::string> rest(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
    if (sub == "train") {
        return runTrain(rest);
    }
    if (sub == "infer") {
        return runInfer(rest);
    }
    if (sub == "export") {
        return runExport(rest);
    }
    std::printf("usage: hdrstudio-cli itm train|infer|export [options]   ('itm train --help' for more)\n");
    return sub == "--help" || sub == "-h" ? kExitOk : kExitUsage;
}

} // namespace hdr::cli
