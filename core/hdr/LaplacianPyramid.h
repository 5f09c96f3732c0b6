#pragma once

// Planar float images and the Burt–Adelson Gaussian/Laplacian pyramid operations used by
// exposure fusion (ExposureFusion.h). The filters are exactly OpenCV's pyrDown/pyrUp (see
// ../shared/reference/hdr.md §1.3), so our fusion lines up with cv::MergeMertens level by level:
//
//   kernel k = [1 4 6 4 1] / 16, applied separably (outer product / 256)
//   downsample: out(x, y) = Σ_ij k_i k_j · in(2x + i − 2, 2y + j − 2), out size ⌈w/2⌉ × ⌈h/2⌉,
//               borders reflect without repeating the edge (BORDER_REFLECT_101: in(−1) = in(1))
//   upsample:   the coarse image with zeros between samples, convolved with 4·k per axis, i.e.
//               even outputs (c[k−1] + 6 c[k] + c[k+1]) / 8 and odd outputs (c[k] + c[k+1]) / 2,
//               with c[−1] = c[1] and c[n] = c[n−1] (REFLECT_101 on the zero-stuffed grid)
//   Laplacian level l = G_l − up(G_{l+1}); the coarsest level keeps the Gaussian residual, so
//   collapsing (G_l = L_l + up(G_{l+1}), top down) reconstructs the input exactly up to float
//   rounding.
//
// Units are whatever the caller stores (fusion: display-referred signal values). All fast
// routines run in row bands on core/common/Parallel.h; the *Reference functions are plain scalar
// loops with explicit border arithmetic, for tests.

#include "common/LargeBuffer.h"

#include <cstddef>
#include <vector>

namespace hdr::core {

struct Plane {
    int width = 0;
    int height = 0;
    LargeVector<float> pixels; // huge-page backed when large (common/LargeBuffer.h)

    Plane() = default;
    Plane(int w, int h)
        : width(w)
        , height(h)
        , pixels(std::size_t(w) * std::size_t(h), 0.0f)
    {
    }
    void resize(int w, int h)
    {
        width = w;
        height = h;
        pixels.assign(std::size_t(w) * std::size_t(h), 0.0f);
    }
    float* row(int y) { return pixels.data() + std::size_t(y) * std::size_t(width); }
    const float* row(int y) const { return pixels.data() + std::size_t(y) * std::size_t(width); }
    float& at(int x, int y) { return row(y)[x]; }
    float at(int x, int y) const { return row(y)[x]; }
};

// Index into [0, n) with BORDER_REFLECT_101 (n >= 1).
int reflect101(int i, int n);

// Size of the next coarser level: ⌈n / 2⌉.
constexpr int coarserSize(int n)
{
    return (n + 1) / 2;
}

// Number of levels (full resolution included) that OpenCV MergeMertens uses for this size:
// ⌊log2(min(w, h))⌋ + 1, so the coarsest level is 1–2 pixels on its short side.
int automaticPyramidLevels(int width, int height);

// dst = downsample(src); dst is resized to coarserSize(src.width) x coarserSize(src.height).
void pyrDown(const Plane& src, Plane& dst);
// The same for `count` planes of one size in one parallel pass (the channels of a colour level).
void pyrDownPlanes(const Plane* src, Plane* dst, int count);
void pyrDownReference(const Plane& src, Plane& dst);

// Writes upsample(coarse) into `fine` (whose size it must already have).
void pyrUpReference(const Plane& coarse, Plane& fine);

// fine += upsample(coarse), in place (the collapse step). `fine` keeps its size.
void pyrUpAdd(const Plane& coarse, Plane& fine);
void pyrUpAddPlanes(const Plane* coarse, Plane* fine, int count);

// Row helpers for fused passes (one output row at a time, caller-owned scratch):
// verticalUpRow writes the vertically interpolated coarse row for fine row y into `out`
// (coarse.width values); horizontalUpRow expands it into fineWidth values.
void verticalUpRow(const Plane& coarse, int fineY, float* out);
void horizontalUpRow(const float* coarseRow, int coarseWidth, int fineWidth, float* out);

// The first three channels of an interleaved image (stride `channels` floats per pixel),
// downsampled straight into three planes: the fusion's level 1 without a planar copy of level 0.
void pyrDownInterleaved(const float* pixels, int width, int height, int channels, Plane* dst3);

} // namespace hdr::core
