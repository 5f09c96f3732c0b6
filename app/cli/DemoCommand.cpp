#include "color/Ocio.h"
#include "commandline/CliCommon.h"
#include "display/DisplayExport.h"
#include "image/DemoScene.h"
#include "image/ImageStats.h"
#include "io/ImageIO.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "demo",
    "[options]",
    "Renders the demo HDR scene (sun 19 stops above the shadows, colour chart, step wedge) at known\n"
    "radiance and writes it as a half-float EXR plus a tone-mapped PNG preview.",
    "Files are named demo-<epoch seconds>.exr/.png, so repeated runs never overwrite earlier output.",
    {{"output", "DIR", "folder for the files (default: ./hdrstudio-output, created if missing)"},
     {"width", "W", "image width (default 1920)"},
     {"height", "H", "image height (default 1080)"}},
    0,
    0};

} // namespace

int runDemo(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    std::string numberError;
    const int width = int(args.number("width", numberError).value_or(1920));
    const int height = int(args.number("height", numberError).value_or(1080));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (width < 64 || height < 48 || width > 16384 || height > 16384) {
        return usageError("demo size must be between 64x48 and 16384x16384");
    }
    const std::filesystem::path dir = args.value("output").value_or("hdrstudio-output");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return reportError(
            {core::ErrorCode::IoError, "cannot create the output folder: " + ec.message(), dir.string()});
    }
    const auto epoch =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const std::string stem = "demo-" + std::to_string(epoch);

    core::ImageF scene = core::renderDemoScene(width, height);
    const core::LuminanceStats stats = core::computeLuminanceStats(scene);
    core::WriteOptions exrOptions;
    exrOptions.compression = core::ExrCompression::Piz;
    const auto exrPath = dir / (stem + ".exr");
    if (auto ok = core::writeImage(scene, exrPath, exrOptions); !ok) {
        return reportError(ok.error());
    }

    // Preview as a person would first look at it: AgX tone mapping, sRGB display.
    core::DisplaySettings settings;
    std::shared_ptr<const core::OcioConfig> ocio;
    if (auto config = core::OcioConfig::loadDefault()) {
        ocio = *config;
    }
    settings.toneMap.op = core::ToneMapOperator::AgX;
    auto transform = core::DisplayTransform::create(settings, ocio.get(), scene.colorSpace);
    if (!transform) {
        return reportError(transform.error());
    }
    auto encoded = core::renderDisplayImage(scene, *transform);
    if (!encoded) {
        return reportError(encoded.error());
    }
    const auto pngPath = dir / (stem + ".png");
    if (auto ok = core::writeDisplayImage(*encoded, pngPath, {}); !ok) {
        return reportError(ok.error());
    }
    std::printf("demo scene %d x %d, %.1f stops of dynamic range (max luminance %.0f, min %.3g)\n",
                width,
                height,
                stats.dynamicRangeStops,
                stats.maxLuminance,
                stats.minPositiveLuminance);
    std::printf("wrote %s (scene-linear Rec.709, half float)\n", std::filesystem::absolute(exrPath).c_str());
    std::printf(
        "wrote %s (%s)\n", std::filesystem::absolute(pngPath).c_str(), transform->description().c_str());
    std::printf("open it with: hdrstudio %s\n", std::filesystem::absolute(exrPath).c_str());
    return kExitOk;
}

} // namespace hdr::cli
