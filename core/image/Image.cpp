#include "image/Image.h"

#include "common/Parallel.h"

#include <cmath>

namespace hdr::core {

Status
checkImageSize(std::int64_t width, std::int64_t height, const ImageLimits& limits, const std::string& where)
{
    if (width <= 0 || height <= 0) {
        return fail(ErrorCode::CorruptData,
                    "image size " + std::to_string(width) + " x " + std::to_string(height) + " is not valid",
                    where);
    }
    if (width > limits.maxDimension || height > limits.maxDimension || width * height > limits.maxPixels) {
        return fail(ErrorCode::LimitExceeded,
                    "image of " + std::to_string(width) + " x " + std::to_string(height) +
                        " pixels is larger than the limit of " + std::to_string(limits.maxPixels / 1000000) +
                        " megapixels",
                    where);
    }
    return {};
}

ImageF::ImageF(int width, int height, int channels, LinearColorSpace cs)
    : colorSpace(cs)
    , m_width(width)
    , m_height(height)
    , m_channels(channels)
{
    if (channels != 3 && channels != 4) {
        throwError(ErrorCode::InvalidArgument, "an image has 3 (RGB) or 4 (RGBA) channels");
    }
    if (auto ok = checkImageSize(width, height, ImageLimits{}, {}); !ok) {
        throw HdrError(ok.error());
    }
    m_pixels.assign(std::size_t(width) * std::size_t(height) * std::size_t(channels), 0.0f);
}

Result<ImageF>
ImageF::allocate(int width, int height, int channels, const ImageLimits& limits, LinearColorSpace cs)
{
    if (auto ok = checkImageSize(width, height, limits, {}); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::LimitExceeded, {}, [&] { return ImageF(width, height, channels, cs); });
}

ImageF convertPrimaries(const ImageF& image, const LinearColorSpace& target)
{
    ImageF out = image;
    out.colorSpace = target;
    const Mat3 m = conversionMatrix(image.colorSpace, target);
    if (m == identity3()) {
        return out;
    }
    const int ch = image.channels();
    parallelFor(std::size_t(image.height()), 16, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            float* p = out.row(int(y));
            for (int x = 0; x < image.width(); ++x, p += ch) {
                const Vec3 v = apply(m, {p[0], p[1], p[2]});
                p[0] = v.r;
                p[1] = v.g;
                p[2] = v.b;
            }
        }
    });
    return out;
}

void applyExposure(ImageF& image, float stops)
{
    const float k = std::exp2(stops);
    const int ch = image.channels();
    float* p = image.data();
    const std::size_t n = std::size_t(image.pixelCount());
    for (std::size_t i = 0; i < n; ++i, p += ch) {
        p[0] *= k;
        p[1] *= k;
        p[2] *= k;
    }
}

ImageF withChannels(const ImageF& image, int channels)
{
    if (image.channels() == channels) {
        return image;
    }
    ImageF out(image.width(), image.height(), channels, image.colorSpace);
    out.metadata = image.metadata;
    const std::size_t n = std::size_t(image.pixelCount());
    const float* s = image.data();
    float* d = out.data();
    for (std::size_t i = 0; i < n; ++i, s += image.channels(), d += channels) {
        d[0] = s[0];
        d[1] = s[1];
        d[2] = s[2];
        if (channels == 4) {
            d[3] = 1.0f;
        }
    }
    return out;
}

} // namespace hdr::core
