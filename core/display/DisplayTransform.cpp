#include "display/DisplayTransform.h"

#include "color/Ocio.h"
#include "image/TransferFunction.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace hdr::core {
namespace {

using Processor = OcioConfig::Processor;

// Known OCIO colour space names in our config for linear primaries.
bool inConfig(const LinearColorSpace& cs)
{
    return cs.primaries != Primaries::Custom;
}

std::uint32_t argb(float r, float g, float b)
{
    auto q = [](float v) { return std::uint32_t(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
    return 0xff000000u | (q(r) << 16) | (q(g) << 8) | q(b);
}

// Discrete bands, one per stop, from -12 EV (black) to +8 EV (white), through a
// purple-blue-cyan-green-yellow-orange-red ramp. Middle grey (0.18, about -2.5 EV) is green.
constexpr int kFalseColorMinEv = -12;
constexpr int kFalseColorMaxEv = 8;
constexpr float kRamp[][3] = {
    {0.00f, 0.00f, 0.00f},
    {0.35f, 0.00f, 0.50f},
    {0.15f, 0.15f, 0.90f},
    {0.00f, 0.70f, 0.90f},
    {0.10f, 0.75f, 0.20f},
    {0.95f, 0.90f, 0.10f},
    {1.00f, 0.50f, 0.00f},
    {0.90f, 0.05f, 0.05f},
    {1.00f, 1.00f, 1.00f},
};
} // namespace

Status DisplaySettings::validate() const
{
    if (!std::isfinite(exposureEv) || std::fabs(exposureEv) > 64.0f) {
        return fail(ErrorCode::InvalidArgument, "exposure must be between -64 and +64 stops");
    }
    if (!std::isfinite(offset) || std::fabs(offset) > 1000.0f) {
        return fail(ErrorCode::InvalidArgument, "offset must be a finite number");
    }
    if (!(gamma >= 0.1f && gamma <= 10.0f)) {
        return fail(ErrorCode::InvalidArgument, "gamma must be between 0.1 and 10");
    }
    if (!(displayHeadroomStops >= 0.0f && displayHeadroomStops <= 16.0f)) {
        return fail(ErrorCode::InvalidArgument, "display headroom must be between 0 and 16 stops");
    }
    return toneMap.validate();
}

bool DisplaySettings::operator==(const DisplaySettings& o) const
{
    return exposureEv == o.exposureEv && offset == o.offset && gamma == o.gamma &&
           toneMap.op == o.toneMap.op && toneMap.whitePoint == o.toneMap.whitePoint &&
           toneMap.dragoBias == o.toneMap.dragoBias &&
           toneMap.logAverageLuminance == o.toneMap.logAverageLuminance &&
           toneMap.maxLuminance == o.toneMap.maxLuminance && toneMap.peak == o.toneMap.peak &&
           toneMap.mu == o.toneMap.mu && toneMap.key == o.toneMap.key && display == o.display &&
           view == o.view && displayHeadroomStops == o.displayHeadroomStops && overlay == o.overlay;
}

int falseColorBandEv(float luminance)
{
    if (!(luminance > 0.0f)) {
        return kFalseColorMinEv;
    }
    // ilogb is floor(log2) exactly (the binary exponent); log2 rounds up just below a power of
    // two, and the viewer's GPU shader reads the exponent bits the same way.
    return std::clamp(std::ilogb(luminance), kFalseColorMinEv, kFalseColorMaxEv);
}

std::uint32_t falseColorForLuminance(float luminance)
{
    const int band = falseColorBandEv(luminance);
    const float t = float(band - kFalseColorMinEv) / float(kFalseColorMaxEv - kFalseColorMinEv);
    const float pos = t * float(std::size(kRamp) - 1);
    const int i = std::min(int(pos), int(std::size(kRamp)) - 2);
    const float f = pos - float(i);
    auto mix = [&](int c) { return kRamp[i][c] * (1.0f - f) + kRamp[i + 1][c] * f; };
    return argb(mix(0), mix(1), mix(2));
}

bool DisplayTransform::convertsToRec709(const DisplaySettings& settings,
                                        const OcioConfig* config,
                                        const LinearColorSpace& input)
{
    return settings.toneMap.op != ToneMapOperator::Clip || !inConfig(input) || !config;
}

Result<DisplayTransform> DisplayTransform::create(const DisplaySettings& settings,
                                                  const OcioConfig* config,
                                                  const LinearColorSpace& input)
{
    if (auto ok = settings.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    DisplayTransform t;
    t.m_settings = settings;
    t.m_exposureScale = std::exp2(settings.exposureEv);
    t.m_clipThreshold = std::exp2(settings.displayHeadroomStops);
    t.m_luminanceWeights = luminanceWeights(input);
    t.m_toRec709 = convertsToRec709(settings, config, input);
    const LinearColorSpace rec709{Primaries::Rec709, {}};
    t.m_toRec709Matrix = conversionMatrix(input, rec709);
    const std::string ocioInput = t.m_toRec709 ? rec709.name() : input.name();

    if (config) {
        const std::string display = settings.display.empty() ? config->defaultDisplay() : settings.display;
        const std::string view = settings.view.empty() ? config->defaultView(display) : settings.view;
        auto proc = config->displayProcessor(ocioInput, display, view);
        if (!proc) {
            return tl::unexpected(proc.error());
        }
        t.m_processor = std::static_pointer_cast<const void>(*proc);
        t.m_settings.display = display;
        t.m_settings.view = view;
        if (display.find("PQ") != std::string::npos || display.find("2100") != std::string::npos) {
            t.m_outputTransfer = Transfer::pq();
            t.m_outputPrimaries = LinearColorSpace{Primaries::Rec2020, {}};
        } else if (display.find("P3") != std::string::npos) {
            t.m_outputPrimaries = LinearColorSpace{Primaries::DisplayP3, {}};
        }
        if (view == "Raw") {
            t.m_outputTransfer = Transfer::linear();
            t.m_outputPrimaries = t.m_toRec709 ? rec709 : input;
        }
    } else {
        t.m_settings.display = "sRGB (built-in)";
        t.m_settings.view = "Standard";
    }
    return t;
}

std::string DisplayTransform::description() const
{
    char buf[256];
    std::snprintf(buf,
                  sizeof buf,
                  "%s / %s, exposure %+.2f EV, %s",
                  m_settings.display.c_str(),
                  m_settings.view.c_str(),
                  double(m_settings.exposureEv),
                  displayName(m_settings.toneMap.op));
    return buf;
}

void DisplayTransform::toSignal(const float* pixels, int channels, std::size_t count, float* signal) const
{
    const float k = m_exposureScale, off = m_settings.offset;
    const Mat3& m = m_toRec709Matrix;
    for (std::size_t i = 0; i < count; ++i) {
        const float* p = pixels + i * std::size_t(channels);
        // A NaN component shows as 0 (NaN would poison OCIO's optimised paths and spread to the
        // other components through the matrix), and +Inf as the brightest value: clamped finite
        // so the matrix's zeros do not make 0·Inf = NaN. Every operator saturates long before 1e30.
        auto clean = [](float v) { return std::isnan(v) ? 0.0f : std::clamp(v, -1e30f, 1e30f); };
        float r = clean(p[0] * k + off), g = clean(p[1] * k + off), b = clean(p[2] * k + off);
        if (m_toRec709) {
            const Vec3 v = apply(m, {r, g, b});
            r = v.r;
            g = v.g;
            b = v.b;
        }
        if (m_settings.toneMap.op != ToneMapOperator::Clip) {
            toneMapPixel(m_settings.toneMap, r, g, b);
        }
        float* s = signal + i * 3;
        s[0] = r;
        s[1] = g;
        s[2] = b;
    }
    if (m_processor) {
        static_cast<const Processor*>(m_processor.get())->apply(signal, count, 3);
    } else {
        for (std::size_t i = 0; i < count * 3; ++i) {
            signal[i] = srgbEncode(signal[i]);
        }
    }
    if (m_settings.gamma != 1.0f) {
        const float inv = 1.0f / m_settings.gamma;
        for (std::size_t i = 0; i < count * 3; ++i) {
            signal[i] = std::pow(std::max(signal[i], 0.0f), inv);
        }
    }
}

void DisplayTransform::toArgb32(
    const float* pixels, int channels, std::size_t count, float* scratch, std::uint32_t* out) const
{
    const Vec3 w = m_luminanceWeights;
    if (m_settings.overlay == DisplayOverlay::FalseColor) {
        const float k = m_exposureScale, off = m_settings.offset;
        for (std::size_t i = 0; i < count; ++i) {
            const float* p = pixels + i * std::size_t(channels);
            const float y = (w.r * p[0] + w.g * p[1] + w.b * p[2]) * k + off;
            out[i] = falseColorForLuminance(y);
        }
        return;
    }
    toSignal(pixels, channels, count, scratch);
    for (std::size_t i = 0; i < count; ++i) {
        const float* s = scratch + i * 3;
        out[i] = argb(s[0], s[1], s[2]);
    }
    if (m_settings.overlay == DisplayOverlay::Clipping) {
        const float k = m_exposureScale, off = m_settings.offset;
        for (std::size_t i = 0; i < count; ++i) {
            const float* p = pixels + i * std::size_t(channels);
            const float mx = std::max({p[0], p[1], p[2]}) * k + off;
            if (mx >= m_clipThreshold) {
                out[i] = 0xffff00ffu; // magenta: clipped highlights
            } else if (!(mx >= kBlackClipLevel)) {
                out[i] = 0xff0040ffu; // blue: crushed shadows (and NaN)
            }
        }
    }
}

} // namespace hdr::core
