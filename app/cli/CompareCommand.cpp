// hdrstudio-cli compare: full-reference metrics between two images (core/metrics).
#include "commandline/CliCommon.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "metrics/HighlightMetrics.h"
#include "metrics/ImageMetrics.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "compare",
    "TEST [REFERENCE] [options]",
    "Image-quality metrics of TEST against REFERENCE (same size), and TEST's HDR highlight metrics.",
    "psnr, ssim: on display signal values in [0, 1]. 8/16-bit files (PNG, JPEG, TIFF) are compared\n"
    "as stored (sRGB code value / max, as cv2.PSNR); float files as their linear values.\n"
    "log-psnr, mulaw-psnr (mu 5000), pu21-psnr, pu21-ssim: on scene-linear values; PU21 takes\n"
    "relative 1.0 = --white-nits cd/m^2 (default 100). Identical images: PSNR inf, SSIM 1.\n"
    "fhlp, ehl (no reference needed): fraction and extent of highlights (Guo et al. CVPR 2023), the\n"
    "scene-linear image shown with relative 1.0 at --diffuse-white nits on a --peak nit display.\n"
    "With only TEST, the no-reference metrics are reported.",
    {{"metric",
      "M",
      "all | psnr | ssim | log-psnr | mulaw-psnr | pu21-psnr | pu21-ssim | fhlp | ehl (default all)"},
     {"white-nits", "N", "PU21: cd/m^2 of relative 1.0 (default 100)"},
     {"diffuse-white", "N", "FHLP/EHL: cd/m^2 of relative 1.0 (default 100)"},
     {"peak", "N", "FHLP/EHL: the display's peak cd/m^2 (default 1000)"},
     {"per-channel", "", "SSIM: mean of R, G, B instead of luminance"},
     {"json", "", "print JSON"}},
    1,
    2};

bool isDisplayReferred(const core::ImageF& img)
{
    const auto& t = img.metadata.sourcePixelType;
    return t == "uint8" || t == "uint16";
}

core::ImageF toSignal(core::ImageF img)
{
    const int ch = img.channels();
    for (std::int64_t i = 0; i < img.pixelCount(); ++i) {
        float* p = img.data() + i * ch;
        for (int c = 0; c < 3; ++c) {
            p[c] = core::srgbEncode(p[c]);
        }
    }
    return img;
}

} // namespace

int runCompare(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    std::string err;
    core::MetricOptions options;
    if (auto v = args.number("white-nits", err)) {
        options.pu21WhiteNits = float(*v);
    }
    core::HighlightMetricOptions highlight;
    highlight.diffuseWhiteNits =
        float(args.number("diffuse-white", err).value_or(highlight.diffuseWhiteNits));
    highlight.peakNits = float(args.number("peak", err).value_or(highlight.peakNits));
    if (!err.empty()) {
        return usageError(err);
    }
    if (auto ok = highlight.validate(); !ok) {
        return usageError(ok.error().message);
    }
    options.ssimOnLuminance = !args.flag("per-channel");
    const bool withReference = args.positional().size() == 2;
    std::vector<core::Metric> metrics;
    bool highlights = false;
    const std::string which = args.value("metric").value_or("all");
    if (which == "all") {
        metrics = withReference ? core::allMetrics() : std::vector<core::Metric>{};
        highlights = true;
    } else if (which == "fhlp" || which == "ehl") {
        highlights = true;
    } else if (auto m = core::metricFromString(which)) {
        if (!withReference) {
            return usageError("--metric " + which + " needs a REFERENCE image");
        }
        metrics = {*m};
    } else {
        return usageError("unknown --metric '" + which + "'");
    }
    // The sRGB decode of 8-bit files is undone for PSNR/SSIM; an ICC profile would not round-trip.
    core::ReadOptions ro;
    ro.applyIcc = false;
    auto test = core::readImage(args.positional()[0], ro);
    if (!test) {
        return reportError(test.error());
    }
    auto ref = withReference ? core::readImage(args.positional()[1], ro) : core::Result<core::ImageF>(*test);
    if (!ref) {
        return reportError(ref.error());
    }
    const bool display = isDisplayReferred(*test) && isDisplayReferred(*ref);
    const core::ImageF testSignal = display ? toSignal(*test) : *test;
    const core::ImageF refSignal = display ? toSignal(*ref) : *ref;
    nlohmann::json out = nlohmann::json::object();
    if (highlights) {
        // On the scene-linear image as read (ICC not applied above: linearise display files).
        core::ReadOptions linearRead;
        auto linear = core::readImage(args.positional()[0], linearRead);
        if (!linear) {
            return reportError(linear.error());
        }
        auto h = core::highlightMetrics(*linear, highlight);
        if (!h) {
            return reportError(h.error());
        }
        for (const auto& [name, value] : {std::pair{"fhlp", h->fhlp}, std::pair{"ehl", h->ehl}}) {
            if (which != "all" && which != name) continue;
            if (args.flag("json")) {
                out[name] = value;
            } else {
                std::printf("%-11s %.6g\n", name, value);
            }
        }
    }
    for (core::Metric m : metrics) {
        const bool hdr = core::isHdrMetric(m);
        auto value = core::computeMetric(m, hdr ? *test : testSignal, hdr ? *ref : refSignal, options);
        if (!value) {
            return reportError(value.error());
        }
        if (args.flag("json")) {
            // JSON has no infinity: identical images report null plus "identical".
            out[core::nameOf(m)] = std::isfinite(*value) ? nlohmann::json(*value) : nlohmann::json(nullptr);
        } else {
            std::printf("%-11s %.6g%s\n",
                        core::nameOf(m),
                        *value,
                        std::string(core::nameOf(m)).find("psnr") != std::string::npos ? " dB" : "");
        }
    }
    if (args.flag("json")) {
        out["display_referred"] = display;
        std::printf("%s\n", out.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
