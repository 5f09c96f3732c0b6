#include "display/LutDisplayTransform.h"

#include "color/Ocio.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace hdr::core {
namespace {

// One colour per false-colour band, so the overlay is a table lookup.
const std::array<std::uint32_t, 64>& falseColorTable()
{
    static const std::array<std::uint32_t, 64> table = [] {
        std::array<std::uint32_t, 64> t{};
        for (int ev = -32; ev < 32; ++ev) {
            t[std::size_t(ev + 32)] = falseColorForLuminance(std::ldexp(1.0f, ev));
        }
        return t;
    }();
    return table;
}

std::uint32_t falseColorFast(float luminance)
{
    const int band = std::clamp(falseColorBandEv(luminance), -32, 31);
    return falseColorTable()[std::size_t(band + 32)];
}

// The parameters an operator reads, the others at their defaults, so that a cache key does not
// change with statistics the operator ignores (the viewer passes them for every operator).
ToneMapParams usedParams(const ToneMapParams& p)
{
    ToneMapParams u;
    u.op = p.op;
    switch (p.op) {
    case ToneMapOperator::Reinhard: u.whitePoint = p.whitePoint; break;
    case ToneMapOperator::Drago:
        u.dragoBias = p.dragoBias;
        u.logAverageLuminance = p.logAverageLuminance;
        u.maxLuminance = p.maxLuminance;
        break;
    case ToneMapOperator::LinearScale:
    case ToneMapOperator::MuLaw:
        u.peak = p.peak;
        u.mu = p.op == ToneMapOperator::MuLaw ? p.mu : u.mu;
        u.maxLuminance = p.peak > 0.0f ? u.maxLuminance : p.maxLuminance;
        break;
    case ToneMapOperator::Photographic:
        u.key = p.key;
        u.whitePoint = p.whitePoint;
        u.logAverageLuminance = p.logAverageLuminance;
        u.maxLuminance = p.maxLuminance;
        break;
    default: break;
    }
    return u;
}

bool sameLutInputs(const DisplaySettings& a, const DisplaySettings& b)
{
    // The normalised statistics differ by float rounding between exposures (stats · 2^EV / ...):
    // 1e-5 relative is far below what one display code value could show.
    auto near = [](float x, float y) {
        return std::fabs(x - y) <= 1e-5f * std::max(std::fabs(x), std::fabs(y));
    };
    DisplaySettings bb = b;
    if (near(a.toneMap.logAverageLuminance, b.toneMap.logAverageLuminance)) {
        bb.toneMap.logAverageLuminance = a.toneMap.logAverageLuminance;
    }
    if (near(a.toneMap.maxLuminance, b.toneMap.maxLuminance)) {
        bb.toneMap.maxLuminance = a.toneMap.maxLuminance;
    }
    return a == bb;
}

Result<std::shared_ptr<const DisplayLut>> bakeFor(const DisplaySettings& lutSettings,
                                                  const OcioConfig* config,
                                                  const LinearColorSpace& input,
                                                  const DisplayLutOptions& options)
{
    auto exact = DisplayTransform::create(lutSettings, config, input);
    if (!exact) {
        return tl::unexpected(exact.error());
    }
    return DisplayLut::bake(*exact, options);
}

// Contiguous pixels as the LUT kernels take them (PixelRun: per-pixel offsets), in blocks of
// 1024 so the offsets live on the stack; `fn(run, indexOfItsFirstPixel)`.
template <typename Fn>
void forEachContiguousRun(const float* pixels, int channels, std::size_t count, Fn&& fn)
{
    constexpr std::size_t kBlock = 1024;
    std::int32_t offsets[kBlock];
    for (std::size_t b = 0; b < count; b += kBlock) {
        const std::size_t n = std::min(kBlock, count - b);
        for (std::size_t i = 0; i < n; ++i) {
            offsets[i] = std::int32_t(i) * channels;
        }
        const std::size_t readable = (count - b) * std::size_t(channels);
        fn(PixelRun{pixels + b * std::size_t(channels), offsets, n, readable, channels}, b);
    }
}

} // namespace

bool toneMapIsStatisticsRelative(const ToneMapParams& p)
{
    switch (p.op) {
    case ToneMapOperator::Drago:
    case ToneMapOperator::Photographic: return true;
    case ToneMapOperator::LinearScale:
    case ToneMapOperator::MuLaw: return p.peak <= 0.0f;
    default: return false;
    }
}

struct DisplayLutCache::Entry {
    DisplaySettings settings;
    const OcioConfig* config = nullptr;
    LinearColorSpace input;
    DisplayLutOptions options;
    std::shared_ptr<const DisplayLut> lut;
};

DisplayLutCache::DisplayLutCache(std::size_t capacity)
    : m_capacity(std::max<std::size_t>(1, capacity))
{
}

Result<std::shared_ptr<const DisplayLut>> DisplayLutCache::lutFor(const DisplaySettings& lutSettings,
                                                                  const OcioConfig* config,
                                                                  const LinearColorSpace& input,
                                                                  const DisplayLutOptions& options)
{
    std::lock_guard lock(m_mutex);
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        const Entry& e = **it;
        if (e.config == config && e.input == input && e.options == options &&
            sameLutInputs(e.settings, lutSettings)) {
            std::rotate(m_entries.begin(), it, it + 1);
            return m_entries.front()->lut;
        }
    }
    auto lut = bakeFor(lutSettings, config, input, options);
    if (!lut) {
        return lut;
    }
    ++m_bakes;
    m_entries.insert(m_entries.begin(),
                     std::make_shared<const Entry>(Entry{lutSettings, config, input, options, *lut}));
    if (m_entries.size() > m_capacity) {
        m_entries.pop_back();
    }
    return *lut;
}

int DisplayLutCache::bakeCount() const
{
    std::lock_guard lock(m_mutex);
    return m_bakes;
}

void DisplayLutCache::clear()
{
    std::lock_guard lock(m_mutex);
    m_entries.clear();
}

Result<LutDisplayTransform> LutDisplayTransform::create(const DisplaySettings& settings,
                                                        const OcioConfig* config,
                                                        const LinearColorSpace& input,
                                                        DisplayLutCache* cache,
                                                        const DisplayLutOptions& options)
{
    if (auto ok = settings.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = options.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    LutDisplayTransform t;
    t.m_settings = settings;
    t.m_exposureScale = std::exp2(settings.exposureEv);
    t.m_clipThreshold = std::exp2(settings.displayHeadroomStops);
    t.m_luminanceWeights = luminanceWeights(input);

    DisplaySettings lutSettings = settings;
    lutSettings.exposureEv = 0.0f;
    lutSettings.offset = 0.0f;
    lutSettings.overlay = DisplayOverlay::None;
    lutSettings.displayHeadroomStops = 0.0f;
    lutSettings.toneMap = usedParams(settings.toneMap);
    if (config) { // "" and the default name are the same LUT
        if (lutSettings.display.empty()) {
            lutSettings.display = config->defaultDisplay();
        }
        if (lutSettings.view.empty()) {
            lutSettings.view = config->defaultView(lutSettings.display);
        }
    }
    float domainScale = 1.0f;
    if (toneMapIsStatisticsRelative(settings.toneMap)) {
        const double anchor = std::ldexp(1.0, options.maxStops - 1);
        const double ratio =
            double(settings.toneMap.logAverageLuminance) / double(settings.toneMap.maxLuminance);
        domainScale = float(anchor / double(settings.toneMap.maxLuminance));
        lutSettings.toneMap.maxLuminance = float(anchor);
        if (settings.toneMap.op == ToneMapOperator::Drago ||
            settings.toneMap.op == ToneMapOperator::Photographic) {
            lutSettings.toneMap.logAverageLuminance = float(anchor * ratio);
        }
    }
    t.m_inputScale = t.m_exposureScale * domainScale;
    t.m_inputOffset = settings.offset * domainScale;

    auto lut = cache ? cache->lutFor(lutSettings, config, input, options)
                     : bakeFor(lutSettings, config, input, options);
    if (!lut) {
        return tl::unexpected(lut.error());
    }
    t.m_lut = *lut;
    return t;
}

void LutDisplayTransform::toArgb32(const PixelRun& run, std::uint32_t* out) const
{
    const float k = m_exposureScale, off = m_settings.offset;
    if (m_settings.overlay == DisplayOverlay::FalseColor) {
        const Vec3 w = m_luminanceWeights;
        for (std::size_t i = 0; i < run.count; ++i) {
            const float* p = run.base + run.offsets[i];
            out[i] = falseColorFast((w.r * p[0] + w.g * p[1] + w.b * p[2]) * k + off);
        }
        return;
    }
    m_lut->toArgb32(run, m_inputScale, m_inputOffset, out);
    if (m_settings.overlay == DisplayOverlay::Clipping) {
        for (std::size_t i = 0; i < run.count; ++i) {
            const float* p = run.base + run.offsets[i];
            const float mx = std::max({p[0], p[1], p[2]}) * k + off;
            if (mx >= m_clipThreshold) {
                out[i] = 0xffff00ffu;
            } else if (!(mx >= kBlackClipLevel)) {
                out[i] = 0xff0040ffu;
            }
        }
    }
}

void LutDisplayTransform::toArgb32(const float* pixels,
                                   int channels,
                                   std::size_t count,
                                   std::uint32_t* out) const
{
    forEachContiguousRun(
        pixels, channels, count, [&](const PixelRun& run, std::size_t first) { toArgb32(run, out + first); });
}

void LutDisplayTransform::toSignal(const float* pixels, int channels, std::size_t count, float* signal) const
{
    forEachContiguousRun(pixels, channels, count, [&](const PixelRun& run, std::size_t first) {
        m_lut->toSignal(run, m_inputScale, m_inputOffset, signal + first * 3);
    });
}

} // namespace hdr::core
