// hdrstudio-cli select-exposures: which two frames of a bracket reproduce the full-stack fusion?
#include "app/cli/CliCommon.h"
#include "hdr/ExposureSelection.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "select-exposures",
    "IN... [options]",
    "Ranks every pair of exposures by how closely their Mertens fusion matches the fusion of all.",
    "Inputs are display-referred photos (JPEG/PNG/TIFF) of one bracket, same size.",
    {{"metric", "M", "ssim | psnr (default ssim)"},
     {"max-size", "PX", "search at this longer side (default 512; 0 = full size)"},
     {"json", "", "print JSON"}},
    2,
    -1};

} // namespace

int runSelectExposures(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    core::ExposureSelectionParams p;
    const std::string metric = args.value("metric").value_or("ssim");
    auto m = core::metricFromString(metric);
    if (!m || (*m != core::Metric::Ssim && *m != core::Metric::Psnr)) {
        return usageError("--metric must be ssim or psnr");
    }
    p.metric = *m;
    std::string err;
    p.maxSize = int(args.number("max-size", err).value_or(512));
    if (!err.empty()) {
        return usageError(err);
    }
    core::ReadOptions ro;
    ro.applyIcc = false;
    std::vector<core::ImageF> stack;
    for (const auto& path : args.positional()) {
        auto img = core::readImage(path, ro);
        if (!img) {
            return reportError(img.error());
        }
        for (std::int64_t i = 0; i < img->pixelCount() * img->channels(); ++i) {
            img->data()[i] = core::srgbEncode(img->data()[i]); // back to the stored signal
        }
        stack.push_back(std::move(*img));
    }
    TerminalJobContext ctx;
    auto ranking = core::rankExposurePairs(stack, p, ctx);
    if (!ranking) {
        return reportError(ranking.error());
    }
    ctx.finish();
    const auto& files = args.positional();
    if (args.flag("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : *ranking) {
            out.push_back({{"first", files[std::size_t(s.first)]},
                           {"second", files[std::size_t(s.second)]},
                           {metric, s.score}});
        }
        std::printf("%s\n", out.dump(2).c_str());
    } else {
        for (const auto& s : *ranking) {
            std::printf("%-8s %.5f  %s + %s\n",
                        metric.c_str(),
                        s.score,
                        files[std::size_t(s.first)].c_str(),
                        files[std::size_t(s.second)].c_str());
        }
    }
    return kExitOk;
}

} // namespace hdr::cli
