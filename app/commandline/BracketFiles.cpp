#include "commandline/BracketFiles.h"

#include "common/Parallel.h"
#include "hdr/DisplaySignal.h"
#include "io/ImageIO.h"

#include <cmath>
#include <optional>

namespace hdr::cli {

core::Result<std::vector<core::ImageF>> readBracketSignals(const std::vector<std::string>& paths,
                                                           core::JobContext& ctx)
{
    std::vector<std::optional<core::Result<core::ImageF>>> loaded(paths.size());
    ctx.setProgress(0.0, "Reading");
    core::parallelFor(paths.size(), 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            auto image = core::readImage(paths[i]);
            loaded[i] = image ? core::Result<core::ImageF>(core::toSrgbSignal(*image))
                              : core::Result<core::ImageF>(tl::unexpected(image.error()));
        }
    });
    std::vector<core::ImageF> images;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        if (!*loaded[i]) {
            return tl::unexpected(loaded[i]->error());
        }
        core::ImageF& img = **loaded[i];
        if (!images.empty() && (img.width() != images[0].width() || img.height() != images[0].height())) {
            return core::fail(
                core::ErrorCode::InvalidArgument,
                "this image is " + std::to_string(img.width()) + " x " + std::to_string(img.height()) +
                    " but " + paths[0] + " is " + std::to_string(images[0].width()) + " x " +
                    std::to_string(images[0].height()) + "; all images of a bracket must have the same size",
                paths[i]);
        }
        images.push_back(std::move(img));
    }
    return images;
}

core::DisplayImage16 quantizeSignal16(const core::ImageF& signal)
{
    core::DisplayImage16 out;
    out.width = signal.width();
    out.height = signal.height();
    out.channels = 3;
    out.transfer = core::Transfer::srgb();
    out.metadata = signal.metadata;
    out.pixels.resize(std::size_t(signal.pixelCount()) * 3);
    const int ch = signal.channels();
    core::parallelFor(std::size_t(signal.pixelCount()), 1 << 16, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            for (std::size_t c = 0; c < 3; ++c) {
                const float v = signal.data()[i * std::size_t(ch) + c];
                const float clipped = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; // NaN -> 0
                out.pixels[i * 3 + c] = std::uint16_t(std::lround(clipped * 65535.0f));
            }
        }
    });
    return out;
}

} // namespace hdr::cli
