// hdrstudio-cli fuse: Mertens exposure fusion of a bracket straight to a display-referred file.
#include "commandline/BracketFiles.h"
#include "commandline/CliCommon.h"
#include "hdr/ExposureFusion.h"
#include "io/ImageIO.h"

#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "fuse",
    "IN1 IN2 ... --output OUT [options]",
    "Fuses an exposure bracket into one display-referred image (Mertens exposure fusion).",
    "Inputs are LDR photos of the same size (JPEG, PNG, TIFF; any file the I/O layer reads is\n"
    "re-encoded to sRGB signal values first). No exposure data or alignment is needed.\n"
    "Weights default to the Mertens paper's 1, 1, 1. OpenCV's createMergeMertens defaults to\n"
    "contrast 1, saturation 1, exposedness 0, and enfuse to 0, 0.2, 1: pass them to match those.\n"
    "Output: sRGB, clipped to [0, 1]; PNG and TIFF are written with 16 bits per sample (fusion\n"
    "computes in float, 16 bits avoid banding in smooth skies), JPEG with 8; --depth overrides.\n"
    "Existing outputs are never replaced unless --overwrite is given.",
    {outputOption("OUT", "output file (.png, .tif/.tiff, .jpg)"),
     {"contrast", "W", "contrast weight exponent (default 1)"},
     {"saturation", "W", "saturation weight exponent (default 1)"},
     {"exposedness", "W", "well-exposedness weight exponent (default 1)"},
     {"sigma", "S", "well-exposedness Gaussian width around 0.5 (default 0.2)"},
     {"levels", "N", "pyramid levels (default: automatic, floor(log2(short side)) + 1)"},
     {"depth", "BITS", "8 or 16 bits per sample"},
     jpegQualityOption(92),
     overwriteOption()},
    1,
    -1};

} // namespace

int runFuse(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const auto output = args.value("output");
    if (args.positional().size() < 2) {
        return usageError("fuse needs at least two input images (got " +
                          std::to_string(args.positional().size()) + ")");
    }
    std::string numberError;
    core::MertensParams params;
    params.contrastWeight = float(args.number("contrast", numberError).value_or(1.0));
    params.saturationWeight = float(args.number("saturation", numberError).value_or(1.0));
    params.exposednessWeight = float(args.number("exposedness", numberError).value_or(1.0));
    params.exposednessSigma = float(args.number("sigma", numberError).value_or(0.2));
    params.levels = int(args.number("levels", numberError).value_or(0.0));
    const auto depth = args.number("depth", numberError);
    const auto quality = args.number("quality", numberError);
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (auto ok = params.validate(); !ok) {
        return usageError(ok.error().message);
    }
    core::WriteOptions options;
    options.format = core::formatFromExtension(*output);
    if (options.format != core::FileFormat::Png && options.format != core::FileFormat::Tiff &&
        options.format != core::FileFormat::Jpeg) {
        return usageError("fuse writes PNG, TIFF or JPEG; cannot tell which from '" + *output + "'");
    }
    options.overwrite = args.flag("overwrite");
    options.sampleType =
        options.format == core::FileFormat::Jpeg ? core::SampleType::U8 : core::SampleType::U16;
    if (depth) {
        if (*depth != 8 && *depth != 16) {
            return usageError("--depth must be 8 or 16");
        }
        if (*depth == 16 && options.format == core::FileFormat::Jpeg) {
            return usageError("JPEG holds 8 bits per sample only");
        }
        options.sampleType = *depth == 8 ? core::SampleType::U8 : core::SampleType::U16;
    }
    if (quality) {
        if (*quality < 1 || *quality > 100) {
            return usageError("--quality must be between 1 and 100");
        }
        options.jpegQuality = int(*quality);
    }

    TerminalJobContext ctx;
    auto images = readBracketSignals(args.positional(), ctx);
    if (!images) {
        return reportError(images.error());
    }
    auto fused = core::fuseMertens(*images, params, ctx);
    if (!fused) {
        return reportError(fused.error());
    }
    ctx.setProgress(0.95, "Writing");
    if (auto ok = core::writeDisplayImage(quantizeSignal16(*fused), *output, options); !ok) {
        return reportError(ok.error());
    }
    ctx.finish();
    std::printf("wrote %s (%d x %d, %d-bit sRGB, fused from %zu images)\n",
                output->c_str(),
                fused->width(),
                fused->height(),
                *options.sampleType == core::SampleType::U8 ? 8 : 16,
                images->size());
    return kExitOk;
}

} // namespace hdr::cli
