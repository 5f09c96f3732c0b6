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

ViewportSampling viewportSampling(const MipPyramid& pyramid, const Viewport& vp)
{
    ViewportSampling s;
    if (vp.width <= 0 || vp.height <= 0) {
        return s;
    }
    s.level = pyramid.levelForScale(vp.zoom);
    const ImageF& level = pyramid.level(s.level);
    const ImageF& base = pyramid.base();
    // Level pixels per level-0 pixel (exact per axis, since odd sizes round up).
    const double sx = double(level.width()) / base.width();
    const double sy = double(level.height()) / base.height();
    s.columns.assign(std::size_t(vp.width), -1);
    s.firstColumn = vp.width;
    for (int x = 0; x < vp.width; ++x) {
        const double ix = vp.imageX(x + 0.5);
        if (ix >= 0.0 && ix < base.width()) {
            s.columns[std::size_t(x)] = std::min(level.width() - 1, int(ix * sx));
            s.firstColumn = std::min(s.firstColumn, x);
            s.endColumn = std::max(s.endColumn, x + 1);
        }
    }
    s.rows.assign(std::size_t(vp.height), -1);
    for (int y = 0; y < vp.height; ++y) {
        const double iy = vp.imageY(y + 0.5);
        if (iy >= 0.0 && iy < base.height()) {
            s.rows[std::size_t(y)] = std::min(level.height() - 1, int(iy * sy));
        }
    }
    return s;
}

namespace {

// Rows in parallel; `convert(levelRow, outRow)` fills the visible span of one row.
template <typename Convert>
std::size_t renderRows(const MipPyramid& pyramid,
                       const ViewportSampling& s,
                       const Viewport& vp,
                       std::uint32_t* out,
                       std::size_t stride,
                       std::uint32_t background,
                       const Convert& convert)
{
    if (s.columns.empty()) {
        return 0;
    }
    const ImageF& level = pyramid.level(s.level);
    const int x0 = s.firstColumn, x1 = s.endColumn;
    const std::size_t visibleRows =
        std::size_t(std::count_if(s.rows.begin(), s.rows.end(), [](int r) { return r >= 0; }));
    parallelFor(std::size_t(vp.height), 16, [&](std::size_t r0, std::size_t r1) {
        for (int y = int(r0); y < int(r1); ++y) {
            std::uint32_t* row = out + std::size_t(y) * stride;
            const int levelRow = s.rows[std::size_t(y)];
            if (x1 <= x0 || levelRow < 0) {
                std::fill(row, row + vp.width, background);
                continue;
            }
            std::fill(row, row + x0, background);
            convert(level.row(levelRow), row);
            std::fill(row + x1, row + vp.width, background);
        }
    });
    return x1 > x0 ? visibleRows * std::size_t(x1 - x0) : 0;
}

} // namespace

std::size_t renderViewport(const MipPyramid& pyramid,
                           const DisplayTransform& transform,
                           const Viewport& vp,
                           std::uint32_t* out,
                           std::size_t stride,
                           std::uint32_t background)
{
    const int ch = pyramid.base().channels();
    const ViewportSampling s = viewportSampling(pyramid, vp);
    return renderRows(pyramid, s, vp, out, stride, background, [&](const float* src, std::uint32_t* row) {
        const std::size_t span = std::size_t(s.endColumn - s.firstColumn);
        thread_local std::vector<float> gathered, scratch;
        gathered.resize(span * std::size_t(ch));
        scratch.resize(span * 3);
        float* g = gathered.data();
        for (int x = s.firstColumn; x < s.endColumn; ++x, g += ch) {
            const float* p = src + std::size_t(s.columns[std::size_t(x)]) * std::size_t(ch);
            std::copy(p, p + ch, g);
        }
        transform.toArgb32(gathered.data(), ch, span, scratch.data(), row + s.firstColumn);
    });
}

std::size_t renderViewport(const MipPyramid& pyramid,
                           const LutDisplayTransform& transform,
                           const Viewport& vp,
                           std::uint32_t* out,
                           std::size_t stride,
                           std::uint32_t background)
{
    const int ch = pyramid.base().channels();
    const ViewportSampling s = viewportSampling(pyramid, vp);
    // Float offsets of each visible column's pixel in its level row, the same for every row.
    std::vector<std::int32_t> columnOffsets;
    for (int x = s.firstColumn; x < s.endColumn; ++x) {
        columnOffsets.push_back(std::int32_t(s.columns[std::size_t(x)]) * ch);
    }
    const std::size_t span = columnOffsets.size();
    const std::size_t rowFloats = std::size_t(pyramid.level(s.level).width()) * std::size_t(ch);
    return renderRows(pyramid, s, vp, out, stride, background, [&](const float* src, std::uint32_t* row) {
        transform.toArgb32(PixelRun{src, columnOffsets.data(), span, rowFloats, ch}, row + s.firstColumn);
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
