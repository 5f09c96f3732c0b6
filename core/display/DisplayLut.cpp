#include "display/DisplayLut.h"

#include "common/Parallel.h"
#include "display/DisplayLutKernel.h"
#include "display/DisplayTransform.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

namespace hdr::core {
namespace detail {

float lutCoordinate(const LutKernel& k, float x)
{
    float t = x + k.c;
    t = t > k.c ? std::min(t, k.top) : k.c; // NaN compares false: black, like the exact path
    const auto bits = std::bit_cast<std::int32_t>(t);
    const float exponent = float((bits >> 23) - 127);
    const float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000) - 1.0f;
    float q = kLog2Fit[4];
    for (int i = 3; i >= 0; --i) {
        q = q * m + kLog2Fit[i];
    }
    const float log2t = exponent + (m + m * (1.0f - m) * q);
    return (log2t - k.minStops) * k.coordinateScale;
}

void lutLookup(const LutKernel& k, const float in[3], float out[3])
{
    const int n = k.size;
    int cell[3];
    float f[3];
    for (int c = 0; c < 3; ++c) {
        const float g = lutCoordinate(k, in[c]);
        cell[c] = std::min(int(g), n - 2);
        f[c] = g - float(cell[c]);
    }
    const std::size_t strides[3] = {std::size_t(n) * std::size_t(n) * 4, std::size_t(n) * 4, 4};
    const float* base = k.nodes + std::size_t(cell[0]) * strides[0] + std::size_t(cell[1]) * strides[1] +
                        std::size_t(cell[2]) * strides[2];
    // Sort the fractions (largest first), carrying each axis' stride along.
    int order[3] = {0, 1, 2};
    if (f[order[0]] < f[order[1]]) {
        std::swap(order[0], order[1]);
    }
    if (f[order[1]] < f[order[2]]) {
        std::swap(order[1], order[2]);
    }
    if (f[order[0]] < f[order[1]]) {
        std::swap(order[0], order[1]);
    }
    const float fa = f[order[0]], fb = f[order[1]], fc = f[order[2]];
    const float* v1 = base + strides[order[0]];
    const float* v2 = v1 + strides[order[1]];
    const float* v3 = base + strides[0] + strides[1] + strides[2];
    for (int c = 0; c < 3; ++c) {
        out[c] = (1.0f - fa) * base[c] + (fa - fb) * v1[c] + (fb - fc) * v2[c] + fc * v3[c];
    }
}

} // namespace detail

namespace {

std::uint32_t quantise(float r, float g, float b)
{
    auto q = [](float v) { return std::uint32_t(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
    return 0xff000000u | (q(r) << 16) | (q(g) << 8) | q(b);
}

} // namespace

Status DisplayLutOptions::validate() const
{
    if (size < 2 || size > 129) {
        return fail(ErrorCode::InvalidArgument, "a display LUT needs 2 to 129 nodes per axis");
    }
    if (!(minStops >= -60 && minStops < maxStops && maxStops <= 60)) {
        return fail(ErrorCode::InvalidArgument,
                    "the display LUT range must satisfy -60 <= min < max <= 60 stops");
    }
    return {};
}

detail::LutKernel DisplayLut::kernel(float scale, float offset) const
{
    detail::LutKernel k;
    k.nodes = m_nodes.data();
    k.size = m_options.size;
    k.minStops = float(m_options.minStops);
    k.c = m_c;
    k.top = m_top;
    k.coordinateScale = m_coordinateScale;
    k.scale = scale;
    k.offset = offset;
    return k;
}

Result<std::shared_ptr<const DisplayLut>> DisplayLut::bake(const DisplayTransform& transform,
                                                           const DisplayLutOptions& options)
{
    if (auto ok = options.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, "display LUT", [&] {
        auto lut = std::shared_ptr<DisplayLut>(new DisplayLut);
        lut->m_options = options;
        lut->m_c = std::ldexp(1.0f, options.minStops);
        lut->m_top = std::ldexp(1.0f, options.maxStops);
        lut->m_coordinateScale = float(options.size - 1) / float(options.maxStops - options.minStops);

        const int n = options.size;
        std::vector<float> axis(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            axis[std::size_t(i)] = lut->nodeInput(i);
        }
        const std::size_t count = std::size_t(n) * std::size_t(n) * std::size_t(n);
        lut->m_nodes.assign(count * 4, 0.0f);
        // One blue-fastest plane of node inputs per r index, transformed in place.
        parallelFor(std::size_t(n), 1, [&](std::size_t r0, std::size_t r1) {
            const std::size_t plane = std::size_t(n) * std::size_t(n);
            std::vector<float> in(plane * 3), out(plane * 3);
            for (std::size_t r = r0; r < r1; ++r) {
                for (std::size_t i = 0; i < plane; ++i) {
                    in[i * 3 + 0] = axis[r];
                    in[i * 3 + 1] = axis[i / std::size_t(n)];
                    in[i * 3 + 2] = axis[i % std::size_t(n)];
                }
                transform.toSignal(in.data(), 3, plane, out.data());
                float* dst = lut->m_nodes.data() + r * plane * 4;
                for (std::size_t i = 0; i < plane; ++i) {
                    dst[i * 4 + 0] = out[i * 3 + 0];
                    dst[i * 4 + 1] = out[i * 3 + 1];
                    dst[i * 4 + 2] = out[i * 3 + 2];
                }
            }
        });
        return std::shared_ptr<const DisplayLut>(std::move(lut));
    });
}

float DisplayLut::latticeCoordinate(float x) const
{
    return detail::lutCoordinate(kernel(1.0f, 0.0f), x);
}

float DisplayLut::nodeInput(int index) const
{
    const double stops = m_options.minStops + double(index) *
                                                  double(m_options.maxStops - m_options.minStops) /
                                                  double(m_options.size - 1);
    return float(std::exp2(stops) - double(m_c));
}

const float* DisplayLut::node(int r, int g, int b) const
{
    const std::size_t n = std::size_t(m_options.size);
    return m_nodes.data() + ((std::size_t(r) * n + std::size_t(g)) * n + std::size_t(b)) * 4;
}

void DisplayLut::lookupReference(const float in[3], float out[3]) const
{
    detail::lutLookup(kernel(1.0f, 0.0f), in, out);
}

void DisplayLut::toSignal(const PixelRun& run, float scale, float offset, float* signal) const
{
    const detail::LutKernel k = kernel(scale, offset);
    std::size_t done =
        detail::haveAvx2Kernel()
            ? detail::lutApplyAvx2(
                  k, run.base, run.offsets, run.count, run.readable, run.stride, signal, nullptr)
            : 0;
    for (; done < run.count; ++done) {
        const float* p = run.base + run.offsets[done];
        const float in[3] = {p[0] * scale + offset, p[1] * scale + offset, p[2] * scale + offset};
        detail::lutLookup(k, in, signal + done * 3);
    }
}

void DisplayLut::toArgb32(const PixelRun& run, float scale, float offset, std::uint32_t* argb) const
{
    const detail::LutKernel k = kernel(scale, offset);
    std::size_t done = detail::haveAvx2Kernel()
                           ? detail::lutApplyAvx2(
                                 k, run.base, run.offsets, run.count, run.readable, run.stride, nullptr, argb)
                           : 0;
    for (; done < run.count; ++done) {
        const float* p = run.base + run.offsets[done];
        const float in[3] = {p[0] * scale + offset, p[1] * scale + offset, p[2] * scale + offset};
        float s[3];
        detail::lutLookup(k, in, s);
        argb[done] = quantise(s[0], s[1], s[2]);
    }
}

const char* displayLutKernelName()
{
    return detail::haveAvx2Kernel() ? "avx2" : "scalar";
}

} // namespace hdr::core
