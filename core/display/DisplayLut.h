#pragma once

#include "common/Error.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace hdr::core {

class DisplayTransform;
namespace detail {
struct LutKernel;
}

// The lattice and shaper of a baked display LUT.
//
// Shaper (scene-linear x -> lattice coordinate g in [0, size-1]), with c = 2^minStops:
//   t = clamp(x + c, c, 2^maxStops)          (NaN and negatives -> c, i.e. x = 0)
//   g = (log2(t) - minStops) · (size - 1) / (maxStops - minStops)
// so nodes are evenly spaced in stops (24 stops over 64 cells: 0.375 stop apart), and the +c
// makes x = 0 a node (black is exact) with the bottom stop linear in x. log2 is the binary
// exponent plus a degree-5 polynomial in the mantissa (|error| < 3e-6 stops, continuous and
// monotonic across octaves), the same in the scalar reference and the vector kernel.
// (A shaper that reads the float bits as a piecewise-linear log2 is exactly invertible but bends
// the lattice at every power of two: 2-3 code values of error on the sRGB curve. A smooth log
// keeps the Standard view under one code value.)
struct DisplayLutOptions {
    int size = 65;      // nodes per axis (2..129)
    int minStops = -12; // log2 of the smallest step resolved above black (relative to 1.0 = white)
    int maxStops = 12;  // log2 of the largest input; brighter values clamp to it

    Status validate() const;
    bool operator==(const DisplayLutOptions&) const = default;
};

// Where a run of pixels is: pixel i's RGB is at base + offsets[i]. `readable` floats from base are
// valid memory (the kernel reads 4 floats where it can); `stride` is the floats per pixel (3 or 4).
struct PixelRun {
    const float* base = nullptr;
    const std::int32_t* offsets = nullptr;
    std::size_t count = 0;
    std::size_t readable = 0;
    int stride = 3;
};

// A display transform's colour pipeline (primaries, tone map, OCIO display/view, gamma) baked
// into a size³ RGB lattice behind the log2 shaper above, applied with tetrahedral interpolation:
// with the lattice cell's fractions sorted fa >= fb >= fc along axes a, b, c,
//   out = (1 - fa)·L[000] + (fa - fb)·L[a] + (fb - fc)·L[a + b] + fc·L[111]
// (Kasson, Nin, Plouffe, Hafner, "Performing color space conversions with three-dimensional
// linear interpolation", J. Electronic Imaging 4(3), 1995; OCIO's Lut3DOpCPU does the same).
// A per-call affine `x·scale + offset` runs before the shaper, so exposure and offset changes
// reuse the LUT. Immutable and thread-safe once baked.
class DisplayLut {
public:
    // Samples transform.toSignal() at every node. The transform's own exposure and offset are
    // inside the LUT: bake one made with exposure 0 and offset 0 (LutDisplayTransform does).
    static Result<std::shared_ptr<const DisplayLut>> bake(const DisplayTransform& transform,
                                                          const DisplayLutOptions& options = {});

    const DisplayLutOptions& options() const { return m_options; }
    int size() const { return m_options.size; }
    float latticeCoordinate(float x) const; // the shaper, g in [0, size - 1]
    float nodeInput(int index) const;       // the scene-linear value of node `index` on any axis
    // The baked value of a node (r, g, b indices), display signal RGB.
    const float* node(int r, int g, int b) const;

    // Scalar reference: scene-linear RGB (already scaled and offset) -> display signal RGB.
    void lookupReference(const float in[3], float out[3]) const;

    // Each pixel of `run` is scaled and offset, shaped and interpolated: `signal` gets 3 floats
    // per pixel, `argb` 0xFFRRGGBB (rounded to nearest). Uses the AVX2 kernel where the CPU has
    // it (displayLutKernelName()), else the reference.
    void toSignal(const PixelRun& run, float scale, float offset, float* signal) const;
    void toArgb32(const PixelRun& run, float scale, float offset, std::uint32_t* argb) const;

private:
    DisplayLut() = default;
    detail::LutKernel kernel(float scale, float offset) const;

    DisplayLutOptions m_options;
    float m_c = 0.0f;            // 2^minStops
    float m_top = 0.0f;          // 2^maxStops
    float m_coordinateScale = 0; // (size - 1) / (maxStops - minStops)
    std::vector<float> m_nodes;  // size³ × 4 floats (RGB + pad), blue index fastest
};

// "avx2" or "scalar": which kernel DisplayLut::toSignal / toArgb32 use on this CPU.
const char* displayLutKernelName();

} // namespace hdr::core
