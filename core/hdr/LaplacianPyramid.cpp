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

void pyrDown(const Plane& src, Plane& dst)
{
    const int w = src.width, h = src.height;
    const int dw = coarserSize(w), dh = coarserSize(h);
    if (dst.width != dw || dst.height != dh) {
        dst.resize(dw, dh);
    }
    parallelFor(std::size_t(dh), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        // Vertical 5-tap into a row padded by two samples each side, then horizontal 5-tap with
        // a stride-2 output: every inner loop is contiguous and branch-free.
        std::vector<float> padded(std::size_t(w) + 4);
        float* v = padded.data() + 2;
        for (int y = int(y0); y < int(y1); ++y) {
            const float* __restrict r0 = src.row(reflect101(2 * y - 2, h));
            const float* __restrict r1 = src.row(reflect101(2 * y - 1, h));
            const float* __restrict r2 = src.row(reflect101(2 * y, h));
            const float* __restrict r3 = src.row(reflect101(2 * y + 1, h));
            const float* __restrict r4 = src.row(reflect101(2 * y + 2, h));
            for (int x = 0; x < w; ++x) {
                v[x] = (r0[x] + r4[x]) + 4.0f * (r1[x] + r3[x]) + 6.0f * r2[x];
            }
            v[-2] = v[reflect101(-2, w)];
            v[-1] = v[reflect101(-1, w)];
            v[w] = v[reflect101(w, w)];
            v[w + 1] = v[reflect101(w + 1, w)];
            float* __restrict out = dst.row(y);
            const float* __restrict p = padded.data();
            for (int x = 0; x < dw; ++x) {
                const float* q = p + 2 * x;
                out[x] = ((q[0] + q[4]) + 4.0f * (q[1] + q[3]) + 6.0f * q[2]) * (1.0f / 256.0f);
            }
        }
    });
}

void pyrDownInterleaved(const float* pixels, int w, int h, int channels, Plane* dst3)
{
    const int dw = coarserSize(w), dh = coarserSize(h);
    for (int c = 0; c < 3; ++c) {
        if (dst3[c].width != dw || dst3[c].height != dh) {
            dst3[c].resize(dw, dh);
        }
    }
    const std::size_t rowFloats = std::size_t(w) * std::size_t(channels);
    parallelFor(std::size_t(dh), kRowGrain, [&](std::size_t y0, std::size_t y1) {
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
                for (int x = 0; x < w; ++x) {
                    v[x] = vi[std::size_t(x) * std::size_t(channels) + std::size_t(c)];
                }
                v[-2] = v[reflect101(-2, w)];
                v[-1] = v[reflect101(-1, w)];
                v[w] = v[reflect101(w, w)];
                v[w + 1] = v[reflect101(w + 1, w)];
                float* __restrict out = dst3[c].row(y);
                const float* __restrict p = padded.data();
                for (int x = 0; x < dw; ++x) {
                    const float* q = p + 2 * x;
                    out[x] = ((q[0] + q[4]) + 4.0f * (q[1] + q[3]) + 6.0f * q[2]) * (1.0f / 256.0f);
                }
            }
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
    // Interior: even outputs 2k for 1 <= k <= n-2, odd outputs 2k+1 for 0 <= k <= n-2.
    for (int k = 1; k < n - 1; ++k) {
        out[2 * k] = (coarseRow[k - 1] + coarseRow[k + 1] + 6.0f * coarseRow[k]) * 0.125f;
    }
    for (int k = 0; k < n - 1 && 2 * k + 1 < fineWidth; ++k) {
        out[2 * k + 1] = (coarseRow[k] + coarseRow[k + 1]) * 0.5f;
    }
    // Borders through the same neighbour rules as the vertical direction.
    for (int k : {0, n - 1}) {
        if (2 * k < fineWidth) {
            out[2 * k] =
                (coarseRow[upLow(k - 1, n)] + coarseRow[upHigh(k + 1, n)] + 6.0f * coarseRow[k]) * 0.125f;
        }
    }
    if (2 * (n - 1) + 1 < fineWidth) {
        out[2 * (n - 1) + 1] = coarseRow[n - 1];
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

void pyrUpAdd(const Plane& coarse, Plane& fine)
{
    parallelFor(std::size_t(fine.height), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> vertical(std::size_t(coarse.width)), up(std::size_t(fine.width));
        for (int y = int(y0); y < int(y1); ++y) {
            verticalUpRow(coarse, y, vertical.data());
            horizontalUpRow(vertical.data(), coarse.width, fine.width, up.data());
            float* __restrict f = fine.row(y);
            const float* __restrict u = up.data();
            for (int x = 0; x < fine.width; ++x) {
                f[x] += u[x];
            }
        }
    });
}

void PlanePyramid::build(int levelCount)
{
    levels.resize(std::size_t(std::max(1, levelCount)));
    for (std::size_t l = 1; l < levels.size(); ++l) {
        pyrDown(levels[l - 1], levels[l]);
    }
}

} // namespace hdr::core
