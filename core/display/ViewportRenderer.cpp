#include "display/ViewportRenderer.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace hdr::core {

Viewport Viewport::fit(int viewWidth, int viewHeight, int imageWidth, int imageHeight)
{
    Viewport v;
    v.width = viewWidth;
    v.height = viewHeight;
    v.zoom =
        std::min(double(viewWidth) / std::max(1, imageWidth), double(viewHeight) / std::max(1, imageHeight));
    v.centerX = 0.5 * imageWidth;
    v.centerY = 0.5 * imageHeight;
    return v;
}

void renderViewport(const MipPyramid& pyramid,
                    const DisplayTransform& transform,
                    const Viewport& vp,
                    std::uint32_t* out,
                    std::size_t stride,
                    std::uint32_t background)
{
    if (vp.width <= 0 || vp.height <= 0) {
        return;
    }
    const int levelIndex = pyramid.levelForScale(vp.zoom);
    const ImageF& level = pyramid.level(levelIndex);
    const ImageF& base = pyramid.base();
    // Level pixels per level-0 pixel (exact per axis, since odd sizes round up).
    const double sx = double(level.width()) / base.width();
    const double sy = double(level.height()) / base.height();
    const int ch = level.channels();

    // Visible column span and the level column of each viewport column (same for every row).
    std::vector<int> srcColumn(std::size_t(vp.width), -1);
    int x0 = vp.width, x1 = 0;
    for (int x = 0; x < vp.width; ++x) {
        const double ix = vp.imageX(x + 0.5);
        if (ix >= 0.0 && ix < base.width()) {
            srcColumn[std::size_t(x)] = std::min(level.width() - 1, int(ix * sx));
            x0 = std::min(x0, x);
            x1 = std::max(x1, x + 1);
        }
    }

    parallelFor(std::size_t(vp.height), 16, [&](std::size_t r0, std::size_t r1) {
        const std::size_t span = std::size_t(std::max(0, x1 - x0));
        std::vector<float> gathered(span * std::size_t(ch));
        std::vector<float> scratch(span * 3);
        for (int y = int(r0); y < int(r1); ++y) {
            std::uint32_t* row = out + std::size_t(y) * stride;
            const double iy = vp.imageY(y + 0.5);
            if (span == 0 || iy < 0.0 || iy >= base.height()) {
                std::fill(row, row + vp.width, background);
                continue;
            }
            const float* src = level.row(std::min(level.height() - 1, int(iy * sy)));
            float* g = gathered.data();
            for (int x = x0; x < x1; ++x, g += ch) {
                const float* p = src + std::size_t(srcColumn[std::size_t(x)]) * ch;
                std::copy(p, p + ch, g);
            }
            std::fill(row, row + x0, background);
            transform.toArgb32(gathered.data(), ch, span, scratch.data(), row + x0);
            std::fill(row + x1, row + vp.width, background);
        }
    });
}

std::optional<PixelProbe> probePixel(const ImageF& image, double imageX, double imageY)
{
    if (image.empty() || !(imageX >= 0.0) || !(imageY >= 0.0) || imageX >= image.width() ||
        imageY >= image.height()) {
        return std::nullopt;
    }
    PixelProbe p;
    p.x = int(imageX);
    p.y = int(imageY);
    p.channels = image.channels();
    const float* px = image.pixel(p.x, p.y);
    for (int c = 0; c < image.channels(); ++c) {
        p.rgba[c] = px[c];
    }
    const Vec3 w = luminanceWeights(image.colorSpace);
    p.luminance = w.r * px[0] + w.g * px[1] + w.b * px[2];
    p.ev = p.luminance > 0 ? std::log2(p.luminance) : -std::numeric_limits<float>::infinity();
    return p;
}

} // namespace hdr::core
