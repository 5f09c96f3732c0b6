#pragma once

#include "common/Error.h"
#include "image/DisplayImage.h"

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace hdr::runlog {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

struct PixelRect {
    int x = 0, y = 0, width = 0, height = 0;
    bool contains(double px, double py) const
    {
        return px >= x && py >= y && px < x + width && py < y + height;
    }
};

// An 8-bit sRGB RGB raster for the curve plots (no Qt, no font library): filled rectangles,
// anti-aliased lines (coverage from the distance to the segment) and 5x7 bitmap text.
class Canvas {
public:
    Canvas(int width, int height, Rgb background);

    int width() const { return m_width; }
    int height() const { return m_height; }
    Rgb pixel(int x, int y) const;

    // Drawing outside the clip rectangle (default: the whole canvas) is dropped.
    void setClip(PixelRect clip);
    void resetClip();

    void blend(int x, int y, Rgb color, double alpha);
    void fillRect(PixelRect rect, Rgb color);
    // A line of `lineWidth` pixels between pixel-centre coordinates, anti-aliased.
    void drawLine(double x0, double y0, double x1, double y1, double lineWidth, Rgb color);
    // Text with its top-left corner at (x, y); each font pixel becomes a scale x scale block.
    void drawText(int x, int y, std::string_view text, Rgb color, int scale);

    // The pixels as an sRGB display image (Rec.709 primaries), ready for core/io.
    core::DisplayImage8 toImage() const;

private:
    int m_width, m_height;
    std::vector<std::uint8_t> m_rgb;
    PixelRect m_clip;
};

// Writes the canvas as an 8-bit sRGB PNG (atomically, replacing an older one) through core/io.
core::Status writeCanvasPng(const Canvas& canvas, const std::filesystem::path& file);

} // namespace hdr::runlog
