#include "color/Ocio.h"
#include "commandline/CliCommon.h"
#include "display/DisplayExport.h"
#include "display/DisplayTransform.h"
#include "io/ImageIO.h"

#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "convert",
    "IN OUT [options]",
    "Converts an image between formats, optionally changing exposure or rendering it through an OCIO view.",
    "Scene-linear outputs (exr, hdr, tiff = 32-bit float, dng) keep radiance: only --exposure applies.\n"
    "Display-referred outputs (png, png16, jpg, tiff8, tiff16) are rendered as the viewer shows them:\n"
    "exposure -> tone map -> OCIO display/view, and tagged with an ICC profile (or a PNG cICP chunk for\n"
    "the Rec.2100-PQ display). The format comes from --format or the OUT extension.\n"
    "Existing outputs are never replaced unless --overwrite is given.",
    {{"format", "F", "exr | hdr | tiff | tiff16 | tiff8 | png | png16 | jpg | dng"},
     {"exposure", "EV", "multiply radiance by 2^EV first (default 0)"},
     {"display", "NAME", "OCIO display for display-referred output (default sRGB; also Rec.2100-PQ)"},
     {"view", "NAME", "OCIO view (default Standard; also AgX, ACES, Raw)"},
     toneMapOption("clip"),
     {"half", "", "EXR: 16-bit half samples (default)"},
     {"float", "", "EXR/TIFF: 32-bit float samples"},
     {"compression", "C", "EXR: none|rle|zips|zip|piz|pxr24|b44|b44a|dwaa|dwab (default zip)"},
     jpegQualityOption(92),
     {"primaries", "P", "scene-linear output primaries: rec709|rec2020|p3d65|acescg|aces-ap0"},
     {"no-icc", "", "do not embed an ICC profile"},
     {"part", "N", "OpenEXR input: part to read"},
     {"layer", "NAME", "OpenEXR input: layer to read"},
     overwriteOption()},
    2,
    2};

bool isDisplayFormatName(const std::string& f)
{
    return f == "png" || f == "png8" || f == "png16" || f == "jpg" || f == "jpeg" || f == "tiff8" ||
           f == "tiff16";
}

} // namespace

int runConvert(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const std::string in = args.positional()[0], out = args.positional()[1];
    std::string numberError;
    const double exposure = args.number("exposure", numberError).value_or(0.0);
    const auto quality = args.number("quality", numberError);
    const auto part = args.number("part", numberError);
    if (!numberError.empty()) {
        return usageError(numberError);
    }

    std::string formatName = args.value("format").value_or("");
    if (formatName.empty()) {
        formatName = core::nameOf(core::formatFromExtension(out));
        if (formatName == "unknown") {
            return usageError("cannot tell the output format from '" + out + "'; add --format");
        }
    }
    const auto format = core::formatFromName(formatName);
    if (!format) {
        return usageError("unknown --format '" + formatName + "'");
    }
    core::WriteOptions options;
    options.format = *format;
    options.overwrite = args.flag("overwrite");
    options.embedIcc = !args.flag("no-icc");
    if (quality) {
        if (*quality < 1 || *quality > 100) {
            return usageError("--quality must be between 1 and 100");
        }
        options.jpegQuality = int(*quality);
    }
    if (auto c = args.value("compression")) {
        auto comp = core::exrCompressionFromName(*c);
        if (!comp) {
            return usageError("unknown --compression '" + *c + "'");
        }
        options.compression = *comp;
    }
    if (args.flag("half") && args.flag("float")) {
        return usageError("--half and --float exclude each other");
    }
    if (args.flag("half")) {
        options.sampleType = core::SampleType::Half;
    } else if (args.flag("float")) {
        options.sampleType = core::SampleType::Float;
    }
    if (formatName == "png16" || formatName == "tiff16") {
        options.sampleType = core::SampleType::U16;
    } else if (formatName == "tiff8" || formatName == "png8") {
        options.sampleType = core::SampleType::U8;
    }
    if (auto p = args.value("primaries")) {
        auto prim = core::primariesFromString(*p);
        if (!prim) {
            return usageError("unknown --primaries '" + *p + "'");
        }
        options.primaries = core::LinearColorSpace{*prim, {}};
    }

    core::ReadOptions readOptions;
    if (part) {
        readOptions.part = int(*part);
    }
    readOptions.layer = args.value("layer").value_or("");
    TerminalJobContext ctx;
    ctx.setProgress(0.0, "Reading");
    auto image = core::readImage(in, readOptions);
    if (!image) {
        return reportError(image.error());
    }

    const bool displayReferred = isDisplayFormatName(formatName);
    if (!displayReferred) {
        if (args.value("view") || args.value("display") || args.value("tonemap")) {
            return usageError(
                "--view, --display and --tonemap apply to display-referred outputs (png, png16, jpg, "
                "tiff8, tiff16); '" +
                formatName + "' stores scene-linear radiance");
        }
        core::applyExposure(*image, float(exposure));
        ctx.setProgress(0.5, "Writing");
        if (auto ok = core::writeImage(*image, out, options); !ok) {
            return reportError(ok.error());
        }
        ctx.finish();
        std::printf("wrote %s (%s, scene-linear %s)\n",
                    out.c_str(),
                    formatName.c_str(),
                    core::effectivePrimaries(*image, *format, options).name().c_str());
        return kExitOk;
    }

    core::DisplaySettings settings;
    settings.exposureEv = float(exposure);
    settings.display = args.value("display").value_or("");
    settings.view = args.value("view").value_or("");
    if (auto op = args.value("tonemap")) {
        auto parsed = core::toneMapOperatorFromString(*op);
        if (!parsed) {
            return usageError("unknown --tonemap '" + *op + "'");
        }
        settings.toneMap.op = *parsed;
    }
    std::shared_ptr<const core::OcioConfig> ocio;
    if (auto config = core::OcioConfig::loadDefault()) {
        ocio = *config;
    } else if (!settings.display.empty() || !settings.view.empty()) {
        return reportError(config.error());
    } else {
        std::fprintf(
            stderr, "hdrstudio-cli: warning: %s; using built-in sRGB\n", config.error().describe().c_str());
    }
    auto transform = core::DisplayTransform::create(settings, ocio.get(), image->colorSpace);
    if (!transform) {
        return reportError(transform.error());
    }
    auto encoded = core::renderDisplayImage(*image, *transform, ctx);
    if (!encoded) {
        return reportError(encoded.error());
    }
    ctx.setProgress(0.9, "Writing");
    if (auto ok = core::writeDisplayImage(*encoded, out, options); !ok) {
        return reportError(ok.error());
    }
    ctx.finish();
    std::printf("wrote %s (%s, %s)\n", out.c_str(), formatName.c_str(), transform->description().c_str());
    return kExitOk;
}

} // namespace hdr::cli
