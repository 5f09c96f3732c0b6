#include "batch/BatchImageFiles.h"

#include "common/AtomicFile.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hdr::batch {

using core::ImageF;

ImageF displayImageFrom(const std::vector<float>& rgb, int width, int height)
{
    ImageF image(width, height, 3);
    const std::size_t n = std::size_t(width) * std::size_t(height) * 3;
    if (rgb.size() != n) {
        core::throwError(core::ErrorCode::Internal,
                         "a generated image has " + std::to_string(rgb.size()) + " values for " +
                             std::to_string(width) + "x" + std::to_string(height) + " pixels");
    }
    std::memcpy(image.data(), rgb.data(), n * sizeof(float));
    return image;
}

core::Status
writeDisplayPng(const ImageF& display, const std::string& parameters, const std::filesystem::path& path)
{
    core::DisplayImage16 out;
    out.width = display.width();
    out.height = display.height();
    out.channels = 3;
    out.pixels.resize(std::size_t(display.width()) * std::size_t(display.height()) * 3);
    const int channels = display.channels();
    for (int y = 0; y < display.height(); ++y) {
        const float* src = display.row(y);
        std::uint16_t* dst = out.row(y);
        for (int x = 0; x < display.width(); ++x) {
            for (int c = 0; c < 3; ++c) {
                const float v = src[x * channels + std::min(c, channels - 1)];
                dst[x * 3 + c] = std::uint16_t(
                    std::lround(std::clamp(std::isfinite(v) ? v : 0.0f, 0.0f, 1.0f) * 65535.0f));
            }
        }
    }
    if (!parameters.empty()) out.metadata.attributes["parameters"] = parameters;
    core::WriteOptions options;
    options.format = core::FileFormat::Png;
    options.sampleType = core::SampleType::U8;
    options.overwrite = true; // the staged file is ours
    return core::writeDisplayImage(out, path, options);
}

core::Result<ImageF> readDisplayPicture(const std::filesystem::path& path)
{
    auto image = core::readImage(path);
    if (!image) return tl::unexpected(image.error());
    const std::string& pixelType = image->metadata.sourcePixelType;
    if (pixelType != "uint8" && pixelType != "uint16") {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "the batch upscales pictures (8/16-bit PNG), not scene-linear data",
                          path.string());
    }
    ImageF rgb = image->channels() == 3 ? std::move(*image) : core::withChannels(*image, 3);
    const std::size_t n = std::size_t(rgb.pixelCount()) * 3;
    for (std::size_t i = 0; i < n; ++i)
        rgb.data()[i] = std::clamp(core::srgbEncode(rgb.data()[i]), 0.0f, 1.0f);
    return rgb;
}

core::Status writeStagedText(const std::filesystem::path& path, const std::string& text)
{
    return core::writeFileAtomically(
        path, {reinterpret_cast<const std::byte*>(text.data()), text.size()}, true);
}

ImageF cropPaddedToMultipleOf8(const ImageF& image, int x, int y, int width, int height)
{
    const int paddedWidth = (width + 7) / 8 * 8, paddedHeight = (height + 7) / 8 * 8;
    const int channels = image.channels();
    ImageF out(paddedWidth, paddedHeight, channels);
    for (int row = 0; row < paddedHeight; ++row) {
        const int sy = y + std::min(row, height - 1);
        for (int col = 0; col < paddedWidth; ++col) {
            const int sx = x + std::min(col, width - 1);
            std::memcpy(out.pixel(col, row), image.pixel(sx, sy), std::size_t(channels) * sizeof(float));
        }
    }
    return out;
}

ImageF cropTopLeft(const ImageF& image, int width, int height)
{
    if (image.width() == width && image.height() == height) return image;
    ImageF out(width, height, image.channels());
    for (int row = 0; row < height; ++row)
        std::memcpy(
            out.row(row), image.row(row), std::size_t(width) * std::size_t(image.channels()) * sizeof(float));
    return out;
}

} // namespace hdr::batch
