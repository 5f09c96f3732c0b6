#pragma once

#include "image/Image.h"

namespace hdr::core {

// A synthetic HDR scene at known radiance, so a new user has something real to explore and
// tests have an image whose values they can predict. Scene-linear Rec.709, relative units
// (1.0 = diffuse white in full sun after the default exposure):
//   - sun disc: radiance kDemoSunRadiance (~2^14), with a soft glow around it
//   - sky: gradient from ~0.6 at the zenith to ~1.4 at the horizon (bluish)
//   - a 6x4 colour chart (ColorChecker-like reflectances) lit at illuminance 1.0
//   - a grey step wedge of 17 patches from 2^-8 to 2^+8 (one stop apart), left to right
//   - a shadowed foreground at ~kDemoShadowRadiance (~2^-5), >= 15 stops below the sun
// The scene is resolution independent; sizes from 64x48 upwards are valid.
constexpr float kDemoSunRadiance = 16384.0f;
constexpr float kDemoShadowRadiance = 0.03f;

ImageF renderDemoScene(int width = 1920, int height = 1080);

// Where things are in a demo scene of the given size (pixel centres), for tests and tutorials.
struct DemoSceneLayout {
    int sunX, sunY, sunRadius;
    int chartX, chartY, patchSize, patchGap; // top-left of the chart, patch edge, gap between patches
    int wedgeX, wedgeY, wedgePatch;          // top-left of the wedge and its patch edge
    int shadowX, shadowY;                    // a point inside the shadowed foreground
};
DemoSceneLayout demoSceneLayout(int width, int height);

// Linear Rec.709 reflectance of colour chart patch i (0..23, row-major, 6 per row).
Vec3 demoChartReflectance(int index);

} // namespace hdr::core
