#pragma once
// Internal to hdr_display: the parameters of a DisplayLut as its kernels read them.

#include <cstddef>
#include <cstdint>

namespace hdr::core::detail {

struct LutKernel {
    const float* nodes = nullptr; // size³ × 4 floats, index ((r·size + g)·size + b)·4
    int size = 0;
    float minStops = 0.0f;
    float c = 0.0f;
    float top = 0.0f;
    float coordinateScale = 0.0f; // (size - 1) / (maxStops - minStops)
    float scale = 1.0f;           // per call: x·scale + offset before the shaper
    float offset = 0.0f;
};

// log2(1 + m) for m in [0, 1) as m + m(1 - m)·q(m): a least-squares fit (Chebyshev nodes) with
// the ends pinned, so log2 stays continuous at powers of two; |error| < 2.6e-6.
constexpr float kLog2Fit[5] = {0.44252726f, -0.27538621f, 0.18115421f, -0.094814755f, 0.025285507f};

// The shaper: scene-linear x -> lattice coordinate.
float lutCoordinate(const LutKernel& k, float x);
// Scalar reference for one pixel (x already scaled and offset).
void lutLookup(const LutKernel& k, const float in[3], float out[3]);

// Whether this CPU runs the AVX2 + FMA kernel.
bool haveAvx2Kernel();
// The AVX2 kernel over the first count - count % 8 pixels; returns how many it did. Exactly one
// of `signal` / `argb` is non-null. `readable`: floats valid from base; `channels`: pixel stride.
std::size_t lutApplyAvx2(const LutKernel& k,
                         const float* base,
                         const std::int32_t* offsets,
                         std::size_t count,
                         std::size_t readable,
                         int channels,
                         float* signal,
                         std::uint32_t* argb);

} // namespace hdr::core::detail
