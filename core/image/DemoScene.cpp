#include "image/DemoScene.h"

#include "common/Parallel.h"
#include "image/TransferFunction.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {
namespace {
// Classic 24-patch chart, sRGB-encoded 8-bit values as commonly published for the
// ColorChecker; decoded to linear reflectance below.
constexpr unsigned char kChartSrgb[24][3] = {
    {115, 82, 68},   {194, 150, 130}, {98, 122, 157},  {87, 108, 67},   {133, 128, 177}, {103, 189, 170},
    {214, 126, 44},  {80, 91, 166},   {193, 90, 99},   {94, 60, 108},   {157, 188, 64},  {224, 163, 46},
    {56, 61, 150},   {70, 148, 73},   {175, 54, 60},   {231, 199, 31},  {187, 86, 149},  {8, 133, 161},
    {243, 243, 242}, {200, 200, 200}, {160, 160, 160}, {122, 122, 121}, {85, 85, 85},    {52, 52, 52},
};
} // namespace

Vec3 demoChartReflectance(int index)
{
    const auto& c = kChartSrgb[std::clamp(index, 0, 23)];
    return {srgbDecode(c[0] / 255.0f), srgbDecode(c[1] / 255.0f), srgbDecode(c[2] / 255.0f)};
}

DemoSceneLayout demoSceneLayout(int w, int h)
{
    DemoSceneLayout l{};
    l.sunX = int(w * 0.78);
    l.sunY = int(h * 0.16);
    l.sunRadius = std::max(2, int(h * 0.035));
    l.patchSize = std::max(4, int(h * 0.075));
    l.patchGap = std::max(1, l.patchSize / 8);
    l.chartX = int(w * 0.06);
    l.chartY = int(h * 0.50);
    l.wedgePatch = std::max(2, std::min(w / 20, int(h * 0.06)));
    l.wedgeX = (w - 17 * l.wedgePatch) / 2;
    l.wedgeY = int(h * 0.88);
    l.shadowX = int(w * 0.75);
    l.shadowY = int(h * 0.75);
    return l;
}

ImageF renderDemoScene(int w, int h)
{
    ImageF img(w, h, 3, LinearColorSpace{Primaries::Rec709, {}});
    const DemoSceneLayout l = demoSceneLayout(w, h);
    const float horizon = 0.45f * float(h);
    const int chartW = 6 * l.patchSize + 5 * l.patchGap;
    const int chartH = 4 * l.patchSize + 3 * l.patchGap;
    parallelFor(std::size_t(h), 16, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            float* p = img.row(y);
            for (int x = 0; x < w; ++x, p += 3) {
                float r, g, b;
                if (float(y) < horizon) {
                    // Sky: brighter and less saturated towards the horizon, plus the sun's glow.
                    const float t = float(y) / horizon;
                    r = 0.25f + 0.85f * t;
                    g = 0.42f + 0.80f * t;
                    b = 0.85f + 0.55f * t;
                    const float dx = float(x - l.sunX), dy = float(y - l.sunY);
                    const float d = std::sqrt(dx * dx + dy * dy) / float(l.sunRadius);
                    if (d <= 1.0f) {
                        r = g = b = kDemoSunRadiance;
                        g *= 0.97f;
                        b *= 0.90f;
                    } else {
                        const float glow = 40.0f / (d * d * d) + 2.0f / d;
                        r += glow;
                        g += glow * 0.9f;
                        b += glow * 0.7f;
                    }
                } else {
                    // Ground: sunlit grass-grey near the horizon, the lower right in deep shadow.
                    const bool shadow = x > int(0.55f * float(w)) && float(y) > horizon + 0.12f * float(h);
                    const float lum = shadow ? kDemoShadowRadiance : 0.35f;
                    r = lum * 0.85f;
                    g = lum;
                    b = lum * 0.75f;
                    if (shadow) {
                        r = g = b = kDemoShadowRadiance;
                    }
                }
                // Colour chart lit at illuminance 1.0.
                const int cx = x - l.chartX, cy = y - l.chartY;
                if (cx >= 0 && cy >= 0 && cx < chartW && cy < chartH) {
                    const int col = cx / (l.patchSize + l.patchGap), row = cy / (l.patchSize + l.patchGap);
                    const bool inPatch = cx % (l.patchSize + l.patchGap) < l.patchSize &&
                                         cy % (l.patchSize + l.patchGap) < l.patchSize;
                    if (inPatch) {
                        const Vec3 refl = demoChartReflectance(row * 6 + col);
                        r = refl.r;
                        g = refl.g;
                        b = refl.b;
                    } else {
                        r = g = b = 0.02f; // chart frame (black card)
                    }
                }
                // Step wedge: patch k has radiance 2^(k-8).
                const int wx = x - l.wedgeX, wy = y - l.wedgeY;
                if (wx >= 0 && wy >= 0 && wx < 17 * l.wedgePatch && wy < l.wedgePatch) {
                    r = g = b = std::exp2(float(wx / l.wedgePatch - 8));
                }
                p[0] = r;
                p[1] = g;
                p[2] = b;
            }
        }
    });
    img.metadata.sourceFormat = "HDR Studio demo scene";
    img.metadata.sourcePixelType = "float (generated)";
    img.metadata.attributes["hdrstudio:scene"] =
        "demo: sun 16384, sky 0.25-1.4, chart lit at 1.0, wedge 2^-8..2^8, shadow 0.03 (linear Rec.709)";
    return img;
}

} // namespace hdr::core
