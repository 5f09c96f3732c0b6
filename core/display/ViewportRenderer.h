#pragma once

#include "display/DisplayTransform.h"
#include "display/LutDisplayTransform.h"
#include "display/MipPyramid.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace hdr::core {

// Which part of an image a viewer shows. zoom = display pixels per image pixel; (centerX,
// centerY) = the image point (level-0 pixel units, continuous: pixel i spans [i, i+1)) shown at
// the middle of the viewport.
struct Viewport {
    int width = 0;
    int height = 0;
    double zoom = 1.0;
    double centerX = 0.0;
    double centerY = 0.0;

    // Image coordinate under a viewport pixel's centre, and back.
    double imageX(double viewX) const { return centerX + (viewX - 0.5 * width) / zoom; }
    double imageY(double viewY) const { return centerY + (viewY - 0.5 * height) / zoom; }
    double viewX(double imgX) const { return (imgX - centerX) * zoom + 0.5 * width; }
    double viewY(double imgY) const { return (imgY - centerY) * zoom + 0.5 * height; }

    static Viewport fit(int viewWidth, int viewHeight, int imageWidth, int imageHeight);
};

// Renders what the viewport shows into 0xFFRRGGBB pixels (QImage::Format_RGB32 layout,
// `strideInPixels` per row): only the visible pixels are transformed, sampled nearest-neighbour
// from the mip level that matches the zoom (box-filtered when zoomed out, crisp pixels when
// zoomed in). Cost is proportional to the viewport, not the image: this is what keeps a 4K EXR
// interactive on the CPU. Multi-threaded over rows. Area outside the image gets `background`.
// Returns how many pixels went through the transform (the visible image area, nothing else).
std::size_t renderViewport(const MipPyramid& pyramid,
                           const DisplayTransform& transform,
                           const Viewport& viewport,
                           std::uint32_t* out,
                           std::size_t strideInPixels,
                           std::uint32_t background = 0xff1e1e1eu);
// The same through the baked LUT (the viewer's fast CPU path): the same pixels are sampled, and
// each is read straight from its mip level (no per-row copy) by the vectorised LUT kernel.
std::size_t renderViewport(const MipPyramid& pyramid,
                           const LutDisplayTransform& transform,
                           const Viewport& viewport,
                           std::uint32_t* out,
                           std::size_t strideInPixels,
                           std::uint32_t background = 0xff1e1e1eu);

// What renderViewport samples: the mip level, and for each viewport column the level column
// (-1 outside the image) and each viewport row the level row (-1 outside). Also what the GPU
// path reproduces, so both show the same pixels.
struct ViewportSampling {
    int level = 0;
    std::vector<int> columns; // per viewport column
    std::vector<int> rows;    // per viewport row
    int firstColumn = 0;      // visible span [firstColumn, endColumn)
    int endColumn = 0;
};
ViewportSampling viewportSampling(const MipPyramid& pyramid, const Viewport& viewport);

// Linear RGB(A) of the level-0 pixel under an image coordinate, if inside.
struct PixelProbe {
    int x = 0, y = 0;
    float rgba[4] = {0, 0, 0, 1};
    int channels = 3;
    float luminance = 0;
    float ev = 0; // log2(luminance), -inf for <= 0
};
std::optional<PixelProbe> probePixel(const ImageF& image, double imageX, double imageY);

} // namespace hdr::core
