// hdrstudio-cli merge: an LDR exposure bracket -> one scene-linear HDR file (hdr/BracketMerge.h),
// with exposures from EXIF, typed EVs or estimated from the pixels, optional MTB alignment,
// deghosting, recovered response curves and a tone-mapped 8-bit preview.
#include "commandline/BracketFiles.h"
#include "commandline/CliCommon.h"
#include "hdr/BracketMerge.h"
#include "hdr/ExposureAlignment.h"
#include "hdr/ExposureEstimation.h"
#include "image/TransferFunction.h"
#include "io/ExifReader.h"
#include "io/ImageIO.h"
#include "tonemap/ToneMap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "merge",
    "IN1 IN2 ... --output OUT [options]",
    "Merges an exposure bracket of LDR photos into one scene-linear HDR image.",
    "Exposures come from each file's EXIF (ExposureTime x ISO / FNumber^2), from --ev (stops,\n"
    "one per input, in input order), or --ev auto (estimated from the pixels). The output is\n"
    "scene-linear Rec.709 in the units of the middle exposure: 1.0 = what that photo recorded as\n"
    "white. Pixels clipped (or black) in every input take the best available exposure.\n"
    "Outputs: .exr (half float), .hdr (Radiance RGBE), .tif (32-bit float), .dng (16-bit linear),\n"
    ".png = 16-bit 'HDR PNG': PQ-encoded (SMPTE ST 2084) with BT.2020 primaries and a cICP chunk,\n"
    "1.0 = 203 cd/m2, so values above about 49 (10000 cd/m2) clip; use --exposure to place them.\n"
    "--response debevec/robertson recover the camera curve from the bracket itself (Debevec &\n"
    "Malik 1997 with 70 samples and lambda 10, or Robertson 2003, as OpenCV's defaults).\n"
    "Existing outputs are never replaced unless --overwrite is given.",
    {outputOption("OUT", "output file (.exr, .hdr, .tif, .dng, .png)"),
     {"ev", "EV,EV,...|auto", "exposure values in stops (default: from EXIF)"},
     {"response", "CURVE", "srgb (default) | gamma:G | linear | debevec | robertson"},
     {"weight", "W", "hat (default) | gaussian | debevec"},
     {"align", "", "align hand-held frames (median threshold bitmaps, translation only)"},
     {"deghost", "", "drop exposures that disagree with the reference (moving objects)"},
     {"reference", "N", "reference image for deghosting and alignment, 1-based (default: middle)"},
     {"exposure", "EV", "scale the output by 2^EV (default 0)"},
     {"preview", "LDR", "also write a tone-mapped 8-bit preview (.png/.jpg)"},
     overwriteOption("replace existing outputs")},
    1,
    -1};

std::string baseName(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Relative exposures from EXIF, normalised so the middle exposure is 1.
core::Result<std::vector<double>> exposuresFromExif(const std::vector<std::string>& paths)
{
    std::vector<core::ExposureExif> exif;
    bool allIso = true, allAperture = true;
    for (const auto& path : paths) {
        auto e = core::readExposureExif(path);
        if (!e) {
            return tl::unexpected(e.error());
        }
        if (!e->exposureTime) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "no exposure data in " + baseName(path) + ": pass --ev or --ev auto",
                              path);
        }
        allIso &= e->iso.has_value();
        allAperture &= e->fNumber.has_value();
        exif.push_back(*e);
    }
    std::vector<double> out;
    for (const auto& e : exif) {
        out.push_back(*core::relativeExposure(e, allIso, allAperture));
    }
    return out;
}

void normaliseToMiddle(std::vector<double>& exposure)
{
    std::vector<double> sorted = exposure;
    std::sort(sorted.begin(), sorted.end());
    const double middle = sorted[sorted.size() / 2];
    for (double& e : exposure) {
        e /= middle;
    }
}

core::Status writePreview(const core::ImageF& hdr, const std::string& path, bool overwrite)
{
    core::ImageF mapped = hdr;
    core::ToneMapParams params;
    params.op = core::ToneMapOperator::Photographic;
    core::applyToneMapStats(params, core::computeToneMapStats(mapped));
    core::toneMapPixels(params, mapped.data(), std::size_t(mapped.pixelCount()), mapped.channels());
    core::WriteOptions options;
    options.overwrite = overwrite;
    options.sampleType = core::SampleType::U8;
    options.primaries = core::LinearColorSpace{};
    return core::writeImage(mapped, path, options);
}

} // namespace

int runMerge(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const auto output = args.value("output");
    const auto& inputs = args.positional();
    if (inputs.size() < 2) {
        return usageError("merge needs at least two exposures of the scene (got " +
                          std::to_string(inputs.size()) + ")");
    }
    core::WriteOptions writeOptions;
    writeOptions.overwrite = args.flag("overwrite");
    writeOptions.format = core::formatFromExtension(*output);
    switch (writeOptions.format) {
    case core::FileFormat::Exr:
    case core::FileFormat::Rgbe:
    case core::FileFormat::Tiff:
    case core::FileFormat::Dng: break;
    case core::FileFormat::Png:
        writeOptions.sampleType = core::SampleType::U16;
        writeOptions.transfer = core::Transfer::pq();
        break;
    default:
        return usageError("merge writes .exr, .hdr, .tif, .dng or 16-bit .png; cannot tell which from '" +
                          *output + "' (for an 8-bit picture use --preview)");
    }

    core::MergeParams params;
    std::string numberError;
    const double outputEv = args.number("exposure", numberError).value_or(0.0);
    const auto reference = args.number("reference", numberError);
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (reference) {
        if (*reference < 1 || *reference > double(inputs.size()) || *reference != std::floor(*reference)) {
            return usageError("--reference must be 1.." + std::to_string(inputs.size()));
        }
        params.referenceIndex = int(*reference) - 1;
    }
    params.deghost = args.flag("deghost");
    if (auto w = args.value("weight")) {
        auto weighting = core::mergeWeightingFromString(*w);
        if (!weighting) {
            return usageError("unknown --weight '" + *w + "' (hat, gaussian, debevec)");
        }
        params.weighting = *weighting;
    }
    const std::string response = args.value("response").value_or("srgb");
    std::optional<core::ResponseModel> calibrate;
    if (response == "srgb") {
        params.response = core::analyticResponse(core::ResponseModel::Srgb);
    } else if (response == "linear") {
        params.response = core::analyticResponse(core::ResponseModel::Linear);
    } else if (response == "gamma" || response.rfind("gamma:", 0) == 0) {
        const float gamma = response == "gamma" ? 2.2f : std::strtof(response.c_str() + 6, nullptr);
        if (!(gamma >= 0.2f && gamma <= 5.0f)) {
            return usageError("--response gamma:G needs G between 0.2 and 5");
        }
        params.response = core::analyticResponse(core::ResponseModel::Gamma, gamma);
    } else if (response == "debevec") {
        calibrate = core::ResponseModel::Debevec;
    } else if (response == "robertson") {
        calibrate = core::ResponseModel::Robertson;
    } else {
        return usageError("unknown --response '" + response +
                          "' (srgb, gamma:G, linear, debevec, robertson)");
    }

    // Exposures: typed EVs are checked before any file is read.
    std::vector<double> exposure;
    const std::string evText = args.value("ev").value_or("");
    if (!evText.empty() && evText != "auto") {
        std::stringstream list(evText);
        for (std::string item; std::getline(list, item, ',');) {
            char* end = nullptr;
            const double ev = std::strtod(item.c_str(), &end);
            if (item.empty() || *end != '\0' || !std::isfinite(ev) || std::fabs(ev) > 30) {
                return usageError("--ev: '" + item + "' is not an exposure value in stops");
            }
            exposure.push_back(std::exp2(ev));
        }
        if (exposure.size() != inputs.size()) {
            return usageError("--ev lists " + std::to_string(exposure.size()) + " values for " +
                              std::to_string(inputs.size()) + " images");
        }
    } else if (evText.empty()) {
        auto fromExif = exposuresFromExif(inputs);
        if (!fromExif) {
            return reportError(fromExif.error());
        }
        exposure = std::move(*fromExif);
    }

    TerminalJobContext ctx;
    auto images = readBracketSignals(inputs, ctx);
    if (!images) {
        return reportError(images.error());
    }
    if (evText == "auto") {
        std::vector<core::ImageF> linear;
        for (const auto& s : *images) {
            core::ImageF l = s;
            for (std::int64_t i = 0; i < l.pixelCount() * l.channels(); ++i) {
                l.data()[i] = core::srgbDecode(l.data()[i]);
            }
            linear.push_back(std::move(l));
        }
        auto estimate = core::estimateRelativeExposures(linear);
        if (!estimate) {
            return reportError(estimate.error());
        }
        for (double ev : estimate->ev) {
            exposure.push_back(std::exp2(ev));
        }
    }
    normaliseToMiddle(exposure);
    const int referenceIndex = core::mergeReferenceIndex(exposure, params.referenceIndex);

    if (args.flag("align")) {
        auto shifts = core::computeMtbShifts(*images, referenceIndex, core::MtbParams{}, ctx);
        if (!shifts) {
            return reportError(shifts.error());
        }
        for (std::size_t k = 0; k < images->size(); ++k) {
            if ((*shifts)[k].dx != 0 || (*shifts)[k].dy != 0) {
                (*images)[k] = core::translateImage((*images)[k], (*shifts)[k]);
            }
            std::printf("align %s: shift %+d, %+d px\n",
                        baseName(inputs[k]).c_str(),
                        (*shifts)[k].dx,
                        (*shifts)[k].dy);
        }
    }
    if (calibrate) {
        auto curve = *calibrate == core::ResponseModel::Debevec
                         ? core::calibrateDebevec(*images, exposure, core::DebevecParams{}, ctx)
                         : core::calibrateRobertson(*images, exposure, core::RobertsonParams{}, ctx);
        if (!curve) {
            return reportError(curve.error());
        }
        params.response = std::move(*curve);
    }
    auto merged = core::mergeBrackets(*images, exposure, params, ctx);
    if (!merged) {
        return reportError(merged.error());
    }
    images->clear();
    core::applyExposure(*merged, float(outputEv));

    ctx.setProgress(0.95, "Writing");
    std::string evList;
    for (double e : exposure) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%+.2f", evList.empty() ? "" : ",", std::log2(e));
        evList += buf;
    }
    writeOptions.attributes["hdr:merge:ev"] = evList;
    if (auto ok = core::writeImage(*merged, *output, writeOptions); !ok) {
        return reportError(ok.error());
    }
    if (auto preview = args.value("preview")) {
        if (auto ok = writePreview(*merged, *preview, writeOptions.overwrite); !ok) {
            return reportError(ok.error());
        }
    }
    ctx.finish();

    const auto stats = core::computeToneMapStats(*merged, 99.9f);
    std::vector<float> lum;
    lum.reserve(std::size_t(merged->pixelCount()));
    for (std::int64_t i = 0; i < merged->pixelCount(); ++i) {
        const float* p = merged->data() + i * 3;
        const float l = 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2];
        if (l > 0.0f) {
            lum.push_back(l);
        }
    }
    double rangeStops = 0.0;
    if (!lum.empty()) {
        std::sort(lum.begin(), lum.end());
        rangeStops =
            std::log2(double(lum[lum.size() - 1 - lum.size() / 1000]) / double(lum[lum.size() / 1000]));
    }
    std::printf("wrote %s (%d x %d, %zu exposures EV %s, response %s, weights %s%s)\n"
                "dynamic range %.1f stops (p0.1-p99.9 luminance), max luminance %.4g\n",
                output->c_str(),
                merged->width(),
                merged->height(),
                exposure.size(),
                evList.c_str(),
                response.c_str(),
                core::nameOf(params.weighting),
                params.deghost ? ", deghosted" : "",
                rangeStops,
                double(stats.maxLuminance));
    return kExitOk;
}

} // namespace hdr::cli
