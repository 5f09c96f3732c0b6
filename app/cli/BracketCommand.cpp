// hdrstudio-cli bracket: synthesise a camera exposure stack from an HDR image (hdr/SyntheticBrackets.h).
#include "commandline/CliCommon.h"
#include "io/ImageIO.h"
#include "stacks/SyntheticBrackets.h"

#include <cstdio>
#include <sstream>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "bracket",
    "IN_HDR --output DIR [options]",
    "Writes the exposure bracket a camera would record of an HDR image, plus brackets.json (truth).",
    "JPEG output (--jpeg-quality) carries EXIF ExposureTime/FNumber/ISO; PNG output (default) has the\n"
    "metadata in brackets.json only.",
    {outputOption("DIR", "output folder (created)"),
     {"ev", "LIST", "exposure values, comma separated (default -2,0,2)"},
     {"response", "R", "srgb | gamma:G | film (default srgb)"},
     {"noise", "SIGMA", "Gaussian read noise, sensor-linear (default 0)"},
     {"photons", "N", "Poisson shot noise: photo-electrons at saturation (default off)"},
     {"jpeg-quality", "Q", "write JPEG at quality Q with EXIF (default: PNG)"},
     {"corrupt-metadata", "C", "none | missing | wrong | swapped (default none)"},
     {"seed", "N", "noise seed (default 1)"},
     overwriteOption("replace existing files")},
    1,
    1};

} // namespace

int runBracket(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const auto dir = args.value("output");
    core::BracketParams p;
    if (auto list = args.value("ev")) {
        p.evs.clear();
        std::stringstream ss(*list);
        std::string item;
        while (std::getline(ss, item, ',')) {
            char* end = nullptr;
            const float v = std::strtof(item.c_str(), &end);
            if (end == item.c_str() || *end != '\0') {
                return usageError("--ev expects numbers like -2,0,2, not '" + item + "'");
            }
            p.evs.push_back(v);
        }
    }
    const std::string response = args.value("response").value_or("srgb");
    if (response == "film") {
        p.response = core::ResponseCurve::Film;
    } else if (response.rfind("gamma", 0) == 0) {
        p.response = core::ResponseCurve::Gamma;
        if (response.size() > 6) {
            p.gamma = std::strtof(response.c_str() + 6, nullptr);
        }
    } else if (response != "srgb") {
        return usageError("unknown --response '" + response + "'");
    }
    const std::string corrupt = args.value("corrupt-metadata").value_or("none");
    bool known = false;
    for (auto c : {core::MetadataCorruption::None,
                   core::MetadataCorruption::Missing,
                   core::MetadataCorruption::Wrong,
                   core::MetadataCorruption::Swapped}) {
        if (corrupt == core::nameOf(c)) {
            p.corruption = c;
            known = true;
        }
    }
    if (!known) {
        return usageError("unknown --corrupt-metadata '" + corrupt + "'");
    }
    std::string err;
    p.noiseSigma = float(args.number("noise", err).value_or(0.0));
    p.photonsAtWhite = float(args.number("photons", err).value_or(0.0));
    p.jpegQuality = int(args.number("jpeg-quality", err).value_or(0.0));
    p.seed = std::uint64_t(args.number("seed", err).value_or(1.0));
    if (!err.empty()) {
        return usageError(err);
    }
    if (auto ok = p.validate(); !ok) {
        return reportError(ok.error());
    }
    TerminalJobContext ctx;
    auto scene = core::readImage(args.positional()[0]);
    if (!scene) {
        return reportError(scene.error());
    }
    auto frames = core::synthesizeBrackets(*scene, p, ctx);
    if (!frames) {
        return reportError(frames.error());
    }
    auto paths = core::writeBrackets(*frames, p, *dir, args.flag("overwrite"));
    if (!paths) {
        return reportError(paths.error());
    }
    ctx.finish();
    for (std::size_t k = 0; k < paths->size(); ++k) {
        std::printf("%s  EV %+.2f  t=%.6g s\n",
                    (*paths)[k].string().c_str(),
                    (*frames)[k].ev,
                    (*frames)[k].exposureTime);
    }
    return kExitOk;
}

} // namespace hdr::cli
