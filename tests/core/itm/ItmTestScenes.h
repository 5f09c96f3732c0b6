#pragma once
// Small HDR scenes for the LDR -> HDR tests: smooth gradients, texture and bright highlights
// (up to ~60x the mid-grey), so synthesised LDR versions clip.
#include "image/Image.h"

#include <cmath>

namespace hdr::test {

inline core::ImageF makeHdrScene(int width, int height, int variant)
{
    core::ImageF img(width, height, 3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const float u = float(x) / float(width), v = float(y) / float(height);
            const float base = 0.05f + 0.3f * u + 0.2f * v +
                               0.05f * std::sin(0.3f * float(x + 7 * variant)) * std::cos(0.21f * float(y));
            const float dx = u - 0.3f - 0.1f * float(variant % 3), dy = v - 0.4f;
            const float sun = 60.0f * std::exp(-(dx * dx + dy * dy) / 0.004f);
            float* p = img.pixel(x, y);
            p[0] = base * (1.0f + 0.2f * float(variant % 2)) + sun;
            p[1] = base + 0.9f * sun;
            p[2] = base * 0.8f + 0.7f * sun;
        }
    }
    return img;
}

} // namespace hdr::test
