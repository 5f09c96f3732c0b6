#include "runlog/Canvas.h"

#include "io/ImageIO.h"
#include "runlog/BitmapFont.h"

#include <algorithm>
#include <cmath>

namespace hdr::runlog {

Canvas::Canvas(int width, int height, Rgb background)
    : m_width(std::clamp(width, 1, 16384))
    , m_height(std::clamp(height, 1, 16384))
    , m_rgb(std::size_t(m_width) * std::size_t(m_height) * 3)
    , m_clip{0, 0, m_width, m_height}
{
    for (std::size_t i = 0; i < m_rgb.size(); i += 3) {
        m_rgb[i] = background.r;
        m_rgb[i + 1] = background.g;
        m_rgb[i + 2] = background.b;
    }
}

Rgb Canvas::pixel(int x, int y) const
{
    if (x < 0 || y < 0 || x >= m_width || y >= m_height) {
        return {};
    }
    const std::uint8_t* p = m_rgb.data() + (std::size_t(y) * std::size_t(m_width) + std::size_t(x)) * 3;
    return {p[0], p[1], p[2]};
}

void Canvas::setClip(PixelRect clip)
{
    const int x0 = std::max(clip.x, 0), y0 = std::max(clip.y, 0);
    const int x1 = std::min(clip.x + clip.width, m_width), y1 = std::min(clip.y + clip.height, m_height);
    m_clip = {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

void Canvas::resetClip()
{
    m_clip = {0, 0, m_width, m_height};
}

void Canvas::blend(int x, int y, Rgb color, double alpha)
{
    if (!m_clip.contains(x, y) || !(alpha > 0)) {
        return;
    }
    const double a = std::min(alpha, 1.0);
    std::uint8_t* p = m_rgb.data() + (std::size_t(y) * std::size_t(m_width) + std::size_t(x)) * 3;
    // Blending in the sRGB signal is what browsers and plotting tools do for thin lines.
    p[0] = std::uint8_t(std::lround(p[0] + (color.r - p[0]) * a));
    p[1] = std::uint8_t(std::lround(p[1] + (color.g - p[1]) * a));
    p[2] = std::uint8_t(std::lround(p[2] + (color.b - p[2]) * a));
}

void Canvas::fillRect(PixelRect rect, Rgb color)
{
    for (int y = rect.y; y < rect.y + rect.height; ++y) {
        for (int x = rect.x; x < rect.x + rect.width; ++x) {
            blend(x, y, color, 1.0);
        }
    }
}

void Canvas::drawLine(double x0, double y0, double x1, double y1, double lineWidth, Rgb color)
{
    if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) {
        return;
    }
    const double half = std::max(lineWidth, 0.5) / 2;
    const double reach = half + 1;
    // Only the part of the segment's bounding box inside the clip rectangle is visited, so a
    // segment running far outside the plot costs nothing.
    const int minX = std::max(int(std::floor(std::min(x0, x1) - reach)), m_clip.x);
    const int maxX = std::min(int(std::ceil(std::max(x0, x1) + reach)), m_clip.x + m_clip.width - 1);
    const int minY = std::max(int(std::floor(std::min(y0, y1) - reach)), m_clip.y);
    const int maxY = std::min(int(std::ceil(std::max(y0, y1) + reach)), m_clip.y + m_clip.height - 1);
    const double dx = x1 - x0, dy = y1 - y0;
    const double lengthSquared = dx * dx + dy * dy;
    for (int y = minY; y <= maxY; ++y) {
        for (int x = minX; x <= maxX; ++x) {
            double t = lengthSquared > 0 ? ((x - x0) * dx + (y - y0) * dy) / lengthSquared : 0;
            t = std::clamp(t, 0.0, 1.0);
            const double ex = x0 + t * dx - x, ey = y0 + t * dy - y;
            const double distance = std::sqrt(ex * ex + ey * ey);
            const double coverage = std::clamp(half + 0.5 - distance, 0.0, 1.0);
            if (coverage > 0) {
                blend(x, y, color, coverage);
            }
        }
    }
}

void Canvas::drawText(int x, int y, std::string_view text, Rgb color, int scale)
{
    scale = std::max(scale, 1);
    int penX = x;
    for (char c : text) {
        const auto& glyph = glyphFor(c);
        for (int row = 0; row < kGlyphHeight; ++row) {
            for (int column = 0; column < kGlyphWidth; ++column) {
                if (glyph[std::size_t(row)] & (1u << (kGlyphWidth - 1 - column))) {
                    fillRect({penX + column * scale, y + row * scale, scale, scale}, color);
                }
            }
        }
        penX += kGlyphAdvance * scale;
    }
}

core::DisplayImage8 Canvas::toImage() const
{
    core::DisplayImage8 image;
    image.width = m_width;
    image.height = m_height;
    image.channels = 3;
    image.pixels = m_rgb;
    image.transfer = core::Transfer::srgb();
    return image;
}

core::Status writeCanvasPng(const Canvas& canvas, const std::filesystem::path& file)
{
    core::DisplayImage16 image;
    image.width = canvas.width();
    image.height = canvas.height();
    image.channels = 3;
    image.transfer = core::Transfer::srgb();
    const core::DisplayImage8 pixels = canvas.toImage();
    image.pixels.resize(pixels.pixels.size());
    for (std::size_t i = 0; i < pixels.pixels.size(); ++i) {
        image.pixels[i] = std::uint16_t(pixels.pixels[i] * 257); // exact: 8 -> 16 -> 8 bits round-trips
    }
    core::WriteOptions options;
    options.format = core::FileFormat::Png;
    options.sampleType = core::SampleType::U8;
    options.overwrite = true;
    return core::writeDisplayImage(image, file, options);
}

} // namespace hdr::runlog
