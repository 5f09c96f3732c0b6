// hdrstudio-cli tonemap: scene-linear image -> tone-mapped display image with any operator of
// hdr/ToneMap.h (global) or hdr/LocalToneMap.h (local: photographic-local, durand).
#include "commandline/CliCommon.h"
#include "io/ImageIO.h"
#include "tonemap/LocalToneMap.h"
#include "tonemap/ToneMap.h"

#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "tonemap",
    "IN --output OUT [options]",
    "Tone-maps an HDR image to a display-referred PNG/JPEG/TIFF (sRGB or gamma encoded).",
    "Operators: clip, reinhard, drago, aces, agx, pbr-neutral, hable, linear, mu-law, photographic\n"
    "(global, the viewer's list) and photographic-local, durand (local, CLI/export only).\n"
    "Statistics (log-average, maximum, percentile) are taken after --exposure.",
    {outputOption("OUT", "output file (png, png16, jpg, tiff8, tiff16 by extension or --format)"),
     {"operator", "NAME", "tone-mapping operator (default photographic)"},
     {"exposure", "EV", "multiply radiance by 2^EV first (default 0)"},
     {"white", "L", "reinhard/photographic: luminance mapped to white (default: none / image max)"},
     {"bias", "B", "drago: bias 0.5-1 (default 0.85)"},
     {"key", "A", "photographic(-local): key value (default 0.18)"},
     {"mu", "MU", "mu-law: compression (default 5000)"},
     {"peak", "P", "linear/mu-law: max | max-lum | pNN (luminance percentile, e.g. p99.5) | a value"},
     {"phi", "F", "photographic-local: sharpening (default 8)"},
     {"epsilon", "E", "photographic-local: activity threshold (default 0.05)"},
     {"scales", "N", "photographic-local: number of scales (default 8)"},
     {"sigma-s", "PX", "durand: spatial sigma in pixels (default 40)"},
     {"sigma-r", "R", "durand: range sigma in log10 units (default 0.4)"},
     {"base-contrast", "C", "durand: base layer contrast (default 5)"},
     {"saturation", "S", "local operators: colour saturation exponent (default 1)"},
     {"transfer", "T", "output encoding: srgb | gamma2.2 | linear (default srgb)"},
     {"format", "F", "png | png16 | jpg | tiff8 | tiff16"},
     overwriteOption()},
    1,
    1};

} // namespace

int runToneMap(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const auto out = args.value("output");
    std::string err;
    auto num = [&](const char* name) { return args.number(name, err); };
    const float exposure = float(num("exposure").value_or(0.0));
    const std::string opName = args.value("operator").value_or("photographic");
    core::ToneMapParams global;
    core::PhotographicLocalParams local;
    core::DurandParams durand;
    if (auto v = num("white")) global.whitePoint = float(*v);
    if (auto v = num("bias")) global.dragoBias = float(*v);
    if (auto v = num("key")) global.key = local.key = float(*v);
    if (auto v = num("mu")) global.mu = float(*v);
    if (auto v = num("phi")) local.phi = float(*v);
    if (auto v = num("epsilon")) local.epsilon = float(*v);
    if (auto v = num("scales")) local.scales = int(*v);
    if (auto v = num("sigma-s")) durand.sigmaSpatial = float(*v);
    if (auto v = num("sigma-r")) durand.sigmaRange = float(*v);
    if (auto v = num("base-contrast")) durand.baseContrast = float(*v);
    if (auto v = num("saturation")) local.saturation = durand.saturation = float(*v);
    if (!err.empty()) {
        return usageError(err);
    }
    const auto op = core::toneMapOperatorFromString(opName);
    if (!op && opName != "photographic-local" && opName != "durand") {
        return usageError("unknown --operator '" + opName + "' (see --help)");
    }
    core::WriteOptions options;
    options.overwrite = args.flag("overwrite");
    if (auto t = args.value("transfer")) {
        auto transfer = core::Transfer::fromString(*t);
        if (!transfer) {
            return usageError("unknown --transfer '" + *t + "'");
        }
        options.transfer = *transfer;
    }
    if (auto f = args.value("format")) {
        auto format = core::formatFromName(*f);
        if (!format) {
            return usageError("unknown --format '" + *f + "'");
        }
        options.format = *format;
        if (*f == "png16" || *f == "tiff16") {
            options.sampleType = core::SampleType::U16;
        } else if (*f == "tiff8") {
            options.sampleType = core::SampleType::U8;
        }
    }

    TerminalJobContext ctx;
    ctx.setProgress(0.0, "Reading");
    auto image = core::readImage(args.positional()[0]);
    if (!image) {
        return reportError(image.error());
    }
    if (image->colorSpace.primaries != core::Primaries::Rec709) {
        *image = core::convertPrimaries(*image, core::LinearColorSpace{});
    }
    core::applyExposure(*image, exposure);
    core::ImageF result;
    if (op) {
        global.op = *op;
        core::PeakMode mode = core::PeakMode::MaxChannel;
        float percentile = 99.0f;
        std::optional<float> fixedPeak;
        if (auto p = args.value("peak")) {
            if (*p == "max-lum") {
                mode = core::PeakMode::MaxLuminance;
            } else if (p->size() > 1 && (*p)[0] == 'p') {
                mode = core::PeakMode::Percentile;
                percentile = std::strtof(p->c_str() + 1, nullptr);
            } else if (*p != "max") {
                fixedPeak = std::strtof(p->c_str(), nullptr);
            }
        }
        core::applyToneMapStats(global, core::computeToneMapStats(*image, percentile), 1.0f, mode);
        if (fixedPeak) {
            global.peak = *fixedPeak;
        }
        if (auto ok = global.validate(); !ok) {
            return reportError(ok.error());
        }
        result = std::move(*image);
        core::toneMapPixels(global, result.data(), std::size_t(result.pixelCount()), result.channels());
    } else {
        auto mapped = opName == "durand" ? core::toneMapDurand(*image, durand, ctx)
                                         : core::toneMapPhotographicLocal(*image, local, ctx);
        if (!mapped) {
            return reportError(mapped.error());
        }
        result = std::move(*mapped);
    }
    ctx.setProgress(0.9, "Writing");
    // The operators return display-linear Rec.709; the writer applies --transfer.
    options.primaries = core::LinearColorSpace{};
    if (auto ok = core::writeImage(result, *out, options); !ok) {
        return reportError(ok.error());
    }
    ctx.finish();
    std::printf("wrote %s (%s, exposure %+.2f EV, %s)\n",
                out->c_str(),
                opName.c_str(),
                exposure,
                options.transfer.name().c_str());
    return kExitOk;
}

} // namespace hdr::cli
