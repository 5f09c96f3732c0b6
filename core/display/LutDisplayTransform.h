#pragma once

#include "display/DisplayLut.h"
#include "display/DisplayTransform.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hdr::core {

// Keeps the last few baked LUTs so that a display change that leaves the LUT's inputs alone
// (exposure, offset, overlay, headroom; for statistics-driven tone mappers exposure too, see
// LutDisplayTransform) reuses one instead of baking. Thread-safe.
class DisplayLutCache {
public:
    explicit DisplayLutCache(std::size_t capacity = 4);

    // The LUT of `lutSettings` (exposure and offset 0, no overlay) for this config and input.
    Result<std::shared_ptr<const DisplayLut>> lutFor(const DisplaySettings& lutSettings,
                                                     const OcioConfig* config,
                                                     const LinearColorSpace& input,
                                                     const DisplayLutOptions& options);
    int bakeCount() const; // LUTs baked since construction (for tests and the benchmark)
    void clear();

private:
    struct Entry;
    mutable std::mutex m_mutex;
    std::size_t m_capacity;
    std::vector<std::shared_ptr<const Entry>> m_entries; // most recent first
    int m_bakes = 0;
};

// The viewer's fast CPU display path: DisplayTransform's result from a baked DisplayLut.
//   x' = (x · 2^exposureEv + offset) · s          (before the shaper: no rebuild)
//   out = LUT(x')  [+ the overlay, computed from x as DisplayTransform does]
// s = 1, except for the tone mappers driven by image statistics (Drago, Photographic, and
// LinearScale / MuLaw with peak 0). Their statistics are given after exposure (stats · 2^EV),
// and their output depends only on x / statistic, so the LUT is baked for statistics normalised
// to maxLuminance = 2^(maxStops - 1) and s = 2^(maxStops - 1) / maxLuminance: the lattice then
// covers the image's own range, and an exposure change reuses the LUT for them too.
// Accuracy against DisplayTransform: see docs/viewer.md (measured in tst_displaylut).
class LutDisplayTransform {
public:
    static Result<LutDisplayTransform> create(const DisplaySettings& settings,
                                              const OcioConfig* config,
                                              const LinearColorSpace& inputPrimaries,
                                              DisplayLutCache* cache = nullptr,
                                              const DisplayLutOptions& options = {});

    const DisplaySettings& settings() const { return m_settings; }
    const DisplayLut& lut() const { return *m_lut; }
    std::shared_ptr<const DisplayLut> sharedLut() const { return m_lut; }
    float inputScale() const { return m_inputScale; }
    float inputOffset() const { return m_inputOffset; }

    // The pixels of `run` -> 0xFFRRGGBB with the overlay, as DisplayTransform::toArgb32.
    void toArgb32(const PixelRun& run, std::uint32_t* out) const;
    // `count` interleaved pixels (3 or 4 floats each).
    void toArgb32(const float* pixels, int channels, std::size_t count, std::uint32_t* out) const;
    // Display signal, 3 floats per pixel, no overlay.
    void toSignal(const float* pixels, int channels, std::size_t count, float* signal) const;

private:
    LutDisplayTransform() = default;

    DisplaySettings m_settings;
    std::shared_ptr<const DisplayLut> m_lut;
    float m_inputScale = 1.0f;
    float m_inputOffset = 0.0f;
    float m_exposureScale = 1.0f;
    float m_clipThreshold = 1.0f;
    Vec3 m_luminanceWeights{0.2126f, 0.7152f, 0.0722f};
};

// Whether a tone mapper's output depends on x only through x / (its image statistics).
bool toneMapIsStatisticsRelative(const ToneMapParams& params);

} // namespace hdr::core
