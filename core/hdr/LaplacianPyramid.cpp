#include "hdr/LaplacianPyramid.h"

#include "common/Parallel.h"

#include <algorithm>
#include <bit>

namespace hdr::core {
namespace {

// Rows per parallel chunk: enough work per task to hide the pool's hand-off, small enough that
// the five source rows a band touches stay in L2.
constexpr std::size_t kRowGrain = 16;

// Coarse-grid neighbours for upsampling: c[-1] = c[1] (or c[0] for a 1-sample axis), c[n] = c[n-1].
inline int upLow(int i, int n)
{
    return i < 0 ? (n > 1 ? 1 : 0) : i;
}
inline int upHigh(int i, int n)
{
    return i >= n ? n - 1 : i;
}

} // namespace

int reflect101(int i, int n)
{
    if (n <= 1) {
        return 0;
    }
    while (i < 0 || i >= n) {
        i = i < 0 ? -i : 2 * n - 2 - i;
    }
    return i;
}

int automaticPyramidLevels(int width, int height)
{
    const unsigned shortSide = unsigned(std::max(1, std::min(width, height)));
    return int(std::bit_width(shortSide)); // ⌊log2⌋ + 1
}

namespace {

// out[x] = Σ_i k_i · padded[2x + i] for the stride-2 horizontal pass of pyrDown (padded points at
// the row's sample -2), with the kernel's 1/256 applied once.
inline void horizontalDownRow(const float* __restrict padded, int outWidth, float* __restrict out)
{
    for (int x = 0; x < outWidth; ++x) {
        const float* q = padded + 2 * x;
        out[x] = ((q[0] + q[4]) + 4.0f * (q[1] + q[3]) + 6.0f * q[2]) * (1.0f / 256.0f);
    }
}

// Fills the two samples either side of row[0 .. w) by BORDER_REFLECT_101.
inline void padRow(float* row, int w)
{
    row[-2] = row[reflect101(-2, w)];
    row[-1] = row[reflect101(-1, w)];
    row[w] = row[reflect101(w, w)];
    row[w + 1] = row[reflect101(w + 1, w)];
}

// One output row of pyrDown of one plane: vertical 5-tap into a row padded by two samples each
// side, then the horizontal 5-tap with a stride-2 output; every inner loop is contiguous.
void downRow(const Plane& src, int y, float* padded, float* out)
{
    const int w = src.width, h = src.height;
    const float* __restrict r0 = src.row(reflect101(2 * y - 2, h));
    const float* __restrict r1 = src.row(reflect101(2 * y - 1, h));
    const float* __restrict r2 = src.row(reflect101(2 * y, h));
    const float* __restrict r3 = src.row(reflect101(2 * y + 1, h));
    const float* __restrict r4 = src.row(reflect101(2 * y + 2, h));
    float* __restrict v = padded + 2;
    for (int x = 0; x < w; ++x) {
        v[x] = (r0[x] + r4[x]) + 4.0f * (r1[x] + r3[x]) + 6.0f * r2[x];
    }
    padRow(v, w);
    horizontalDownRow(padded, coarserSize(w), out);
}

// pyrDownInterleaved for a compile-time channel count, so the de-interleaving loop has a constant
// stride and vectorises.
template <int Channels>
void downInterleavedRows(const float* pixels, int w, int h, Plane* dst3, std::size_t y0, std::size_t y1)
{
    const std::size_t rowFloats = std::size_t(w) * Channels;
    // Vertical taps over the whole interleaved row (one contiguous loop for all channels),
    // then a per-channel gather into the padded row of the horizontal pass.
    std::vector<float> vertical(rowFloats), padded(std::size_t(w) + 4);
    float* v = padded.data() + 2;
    auto srcRow = [&](int y) { return pixels + std::size_t(reflect101(y, h)) * rowFloats; };
    for (int y = int(y0); y < int(y1); ++y) {
        const float* __restrict r0 = srcRow(2 * y - 2);
        const float* __restrict r1 = srcRow(2 * y - 1);
        const float* __restrict r2 = srcRow(2 * y);
        const float* __restrict r3 = srcRow(2 * y + 1);
        const float* __restrict r4 = srcRow(2 * y + 2);
        float* __restrict vi = vertical.data();
        for (std::size_t i = 0; i < rowFloats; ++i) {
            vi[i] = (r0[i] + r4[i]) + 4.0f * (r1[i] + r3[i]) + 6.0f * r2[i];
        }
        for (int c = 0; c < 3; ++c) {
            float* __restrict g = v;
            for (int x = 0; x < w; ++x) {
                g[x] = vi[std::size_t(x) * Channels + std::size_t(c)];
            }
            padRow(v, w);
            horizontalDownRow(padded.data(), dst3[c].width, dst3[c].row(y));
        }
    }
}

} // namespace

void pyrDownPlanes(const Plane* src, Plane* dst, int count)
{
    if (count <= 0) {
        return;
    }
    const int w = src[0].width, h = src[0].height;
    const int dw = coarserSize(w), dh = coarserSize(h);
    for (int c = 0; c < count; ++c) {
        if (dst[c].width != dw || dst[c].height != dh) {
            dst[c].resize(dw, dh);
        }
    }
    parallelFor(std::size_t(dh), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> padded(std::size_t(w) + 4);
        for (int y = int(y0); y < int(y1); ++y) {
            for (int c = 0; c < count; ++c) {
                downRow(src[c], y, padded.data(), dst[c].row(y));
            }
        }
    });
}

void pyrDown(const Plane& src, Plane& dst)
{
    pyrDownPlanes(&src, &dst, 1);
}

void pyrDownInterleaved(const float* pixels, int w, int h, int channels, Plane* dst3)
{
    const int dw = coarserSize(w), dh = coarserSize(h);
    for (int c = 0; c < 3; ++c) {
        if (dst3[c].width != dw || dst3[c].height != dh) {
            dst3[c].resize(dw, dh);
        }
    }
    parallelFor(std::size_t(dh), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        if (channels == 4) {
            downInterleavedRows<4>(pixels, w, h, dst3, y0, y1);
        } else {
            downInterleavedRows<3>(pixels, w, h, dst3, y0, y1);
        }
    });
}

void pyrDownReference(const Plane& src, Plane& dst)
{
    static constexpr float k[5] = {1.0f / 16, 4.0f / 16, 6.0f / 16, 4.0f / 16, 1.0f / 16};
    dst.resize(coarserSize(src.width), coarserSize(src.height));
    for (int y = 0; y < dst.height; ++y) {
        for (int x = 0; x < dst.width; ++x) {
            double sum = 0.0;
            for (int j = 0; j < 5; ++j) {
                for (int i = 0; i < 5; ++i) {
                    sum +=
                        double(k[j]) * k[i] *
                        src.at(reflect101(2 * x + i - 2, src.width), reflect101(2 * y + j - 2, src.height));
                }
            }
            dst.at(x, y) = float(sum);
        }
    }
}

void verticalUpRow(const Plane& coarse, int fineY, float* out)
{
    const int n = coarse.height, k = fineY / 2;
    const int cw = coarse.width;
    const float* __restrict c1 = coarse.row(upHigh(k, n));
    if (fineY % 2 == 0) {
        const float* __restrict c0 = coarse.row(upLow(k - 1, n));
        const float* __restrict c2 = coarse.row(upHigh(k + 1, n));
        for (int x = 0; x < cw; ++x) {
            out[x] = (c0[x] + c2[x] + 6.0f * c1[x]) * 0.125f;
        }
    } else {
        const float* __restrict c2 = coarse.row(upHigh(k + 1, n));
        for (int x = 0; x < cw; ++x) {
            out[x] = (c1[x] + c2[x]) * 0.5f;
        }
    }
}

void horizontalUpRow(const float* coarseRow, int coarseWidth, int fineWidth, float* out)
{
    const int n = coarseWidth;
    const float* __restrict c = coarseRow;
    float* __restrict o = out;
    // Interior pairs: even output 2k and odd output 2k+1 for 1 <= k <= n-2, in one loop so that
    // GCC vectorises it with interleaving stores.
    for (int k = 1; k < n - 1; ++k) {
        o[2 * k] = (c[k - 1] + c[k + 1] + 6.0f * c[k]) * 0.125f;
        o[2 * k + 1] = (c[k] + c[k + 1]) * 0.5f;
    }
    // Borders through the same neighbour rules as the vertical direction: c[-1] = c[1], c[n] = c[n-1].
    o[0] = (c[upLow(-1, n)] + c[upHigh(1, n)] + 6.0f * c[0]) * 0.125f;
    if (n > 1) {
        o[1] = (c[0] + c[1]) * 0.5f;
        o[2 * (n - 1)] = (c[n - 2] + c[n - 1] + 6.0f * c[n - 1]) * 0.125f;
    }
    if (2 * (n - 1) + 1 < fineWidth) {
        o[2 * (n - 1) + 1] = c[n - 1];
    }
}

void pyrUpReference(const Plane& coarse, Plane& fine)
{
    // Zero-stuff, then convolve with 2k per axis: only taps landing on even (real) samples count.
    static constexpr float k[5] = {1.0f / 8, 4.0f / 8, 6.0f / 8, 4.0f / 8, 1.0f / 8};
    const int w2 = 2 * coarse.width, h2 = 2 * coarse.height;
    for (int y = 0; y < fine.height; ++y) {
        for (int x = 0; x < fine.width; ++x) {
            double sum = 0.0;
            for (int j = 0; j < 5; ++j) {
                const int sy = reflect101(y + j - 2, h2);
                if (sy % 2 != 0) {
                    continue;
                }
                for (int i = 0; i < 5; ++i) {
                    const int sx = reflect101(x + i - 2, w2);
                    if (sx % 2 == 0) {
                        sum += double(k[j]) * k[i] * coarse.at(sx / 2, sy / 2);
                    }
                }
            }
            fine.at(x, y) = float(sum);
        }
    }
}

void pyrUpAddPlanes(const Plane* coarse, Plane* fine, int count)
{
    if (count <= 0) {
        return;
    }
    parallelFor(std::size_t(fine[0].height), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> vertical(std::size_t(coarse[0].width)), up(std::size_t(fine[0].width));
        for (int y = int(y0); y < int(y1); ++y) {
            for (int c = 0; c < count; ++c) {
                verticalUpRow(coarse[c], y, vertical.data());
                horizontalUpRow(vertical.data(), coarse[c].width, fine[c].width, up.data());
                float* __restrict f = fine[c].row(y);
                const float* __restrict u = up.data();
                for (int x = 0; x < fine[c].width; ++x) {
                    f[x] += u[x];
                }
            }
        }
    });
}

void pyrUpAdd(const Plane& coarse, Plane& fine)
{
    pyrUpAddPlanes(&coarse, &fine, 1);
}

} // namespace hdr::core
