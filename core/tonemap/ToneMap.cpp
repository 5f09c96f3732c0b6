#include "tonemap/ToneMap.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hdr::core {
namespace {

constexpr float kLumR = 0.2126f, kLumG = 0.7152f, kLumB = 0.0722f;

float lum(float r, float g, float b)
{
    return kLumR * r + kLumG * g + kLumB * b;
}

void scaleToLuminance(float& r, float& g, float& b, float ld)
{
    const float l = lum(r, g, b);
    const float k = l > 0.0f ? ld / l : 0.0f;
    r = std::min(1.0f, r * k);
    g = std::min(1.0f, g * k);
    b = std::min(1.0f, b * k);
}

// Hill's fit of the ACES RRT+ODT (sRGB), as popularised in many real-time renderers.
float rrtAndOdtFit(float v)
{
    const float a = v * (v + 0.0245786f) - 0.000090537f;
    const float b = v * (0.983729f * v + 0.4329510f) + 0.238081f;
    return a / b;
}

void acesFitted(float& r, float& g, float& b)
{
    const float ir = 0.59719f * r + 0.35458f * g + 0.04823f * b;
    const float ig = 0.07600f * r + 0.90834f * g + 0.01566f * b;
    const float ib = 0.02840f * r + 0.13383f * g + 0.83777f * b;
    const float fr = rrtAndOdtFit(ir), fg = rrtAndOdtFit(ig), fb = rrtAndOdtFit(ib);
    r = std::clamp(1.60475f * fr - 0.53108f * fg - 0.07367f * fb, 0.0f, 1.0f);
    g = std::clamp(-0.10208f * fr + 1.10813f * fg - 0.00605f * fb, 0.0f, 1.0f);
    b = std::clamp(-0.00327f * fr - 0.07276f * fg + 1.07602f * fb, 0.0f, 1.0f);
}

// Minimal AgX (base look) for Rec.709 input: the inset matrix pulls colours towards the
// achromatic axis so that bright saturated colours desaturate to white instead of skewing hue.
constexpr float kAgxInset[9] = {0.842479062253094f,
                                0.0784335999999992f,
                                0.0792237451477643f,
                                0.0423282422610123f,
                                0.878468636469772f,
                                0.0791661274605434f,
                                0.0423756549057051f,
                                0.0784336f,
                                0.879142973793104f};
constexpr float kAgxMinEv = -12.47393f;
constexpr float kAgxMaxEv = 4.026069f;

float agxContrast(float x)
{
    const float x2 = x * x, x4 = x2 * x2;
    return 15.5f * x4 * x2 - 40.14f * x4 * x + 31.96f * x4 - 6.868f * x2 * x + 0.4298f * x2 + 0.1191f * x -
           0.00232f;
}

// The fitted polynomial peaks slightly before x = 1 and then dips; holding its peak keeps the
// curve monotonic (brighter input never displays darker).
float agxCurve(float x)
{
    static const float peakX = [] {
        float best = 0.0f, bestY = -1.0f;
        for (int i = 0; i <= 4096; ++i) {
            const float t = float(i) / 4096.0f;
            if (agxContrast(t) > bestY) {
                bestY = agxContrast(t);
                best = t;
            }
        }
        return best;
    }();
    return agxContrast(std::min(x, peakX));
}

void agx(float& r, float& g, float& b)
{
    // kAgxInset is row-major; each row sums to 1, so neutral greys stay neutral.
    float v[3] = {kAgxInset[0] * r + kAgxInset[1] * g + kAgxInset[2] * b,
                  kAgxInset[3] * r + kAgxInset[4] * g + kAgxInset[5] * b,
                  kAgxInset[6] * r + kAgxInset[7] * g + kAgxInset[8] * b};
    for (float& c : v) {
        const float ev = std::clamp(std::log2(std::max(c, 1e-10f)), kAgxMinEv, kAgxMaxEv);
        c = agxCurve((ev - kAgxMinEv) / (kAgxMaxEv - kAgxMinEv));
    }
    // Outset = inverse of the inset (computed once).
    static const Mat3 outset = inverse(Mat3{kAgxInset[0],
                                            kAgxInset[1],
                                            kAgxInset[2],
                                            kAgxInset[3],
                                            kAgxInset[4],
                                            kAgxInset[5],
                                            kAgxInset[6],
                                            kAgxInset[7],
                                            kAgxInset[8]});
    const Vec3 o = apply(outset, {v[0], v[1], v[2]});
    // The sigmoid output is display-encoded (~gamma 2.2); return display-linear.
    r = std::pow(std::clamp(o.r, 0.0f, 1.0f), 2.2f);
    g = std::pow(std::clamp(o.g, 0.0f, 1.0f), 2.2f);
    b = std::pow(std::clamp(o.b, 0.0f, 1.0f), 2.2f);
}

void pbrNeutral(float& r, float& g, float& b)
{
    constexpr float startCompression = 0.8f - 0.04f;
    constexpr float desaturation = 0.15f;
    const float x = std::min({r, g, b});
    const float offset = x < 0.08f ? x - 6.25f * x * x : 0.04f;
    r -= offset;
    g -= offset;
    b -= offset;
    const float peak = std::max({r, g, b});
    if (peak < startCompression) {
        return;
    }
    constexpr float d = 1.0f - startCompression;
    const float newPeak = 1.0f - d * d / (peak + d - startCompression);
    const float k = newPeak / peak;
    r *= k;
    g *= k;
    b *= k;
    const float mix = 1.0f - 1.0f / (desaturation * (peak - newPeak) + 1.0f);
    r = r * (1.0f - mix) + newPeak * mix;
    g = g * (1.0f - mix) + newPeak * mix;
    b = b * (1.0f - mix) + newPeak * mix;
}

float hableCurve(float x)
{
    constexpr float A = 0.15f, B = 0.50f, C = 0.10f, D = 0.20f, E = 0.02f, F = 0.30f;
    return (x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F) - E / F;
}

void hable(float& r, float& g, float& b)
{
    static const float whiteScale = 1.0f / hableCurve(11.2f);
    r = std::clamp(hableCurve(2.0f * r) * whiteScale, 0.0f, 1.0f);
    g = std::clamp(hableCurve(2.0f * g) * whiteScale, 0.0f, 1.0f);
    b = std::clamp(hableCurve(2.0f * b) * whiteScale, 0.0f, 1.0f);
}

float effectivePeak(const ToneMapParams& p)
{
    const float peak = p.peak > 0.0f ? p.peak : p.maxLuminance;
    return std::max(peak, 1e-30f);
}

} // namespace

const char* nameOf(ToneMapOperator op)
{
    switch (op) {
    case ToneMapOperator::Clip: return "clip";
    case ToneMapOperator::Reinhard: return "reinhard";
    case ToneMapOperator::Drago: return "drago";
    case ToneMapOperator::AcesFitted: return "aces";
    case ToneMapOperator::AgX: return "agx";
    case ToneMapOperator::PbrNeutral: return "pbr-neutral";
    case ToneMapOperator::Hable: return "hable";
    case ToneMapOperator::LinearScale: return "linear";
    case ToneMapOperator::MuLaw: return "mu-law";
    case ToneMapOperator::Photographic: return "photographic";
    }
    return "clip";
}

const char* displayName(ToneMapOperator op)
{
    switch (op) {
    case ToneMapOperator::Clip: return "None (clip)";
    case ToneMapOperator::Reinhard: return "Reinhard (extended)";
    case ToneMapOperator::Drago: return "Drago";
    case ToneMapOperator::AcesFitted: return "ACES (fitted)";
    case ToneMapOperator::AgX: return "AgX";
    case ToneMapOperator::PbrNeutral: return "Khronos PBR Neutral";
    case ToneMapOperator::Hable: return "Hable (Uncharted 2)";
    case ToneMapOperator::LinearScale: return "Linear (scale to peak)";
    case ToneMapOperator::MuLaw: return "μ-law (log)";
    case ToneMapOperator::Photographic: return "Reinhard photographic (global)";
    }
    return "";
}

std::vector<ToneMapOperator> allToneMapOperators()
{
    return {ToneMapOperator::Clip,
            ToneMapOperator::Reinhard,
            ToneMapOperator::Drago,
            ToneMapOperator::AcesFitted,
            ToneMapOperator::AgX,
            ToneMapOperator::PbrNeutral,
            ToneMapOperator::Hable,
            ToneMapOperator::LinearScale,
            ToneMapOperator::MuLaw,
            ToneMapOperator::Photographic};
}

std::optional<ToneMapOperator> toneMapOperatorFromString(const std::string& name)
{
    for (ToneMapOperator op : allToneMapOperators()) {
        if (name == nameOf(op)) {
            return op;
        }
    }
    if (name == "none") {
        return ToneMapOperator::Clip;
    }
    return std::nullopt;
}

Status ToneMapParams::validate() const
{
    if (!(whitePoint > 0.0f)) {
        return fail(ErrorCode::InvalidArgument, "tone-mapping white point must be > 0");
    }
    if (!(dragoBias >= 0.5f && dragoBias <= 1.0f)) {
        return fail(ErrorCode::InvalidArgument, "Drago bias must be between 0.5 and 1.0");
    }
    if (!(logAverageLuminance > 0.0f) || !(maxLuminance > 0.0f)) {
        return fail(ErrorCode::InvalidArgument, "Drago needs positive average and maximum luminance");
    }
    if (!(peak >= 0.0f) || !std::isfinite(peak)) {
        return fail(ErrorCode::InvalidArgument, "the linear / mu-law peak must be >= 0 (0 = image maximum)");
    }
    if (!(mu > 0.0f) || !std::isfinite(mu)) {
        return fail(ErrorCode::InvalidArgument, "mu-law mu must be > 0 (5000 is the usual value)");
    }
    if (!(key > 0.0f && key <= 1.0f)) {
        return fail(ErrorCode::InvalidArgument, "photographic key must be in (0, 1] (0.18 = middle grey)");
    }
    return {};
}

void toneMapPixel(const ToneMapParams& p, float& r, float& g, float& b)
{
    // Every operator saturates long before 1e8; capping there keeps x² finite in the rational fits.
    auto sanitize = [](float v) { return std::isnan(v) ? 0.0f : std::min(std::max(v, 0.0f), 1e8f); };
    r = sanitize(r);
    g = sanitize(g);
    b = sanitize(b);
    switch (p.op) {
    case ToneMapOperator::Clip:
        r = std::min(r, 1.0f);
        g = std::min(g, 1.0f);
        b = std::min(b, 1.0f);
        return;
    case ToneMapOperator::Reinhard: {
        const float l = lum(r, g, b);
        const float w2 = p.whitePoint * p.whitePoint;
        scaleToLuminance(r, g, b, l * (1.0f + l / w2) / (1.0f + l));
        return;
    }
    case ToneMapOperator::Drago: {
        const float la = p.logAverageLuminance;
        const float lw = lum(r, g, b) / la;
        const float lmax = p.maxLuminance / la;
        const float exponent = std::log(p.dragoBias) / std::log(0.5f);
        const float ld = std::log(lw + 1.0f) /
                         (std::log10(lmax + 1.0f) * std::log(2.0f + 8.0f * std::pow(lw / lmax, exponent)));
        scaleToLuminance(r, g, b, std::clamp(ld, 0.0f, 1.0f));
        return;
    }
    case ToneMapOperator::AcesFitted: acesFitted(r, g, b); return;
    case ToneMapOperator::AgX: agx(r, g, b); return;
    case ToneMapOperator::PbrNeutral:
        pbrNeutral(r, g, b);
        r = std::clamp(r, 0.0f, 1.0f);
        g = std::clamp(g, 0.0f, 1.0f);
        b = std::clamp(b, 0.0f, 1.0f);
        return;
    case ToneMapOperator::Hable: hable(r, g, b); return;
    case ToneMapOperator::LinearScale: {
        const float k = 1.0f / effectivePeak(p);
        r = std::min(r * k, 1.0f);
        g = std::min(g * k, 1.0f);
        b = std::min(b * k, 1.0f);
        return;
    }
    case ToneMapOperator::MuLaw: {
        const float k = 1.0f / effectivePeak(p);
        const float norm = 1.0f / std::log1p(p.mu);
        r = std::log1p(p.mu * std::min(r * k, 1.0f)) * norm;
        g = std::log1p(p.mu * std::min(g * k, 1.0f)) * norm;
        b = std::log1p(p.mu * std::min(b * k, 1.0f)) * norm;
        return;
    }
    case ToneMapOperator::Photographic: {
        const float scale = p.key / p.logAverageLuminance;
        const float lm = scale * lum(r, g, b);
        const float white = p.whitePoint < 1e29f ? p.whitePoint : std::max(scale * p.maxLuminance, 1e-6f);
        scaleToLuminance(r, g, b, std::min(1.0f, lm * (1.0f + lm / (white * white)) / (1.0f + lm)));
        return;
    }
    }
}

ToneMapStats computeToneMapStats(const ImageF& image, float percentile)
{
    ToneMapStats s;
    s.percentile = std::clamp(percentile, 0.0f, 100.0f);
    const int ch = image.channels();
    std::vector<float> lums;
    lums.reserve(std::size_t(image.pixelCount()));
    double logSum = 0;
    float maxL = 0, maxC = 0;
    const float* px = image.data();
    for (std::int64_t i = 0; i < image.pixelCount(); ++i, px += ch) {
        if (!std::isfinite(px[0]) || !std::isfinite(px[1]) || !std::isfinite(px[2])) {
            continue;
        }
        maxC = std::max({maxC, px[0], px[1], px[2]});
        const float l = lum(px[0], px[1], px[2]);
        if (l > 0.0f) {
            lums.push_back(l);
            logSum += std::log(1e-6 + double(l));
            maxL = std::max(maxL, l);
        }
    }
    if (lums.empty()) {
        return s; // black or all non-finite: keep the neutral defaults
    }
    s.logAverageLuminance = float(std::exp(logSum / double(lums.size())));
    s.maxLuminance = maxL;
    s.maxChannel = std::max(maxC, 1e-30f);
    const auto rank = std::size_t(std::llround(double(s.percentile) / 100.0 * double(lums.size() - 1)));
    std::nth_element(lums.begin(), lums.begin() + std::ptrdiff_t(rank), lums.end());
    s.percentileLuminance = lums[rank];
    return s;
}

void applyToneMapStats(ToneMapParams& p, const ToneMapStats& s, float exposureScale, PeakMode mode)
{
    p.logAverageLuminance = std::max(s.logAverageLuminance * exposureScale, 1e-12f);
    p.maxLuminance = std::max(s.maxLuminance * exposureScale, 1e-12f);
    const float peak = mode == PeakMode::MaxChannel     ? s.maxChannel
                       : mode == PeakMode::MaxLuminance ? s.maxLuminance
                                                        : s.percentileLuminance;
    p.peak = std::max(peak * exposureScale, 1e-12f);
}

void toneMapPixels(const ToneMapParams& p, float* px, std::size_t count, int channels)
{
    // Pixels are independent: split large buffers across the worker threads (each chunk is a
    // contiguous run, so the threads never share cache lines except at chunk ends).
    parallelFor(count, 1 << 14, [&](std::size_t begin, std::size_t end) {
        float* q = px + begin * static_cast<std::size_t>(channels);
        for (std::size_t i = begin; i < end; ++i, q += channels) {
            toneMapPixel(p, q[0], q[1], q[2]);
        }
    });
}

} // namespace hdr::core
