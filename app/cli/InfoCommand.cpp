#include "commandline/CliCommon.h"
#include "image/ImageStats.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "info",
    "FILE [options]",
    "Prints size, channels, pixel type, colour space, min/max/mean luminance and dynamic range in stops.",
    "Luminance is computed from the scene-linear pixels with the weights of the image's primaries.\n"
    "Dynamic range = log2(max / min positive luminance); the robust figure uses the 0.1 and 99.9\n"
    "percentiles, since single outlier pixels dominate the strict one.",
    {{"part", "N", "OpenEXR: which part to describe (default: the first with colour channels)"},
     {"layer", "NAME", "OpenEXR: which layer (e.g. 'beauty' for beauty.R/G/B)"},
     {"json", "", "print JSON instead of text"}},
    1,
    1};

} // namespace

int runInfo(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    const std::string path = args.positional().front();
    core::ReadOptions options;
    std::string numberError;
    if (auto part = args.number("part", numberError)) {
        options.part = int(*part);
    } else if (!numberError.empty()) {
        return usageError(numberError);
    }
    options.layer = args.value("layer").value_or("");

    auto image = core::readImage(path, options);
    if (!image) {
        return reportError(image.error());
    }
    const core::ImageMetadata& m = image->metadata;
    const core::LuminanceStats s = core::computeLuminanceStats(*image);

    nlohmann::json j;
    j["file"] = path;
    j["format"] = m.sourceFormat;
    j["width"] = image->width();
    j["height"] = image->height();
    j["channels"] = m.sourceChannels;
    j["pixel_type"] = m.sourcePixelType;
    j["compression"] = m.sourceCompression;
    j["color_space"] = image->colorSpace.name();
    j["has_alpha"] = image->hasAlpha();
    j["luminance"] = {{"min", s.minLuminance},
                      {"min_positive", s.minPositiveLuminance},
                      {"max", s.maxLuminance},
                      {"mean", s.meanLuminance},
                      {"log_average", s.logAverageLuminance}};
    j["dynamic_range_stops"] = s.dynamicRangeStops;
    j["robust_dynamic_range_stops"] = s.robustDynamicRangeStops;
    j["nan_pixels"] = s.nanCount;
    j["inf_pixels"] = s.infCount;
    j["attributes"] = m.attributes;
    if (core::sniffFormat(path) == core::FileFormat::Exr) {
        if (auto parts = core::inspectExr(path)) {
            for (const auto& p : *parts) {
                j["parts"].push_back(
                    {{"index", p.index},
                     {"name", p.name},
                     {"type", p.type},
                     {"data_window", {p.dataX, p.dataY, p.dataWidth, p.dataHeight}},
                     {"display_window", {p.displayX, p.displayY, p.displayWidth, p.displayHeight}},
                     {"compression", p.compression},
                     {"channels", p.channels}});
            }
        }
    }
    if (args.flag("json")) {
        std::printf("%s\n", j.dump(2).c_str());
        return kExitOk;
    }
    std::string channels;
    for (const auto& c : m.sourceChannels) {
        channels += (channels.empty() ? "" : ", ") + c;
    }
    std::printf("file          %s\n", path.c_str());
    std::printf("format        %s\n", m.sourceFormat.c_str());
    std::printf("size          %d x %d\n", image->width(), image->height());
    std::printf("channels      %s\n",
                channels.empty() ? std::to_string(image->channels()).c_str() : channels.c_str());
    std::printf("pixel type    %s\n", m.sourcePixelType.c_str());
    if (!m.sourceCompression.empty()) {
        std::printf("compression   %s\n", m.sourceCompression.c_str());
    }
    std::printf("colour space  %s (scene-linear)\n", image->colorSpace.name().c_str());
    std::printf("luminance     min %.6g  max %.6g  mean %.6g  (min positive %.6g)\n",
                s.minLuminance,
                s.maxLuminance,
                s.meanLuminance,
                s.minPositiveLuminance);
    std::printf("dynamic range %.1f stops (robust p0.1-p99.9: %.1f stops)\n",
                s.dynamicRangeStops,
                s.robustDynamicRangeStops);
    if (s.nanCount || s.infCount) {
        std::printf(
            "non-finite    %lld NaN, %lld Inf pixels\n", (long long)s.nanCount, (long long)s.infCount);
    }
    if (j.contains("parts") && j["parts"].size() > 1) {
        std::printf("parts         %zu\n", j["parts"].size());
        for (const auto& p : j["parts"]) {
            std::printf("  [%d] %s %s %s (%zu channels)\n",
                        p["index"].get<int>(),
                        p["name"].get<std::string>().c_str(),
                        p["type"].get<std::string>().c_str(),
                        p["compression"].get<std::string>().c_str(),
                        p["channels"].size());
        }
    }
    for (const auto& [k, v] : m.attributes) {
        std::printf("%-13s %s\n", k.c_str(), v.c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
