// hdrstudio-cli compare: full-reference metrics between two images (core/metrics).
#include "app/cli/CliCommon.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "metrics/ImageMetrics.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "compare",
    "TEST REFERENCE [options]",
    "Image-quality metrics of TEST against REFERENCE (same size).",
    "psnr, ssim: on display signal values in [0, 1]. 8/16-bit files (PNG, JPEG, TIFF) are compared\n"
    "as stored (sRGB code value / max, as cv2.PSNR); float files as their linear values.\n"
    "log-psnr, mulaw-psnr (mu 5000), pu21-psnr, pu21-ssim: on scene-linear values; PU21 takes\n"
    "relative 1.0 = --white-nits cd/m^2 (default 100). Identical images: PSNR inf, SSIM 1.",
    {{"metric", "M", "all | psnr | ssim | log-psnr | mulaw-psnr | pu21-psnr | pu21-ssim (default all)"},
     {"white-nits", "N", "PU21: cd/m^2 of relative 1.0 (default 100)"},
     {"per-channel", "", "SSIM: mean of R, G, B instead of luminance"},
     {"json", "", "print JSON"}},
    2,
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
    if (!err.empty()) {
        return usageError(err);
    }
    options.ssimOnLuminance = !args.flag("per-channel");
    std::vector<core::Metric> metrics;
    const std::string which = args.value("metric").value_or("all");
    if (which == "all") {
        metrics = core::allMetrics();
    } else if (auto m = core::metricFromString(which)) {
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
    auto ref = core::readImage(args.positional()[1], ro);
    if (!ref) {
        return reportError(ref.error());
    }
    const bool display = isDisplayReferred(*test) && isDisplayReferred(*ref);
    const core::ImageF testSignal = display ? toSignal(*test) : *test;
    const core::ImageF refSignal = display ? toSignal(*ref) : *ref;
    nlohmann::json out = nlohmann::json::object();
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
