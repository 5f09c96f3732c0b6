#include "image/TransferFunction.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hdr::core {
namespace {
// ST 2084 constants (../shared/reference/hdr.md §3.2).
constexpr double kM1 = 2610.0 / 16384.0;
constexpr double kM2 = 2523.0 / 4096.0 * 128.0;
constexpr double kC1 = 3424.0 / 4096.0;
constexpr double kC2 = 2413.0 / 4096.0 * 32.0;
constexpr double kC3 = 2392.0 / 4096.0 * 32.0;
// BT.2100 HLG constants.
constexpr double kHlgA = 0.17883277;
constexpr double kHlgB = 0.28466892;
constexpr double kHlgC = 0.55991073;

float clean(float x)
{
    return std::isnan(x) ? 0.0f : x;
}
} // namespace

std::string Transfer::name() const
{
    switch (kind) {
    case TransferKind::Linear: return "linear";
    case TransferKind::Srgb: return "srgb";
    case TransferKind::PQ: return "pq";
    case TransferKind::HLG: return "hlg";
    case TransferKind::Gamma: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "gamma%.3g", double(gamma));
        return buf;
    }
    }
    return "srgb";
}

std::optional<Transfer> Transfer::fromString(const std::string& n)
{
    if (n == "linear") return linear();
    if (n == "srgb") return srgb();
    if (n == "pq" || n == "st2084") return pq();
    if (n == "hlg") return hlg();
    if (n.rfind("gamma", 0) == 0) {
        char* end = nullptr;
        const float g = std::strtof(n.c_str() + 5, &end);
        if (end && *end == '\0' && g >= 0.1f && g <= 10.0f) {
            return pureGamma(g);
        }
    }
    return std::nullopt;
}

float srgbEncode(float l)
{
    l = clean(l);
    if (l <= 0.0031308f) {
        return std::max(0.0f, 12.92f * l);
    }
    return 1.055f * std::pow(l, 1.0f / 2.4f) - 0.055f;
}

float srgbDecode(float v)
{
    v = clean(v);
    if (v <= 0.04045f) {
        return v / 12.92f;
    }
    return std::pow((v + 0.055f) / 1.055f, 2.4f);
}

float pqEncodeNits(float nits)
{
    const double y = std::clamp(double(clean(nits)) / 10000.0, 0.0, 1.0);
    const double p = std::pow(y, kM1);
    return float(std::pow((kC1 + kC2 * p) / (1.0 + kC3 * p), kM2));
}

float pqDecodeNits(float v)
{
    const double e = std::pow(std::clamp(double(clean(v)), 0.0, 1.0), 1.0 / kM2);
    const double num = std::max(e - kC1, 0.0);
    return float(10000.0 * std::pow(num / (kC2 - kC3 * e), 1.0 / kM1));
}

float hlgOetf(float e)
{
    const double x = std::clamp(double(clean(e)), 0.0, 1.0);
    if (x <= 1.0 / 12.0) {
        return float(std::sqrt(3.0 * x));
    }
    return float(kHlgA * std::log(12.0 * x - kHlgB) + kHlgC);
}

float hlgInverseOetf(float v)
{
    const double x = std::clamp(double(clean(v)), 0.0, 1.0);
    if (x <= 0.5) {
        return float(x * x / 3.0);
    }
    return float((std::exp((x - kHlgC) / kHlgA) + kHlgB) / 12.0);
}

float encode(const Transfer& t, float l)
{
    switch (t.kind) {
    case TransferKind::Linear: return clean(l);
    case TransferKind::Srgb: return srgbEncode(l);
    case TransferKind::Gamma: return std::pow(std::max(0.0f, clean(l)), 1.0f / t.gamma);
    case TransferKind::PQ: return pqEncodeNits(l * t.sdrWhiteNits);
    case TransferKind::HLG: return hlgOetf(l * kHlgReferenceScale);
    }
    return l;
}

float decode(const Transfer& t, float v)
{
    switch (t.kind) {
    case TransferKind::Linear: return clean(v);
    case TransferKind::Srgb: return srgbDecode(v);
    case TransferKind::Gamma: return std::pow(std::max(0.0f, clean(v)), t.gamma);
    case TransferKind::PQ: return pqDecodeNits(v) / t.sdrWhiteNits;
    case TransferKind::HLG: return hlgInverseOetf(v) / kHlgReferenceScale;
    }
    return v;
}

} // namespace hdr::core
