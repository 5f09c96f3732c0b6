#include "tonemap/LocalToneMap.h"

#include "common/Parallel.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace hdr::core {
namespace {

constexpr float kLumR = 0.2126f, kLumG = 0.7152f, kLumB = 0.0722f;
constexpr float kHuge = 1e8f; // +Inf and absurd values saturate here, as in the global operators

float sanitize(float v)
{
    return std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, kHuge);
}

std::vector<float> luminancePlane(const ImageF& image)
{
    std::vector<float> lum(std::size_t(image.pixelCount()));
    const int ch = image.channels();
    parallelFor(lum.size(), 65536, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const float* p = image.data() + i * std::size_t(ch);
            lum[i] = kLumR * sanitize(p[0]) + kLumG * sanitize(p[1]) + kLumB * sanitize(p[2]);
        }
    });
    return lum;
}

// out = (RGB / L)^saturation · Ld per pixel, clamped to [0, 1]; alpha copied.
ImageF
recolour(const ImageF& image, const std::vector<float>& lum, const std::vector<float>& ld, float saturation)
{
    ImageF out(image.width(), image.height(), image.channels(), image.colorSpace);
    out.metadata = image.metadata;
    const int ch = image.channels();
    parallelFor(lum.size(), 65536, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const float* p = image.data() + i * std::size_t(ch);
            float* o = out.data() + i * std::size_t(ch);
            const float l = lum[i], d = std::isfinite(ld[i]) ? std::max(ld[i], 0.0f) : 0.0f;
            for (int c = 0; c < 3; ++c) {
                const float ratio = l > 0.0f ? sanitize(p[c]) / l : 1.0f;
                const float v = saturation == 1.0f ? ratio * d : std::pow(ratio, saturation) * d;
                o[c] = std::clamp(v, 0.0f, 1.0f);
            }
            if (ch == 4) {
                o[3] = p[3];
            }
        }
    });
    return out;
}

// Box blur of every row (radius r, clamp-to-edge) with a running sum.
void boxBlurRows(std::vector<float>& plane, int width, int height, int r)
{
    if (r <= 0) {
        return;
    }
    parallelFor(std::size_t(height), 16, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> src(static_cast<std::size_t>(width));
        const float norm = 1.0f / float(2 * r + 1);
        for (std::size_t y = y0; y < y1; ++y) {
            float* row = plane.data() + y * std::size_t(width);
            std::copy(row, row + width, src.begin());
            auto at = [&](int x) { return src[std::size_t(std::clamp(x, 0, width - 1))]; };
            double sum = 0;
            for (int x = -r; x <= r; ++x) {
                sum += at(x);
            }
            for (int x = 0; x < width; ++x) {
                row[x] = float(sum) * norm;
                sum += at(x + r + 1) - at(x - r);
            }
        }
    });
}

void gaussianRows(std::vector<float>& plane, int width, int height, float sigma)
{
    const int radius = std::max(1, int(std::ceil(4.0f * sigma)));
    std::vector<float> kernel(std::size_t(2 * radius + 1));
    double sum = 0;
    for (int i = -radius; i <= radius; ++i) {
        kernel[std::size_t(i + radius)] = std::exp(-0.5f * float(i * i) / (sigma * sigma));
        sum += kernel[std::size_t(i + radius)];
    }
    for (float& k : kernel) {
        k = float(k / sum);
    }
    parallelFor(std::size_t(height), 16, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> src(static_cast<std::size_t>(width));
        for (std::size_t y = y0; y < y1; ++y) {
            float* row = plane.data() + y * std::size_t(width);
            std::copy(row, row + width, src.begin());
            for (int x = 0; x < width; ++x) {
                float acc = 0;
                for (int i = -radius; i <= radius; ++i) {
                    acc +=
                        kernel[std::size_t(i + radius)] * src[std::size_t(std::clamp(x + i, 0, width - 1))];
                }
                row[x] = acc;
            }
        }
    });
}

std::vector<float> transposed(const std::vector<float>& plane, int width, int height)
{
    std::vector<float> out(plane.size());
    constexpr int kTile = 32;
    parallelFor(std::size_t((height + kTile - 1) / kTile), 1, [&](std::size_t t0, std::size_t t1) {
        for (int ty = int(t0) * kTile; ty < std::min(height, int(t1) * kTile); ty += kTile) {
            for (int tx = 0; tx < width; tx += kTile) {
                for (int y = ty; y < std::min(height, ty + kTile); ++y) {
                    for (int x = tx; x < std::min(width, tx + kTile); ++x) {
                        out[std::size_t(x) * std::size_t(height) + std::size_t(y)] =
                            plane[std::size_t(y) * std::size_t(width) + std::size_t(x)];
                    }
                }
            }
        }
    });
    return out;
}

// Three box widths whose summed variance is σ² (Wells 1986 / Kovesi 2010).
std::array<int, 3> boxRadiiForGauss(float sigma)
{
    const double n = 3.0;
    int wl = int(std::floor(std::sqrt(12.0 * sigma * sigma / n + 1.0)));
    if (wl % 2 == 0) {
        --wl;
    }
    const int wu = wl + 2;
    const double m =
        std::round((12.0 * sigma * sigma - n * wl * wl - 4.0 * n * wl - 3.0 * n) / (-4.0 * wl - 4.0));
    std::array<int, 3> radii{};
    for (int i = 0; i < 3; ++i) {
        radii[std::size_t(i)] = ((i < m) ? wl : wu) / 2;
    }
    return radii;
}

void blurRows(std::vector<float>& plane, int width, int height, float sigma, bool exact)
{
    if (exact || sigma < 2.0f) { // small kernels are cheap and the box fit is poor there
        gaussianRows(plane, width, height, sigma);
        return;
    }
    for (int r : boxRadiiForGauss(sigma)) {
        boxBlurRows(plane, width, height, r);
    }
}

float logAverage(const std::vector<float>& lum)
{
    double logSum = 0;
    std::size_t n = 0;
    for (float l : lum) {
        if (l > 0.0f) {
            logSum += std::log(1e-6 + double(l));
            ++n;
        }
    }
    return n ? float(std::exp(logSum / double(n))) : 0.18f;
}

Status checkInput(const ImageF& image)
{
    if (image.empty() || image.channels() < 3) {
        return fail(ErrorCode::InvalidArgument, "tone mapping needs a non-empty RGB or RGBA image");
    }
    return {};
}

} // namespace

void gaussianBlurPlane(std::vector<float>& plane, int width, int height, float sigma, bool exact)
{
    if (sigma <= 0.0f || width <= 0 || height <= 0) {
        return;
    }
    blurRows(plane, width, height, sigma, exact);
    plane = transposed(plane, width, height);
    blurRows(plane, height, width, sigma, exact);
    plane = transposed(plane, height, width);
}

Status PhotographicLocalParams::validate() const
{
    if (!(key > 0.0f && key <= 1.0f)) {
        return fail(ErrorCode::InvalidArgument, "photographic key must be in (0, 1] (0.18 = middle grey)");
    }
    if (!(phi >= 0.0f && phi <= 30.0f) || !(epsilon > 0.0f && epsilon < 1.0f)) {
        return fail(ErrorCode::InvalidArgument, "phi must be in [0, 30] and epsilon in (0, 1)");
    }
    if (scales < 1 || scales > 16 || !(lowestScale >= 0.5f && lowestScale <= 64.0f)) {
        return fail(ErrorCode::InvalidArgument, "scales must be 1-16 and the lowest scale 0.5-64 px");
    }
    if (!(saturation > 0.0f && saturation <= 4.0f)) {
        return fail(ErrorCode::InvalidArgument, "saturation must be in (0, 4]");
    }
    return {};
}

Status DurandParams::validate() const
{
    if (!(sigmaSpatial >= 1.0f && sigmaSpatial <= 2000.0f)) {
        return fail(ErrorCode::InvalidArgument, "Durand sigma-s must be 1-2000 pixels");
    }
    if (!(sigmaRange >= 0.01f && sigmaRange <= 10.0f)) {
        return fail(ErrorCode::InvalidArgument, "Durand sigma-r must be 0.01-10 (log10 units)");
    }
    if (!(baseContrast > 1.0f && baseContrast <= 1e6f)) {
        return fail(ErrorCode::InvalidArgument, "Durand base contrast must be > 1 (a ratio, e.g. 5)");
    }
    if (!(saturation > 0.0f && saturation <= 4.0f)) {
        return fail(ErrorCode::InvalidArgument, "saturation must be in (0, 4]");
    }
    return {};
}

Result<ImageF>
toneMapPhotographicLocal(const ImageF& image, const PhotographicLocalParams& p, JobContext& ctx)
{
    if (auto ok = p.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkInput(image); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, "photographic local tone map", [&]() -> ImageF {
        const int w = image.width(), h = image.height();
        std::vector<float> lm = luminancePlane(image);
        const float scale = p.key / logAverage(lm);
        for (float& v : lm) {
            v *= scale;
        }
        constexpr float kAlpha1 = 0.35355339f; // 1 / (2√2)
        const float sharpen = std::exp2(p.phi) * p.key;
        auto blurredAt = [&](int i) {
            const float s = p.lowestScale * std::pow(1.6f, float(i));
            std::vector<float> v = lm;
            gaussianBlurPlane(v, w, h, kAlpha1 * s / std::sqrt(2.0f), p.referenceBlur);
            return v;
        };
        std::vector<float> v1 = blurredAt(0);
        std::vector<float> chosen = v1;
        std::vector<std::uint8_t> stopped(lm.size(), 0);
        for (int i = 0; i < p.scales; ++i) {
            throwIfCancelled(ctx);
            ctx.setProgress(double(i) / p.scales, "Dodging and burning");
            const float s = p.lowestScale * std::pow(1.6f, float(i));
            std::vector<float> v2 = blurredAt(i + 1); // V2(s_i) = V1(s_{i+1}) since α2 = 1.6 α1
            const float denomBase = sharpen / (s * s);
            parallelFor(lm.size(), 65536, [&](std::size_t b, std::size_t e) {
                for (std::size_t k = b; k < e; ++k) {
                    if (stopped[k]) {
                        continue;
                    }
                    const float activity = (v1[k] - v2[k]) / (denomBase + v1[k]);
                    if (std::fabs(activity) < p.epsilon) {
                        chosen[k] = v1[k];
                    } else {
                        stopped[k] = 1;
                    }
                }
            });
            v1 = std::move(v2);
        }
        std::vector<float> ld(lm.size());
        for (std::size_t k = 0; k < lm.size(); ++k) {
            ld[k] = lm[k] / (1.0f + chosen[k]);
        }
        const std::vector<float> lum = luminancePlane(image);
        ctx.setProgress(1.0, "Dodging and burning");
        return recolour(image, lum, ld, p.saturation);
    });
}

namespace {

// log10 luminance with a floor 1e-6 below the peak, so black pixels do not stretch the range.
std::vector<float> logLuminance(const std::vector<float>& lum)
{
    const float peak = std::max(*std::max_element(lum.begin(), lum.end()), 1e-30f);
    const float floorValue = std::max(peak * 1e-6f, 1e-30f);
    std::vector<float> out(lum.size());
    for (std::size_t i = 0; i < lum.size(); ++i) {
        out[i] = std::log10(std::max(lum[i], floorValue));
    }
    return out;
}

std::vector<float> bilateralReference(const std::vector<float>& in, int w, int h, const DurandParams& p)
{
    const int r = int(std::ceil(2.0f * p.sigmaSpatial));
    const double ops = double(in.size()) * double(2 * r + 1) * double(2 * r + 1);
    if (ops > 4e9) {
        throwError(ErrorCode::LimitExceeded,
                   "the brute-force bilateral reference is for small images; use the fast path");
    }
    std::vector<float> out(in.size());
    const float is2 = 0.5f / (p.sigmaSpatial * p.sigmaSpatial), ir2 = 0.5f / (p.sigmaRange * p.sigmaRange);
    parallelFor(std::size_t(h), 1, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            for (int x = 0; x < w; ++x) {
                const float c = in[std::size_t(y) * std::size_t(w) + std::size_t(x)];
                double sum = 0, wsum = 0;
                for (int dy = std::max(-r, -y); dy <= std::min(r, h - 1 - y); ++dy) {
                    for (int dx = std::max(-r, -x); dx <= std::min(r, w - 1 - x); ++dx) {
                        const float v = in[std::size_t(y + dy) * std::size_t(w) + std::size_t(x + dx)];
                        const float d = v - c;
                        const double wt = std::exp(-float(dx * dx + dy * dy) * is2 - d * d * ir2);
                        sum += wt * v;
                        wsum += wt;
                    }
                }
                out[std::size_t(y) * std::size_t(w) + std::size_t(x)] = float(sum / wsum);
            }
        }
    });
    return out;
}

// Bilateral grid: accumulate (value, 1) into cells of σ_s × σ_s × σ_r, blur every axis with the
// binomial [1 4 6 4 1] / 16 (σ = 1 cell), then read back with trilinear interpolation.
std::vector<float> bilateralGrid(const std::vector<float>& in, int w, int h, const DurandParams& p)
{
    const auto [minIt, maxIt] = std::minmax_element(in.begin(), in.end());
    const float lo = *minIt, range = std::max(*maxIt - lo, 1e-6f);
    constexpr int kPad = 2;
    const int gx = int(std::ceil(float(w - 1) / p.sigmaSpatial)) + 1 + 2 * kPad;
    const int gy = int(std::ceil(float(h - 1) / p.sigmaSpatial)) + 1 + 2 * kPad;
    const int gz = int(std::ceil(range / p.sigmaRange)) + 1 + 2 * kPad;
    const double cells = double(gx) * gy * gz;
    if (cells > double(1 << 26)) {
        throwError(ErrorCode::LimitExceeded, "bilateral grid too large: raise sigma-s or sigma-r");
    }
    const std::size_t sx = 2, sy = std::size_t(gx) * 2, sz = std::size_t(gx) * std::size_t(gy) * 2;
    std::vector<float> grid(std::size_t(cells) * 2, 0.0f); // (value, weight) pairs
    auto cellOf = [&](int x, int y, float v) {
        const auto ix = std::size_t(std::lround(float(x) / p.sigmaSpatial) + kPad);
        const auto iy = std::size_t(std::lround(float(y) / p.sigmaSpatial) + kPad);
        const auto iz = std::size_t(std::lround((v - lo) / p.sigmaRange) + kPad);
        return ix * sx + iy * sy + iz * sz;
    };
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float v = in[std::size_t(y) * std::size_t(w) + std::size_t(x)];
            const std::size_t c = cellOf(x, y, v);
            grid[c] += v;
            grid[c + 1] += 1.0f;
        }
    }
    const int dims[3] = {gx, gy, gz};
    const std::size_t strides[3] = {sx, sy, sz};
    std::vector<float> tmp(grid.size());
    for (int axis = 0; axis < 3; ++axis) {
        const std::size_t st = strides[axis];
        const int n = dims[axis];
        for (std::size_t i = 0; i < grid.size(); i += 2) {
            const int pos = int((i / st) % std::size_t(n));
            float acc[2] = {6.0f * grid[i], 6.0f * grid[i + 1]};
            for (int d : {-2, -1, 1, 2}) {
                const int q = pos + d;
                if (q < 0 || q >= n) {
                    continue;
                }
                const float k = (d == -1 || d == 1) ? 4.0f : 1.0f;
                const std::size_t j = std::size_t(std::ptrdiff_t(i) + std::ptrdiff_t(d) * std::ptrdiff_t(st));
                acc[0] += k * grid[j];
                acc[1] += k * grid[j + 1];
            }
            tmp[i] = acc[0] / 16.0f;
            tmp[i + 1] = acc[1] / 16.0f;
        }
        grid.swap(tmp);
    }
    std::vector<float> out(in.size());
    parallelFor(std::size_t(h), 16, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            const float fy = float(y) / p.sigmaSpatial + kPad;
            const int iy = int(fy);
            const float ty = fy - float(iy);
            for (int x = 0; x < w; ++x) {
                const float v = in[std::size_t(y) * std::size_t(w) + std::size_t(x)];
                const float fx = float(x) / p.sigmaSpatial + kPad, fz = (v - lo) / p.sigmaRange + kPad;
                const int ix = int(fx), iz = int(fz);
                const float tx = fx - float(ix), tz = fz - float(iz);
                float acc[2] = {0, 0};
                for (int c = 0; c < 8; ++c) {
                    const int dx = c & 1, dy = (c >> 1) & 1, dz = (c >> 2) & 1;
                    const float wt = (dx ? tx : 1 - tx) * (dy ? ty : 1 - ty) * (dz ? tz : 1 - tz);
                    const std::size_t j =
                        std::size_t(ix + dx) * sx + std::size_t(iy + dy) * sy + std::size_t(iz + dz) * sz;
                    acc[0] += wt * grid[j];
                    acc[1] += wt * grid[j + 1];
                }
                out[std::size_t(y) * std::size_t(w) + std::size_t(x)] = acc[1] > 1e-12f ? acc[0] / acc[1] : v;
            }
        }
    });
    return out;
}

} // namespace

Result<ImageF> toneMapDurand(const ImageF& image, const DurandParams& p, JobContext& ctx)
{
    if (auto ok = p.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkInput(image); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, "Durand tone map", [&]() -> ImageF {
        const int w = image.width(), h = image.height();
        const std::vector<float> lum = luminancePlane(image);
        const std::vector<float> logL = logLuminance(lum);
        ctx.setProgress(0.1, "Bilateral filter");
        throwIfCancelled(ctx);
        const std::vector<float> base =
            p.reference ? bilateralReference(logL, w, h, p) : bilateralGrid(logL, w, h, p);
        throwIfCancelled(ctx);
        const auto [minIt, maxIt] = std::minmax_element(base.begin(), base.end());
        const float baseMax = *maxIt, baseRange = std::max(*maxIt - *minIt, 1e-6f);
        const float compression = std::min(1.0f, std::log10(p.baseContrast) / baseRange);
        std::vector<float> ld(lum.size());
        for (std::size_t i = 0; i < ld.size(); ++i) {
            const float detail = logL[i] - base[i];
            ld[i] = lum[i] > 0.0f ? std::pow(10.0f, (base[i] - baseMax) * compression + detail) : 0.0f;
        }
        ctx.setProgress(1.0, "Bilateral filter");
        return recolour(image, lum, ld, p.saturation);
    });
}

} // namespace hdr::core
