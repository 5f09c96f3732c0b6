#pragma once

// Branch-free float approximations that GCC auto-vectorises (std::exp/std::log do not vectorise
// without -ffast-math). Used by the per-pixel weight loops of exposure fusion and bracket merge;
// their scalar reference implementations use the std:: functions, and the tests hold the fast
// paths to those within the tolerances stated below.

#include <bit>
#include <cstdint>

namespace hdr::core::fastmath {

// 2^t for t in [-126, 127] (clamped outside); relative error < 2e-7 (degree-5 polynomial for the
// fraction, fitted to 2^f on [0, 1) by weighted least squares; coefficients are our own fit).
inline float exp2(float t)
{
    t = t < -126.0f ? -126.0f : (t > 127.0f ? 127.0f : t);
    int i = int(t); // truncates towards zero
    float f = t - float(i);
    const bool negative = f < 0.0f;
    f = negative ? f + 1.0f : f;
    i = negative ? i - 1 : i;
    const float p =
        0.99999994f +
        f * (0.69315296f + f * (0.24015455f + f * (0.055823583f + f * (0.0089925947f + f * 0.0018762343f))));
    return p * std::bit_cast<float>(std::uint32_t(i + 127) << 23);
}

// e^x for x in about [-87, 88]; relative error < 3e-7.
inline float exp(float x)
{
    return exp2(x * 1.44269504f);
}

// log2(x) for finite x > 0 (normal floats); absolute error < 1e-7. x = m·2^e with m in
// [√½, √2), then log2(m) = (2 / ln 2)·atanh(t), t = (m − 1)/(m + 1), |t| < 0.172, by its series
// to t^9 (the first omitted term is < 4e-9).
inline float log2(float x)
{
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
    int e = int((bits >> 23) & 0xffu) - 127;
    float m = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f800000u); // [1, 2)
    const bool high = m > 1.41421356f;
    m = high ? m * 0.5f : m;
    e = high ? e + 1 : e;
    const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    const float series = t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9)))));
    return float(e) + 2.88539008f * series;
}

// x^y for x > 0 through exp2(y·log2(x)); relative error about 2e-7 + |y·log2 x|·1e-7.
inline float pow(float x, float y)
{
    return exp2(y * log2(x));
}

// sRGB encoding (IEC 61966-2-1) of linear light, clamped to [0, 1] first (NaN → 0);
// absolute error < 1e-6 against TransferFunction.h's srgbEncode.
inline float srgbEncode(float v)
{
    v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
    const float curve = 1.055f * pow(v > 0.0031308f ? v : 1.0f, 1.0f / 2.4f) - 0.055f;
    return v <= 0.0031308f ? 12.92f * v : curve;
}

} // namespace hdr::core::fastmath
