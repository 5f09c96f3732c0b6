#include "metrics/ImageMetrics.h"

#include "common/Parallel.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace hdr::core {
namespace {

constexpr float kLumR = 0.2126f, kLumG = 0.7152f, kLumB = 0.0722f;
constexpr int kSsimTaps = 11;
constexpr float kSsimSigma = 1.5f;

Status checkPair(const ImageF& test, const ImageF& reference)
{
    if (test.empty() || reference.empty()) {
        return fail(ErrorCode::InvalidArgument, "cannot compare an empty image");
    }
    if (test.width() != reference.width() || test.height() != reference.height()) {
        return fail(ErrorCode::InvalidArgument,
                    "images differ in size: " + std::to_string(test.width()) + "x" +
                        std::to_string(test.height()) + " vs " + std::to_string(reference.width()) + "x" +
                        std::to_string(reference.height()));
    }
    for (const ImageF* img : {&test, &reference}) {
        const int ch = img->channels();
        for (std::int64_t i = 0; i < img->pixelCount(); ++i) {
            const float* p = img->data() + i * ch;
            if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) {
                return fail(ErrorCode::InvalidArgument,
                            std::string(img == &test ? "the test" : "the reference") +
                                " image has NaN or infinite samples; metrics need finite values");
            }
        }
    }
    return {};
}

// Applies `fn` to every R, G, B sample, returning a 3-channel copy.
template <typename Fn> ImageF mapped(const ImageF& in, Fn fn)
{
    ImageF out(in.width(), in.height(), 3, in.colorSpace);
    const int ch = in.channels();
    parallelFor(std::size_t(in.pixelCount()), 65536, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const float* p = in.data() + i * std::size_t(ch);
            float* o = out.data() + i * 3;
            o[0] = fn(p[0]);
            o[1] = fn(p[1]);
            o[2] = fn(p[2]);
        }
    });
    return out;
}

float maxValue(const ImageF& img)
{
    float m = 0.0f;
    const int ch = img.channels();
    for (std::int64_t i = 0; i < img.pixelCount(); ++i) {
        const float* p = img.data() + i * ch;
        m = std::max({m, p[0], p[1], p[2]});
    }
    return m;
}

std::vector<float> plane(const ImageF& img, int channel) // channel -1 = luminance
{
    std::vector<float> out(std::size_t(img.pixelCount()));
    const int ch = img.channels();
    for (std::size_t i = 0; i < out.size(); ++i) {
        const float* p = img.data() + i * std::size_t(ch);
        out[i] = channel < 0 ? kLumR * p[0] + kLumG * p[1] + kLumB * p[2] : p[channel];
    }
    return out;
}

std::array<float, kSsimTaps> ssimWindow()
{
    std::array<float, kSsimTaps> k{};
    double sum = 0;
    for (int i = 0; i < kSsimTaps; ++i) {
        const double d = i - kSsimTaps / 2;
        k[std::size_t(i)] = float(std::exp(-d * d / (2.0 * kSsimSigma * kSsimSigma)));
        sum += k[std::size_t(i)];
    }
    for (float& v : k) {
        v = float(v / sum);
    }
    return k;
}

// "valid" separable filtering of five planes at once: x, y, x², y², xy.
void filterValid(const std::vector<float>& a,
                 const std::vector<float>& b,
                 int w,
                 int h,
                 std::array<std::vector<float>, 5>& out)
{
    const auto k = ssimWindow();
    const int ow = w - kSsimTaps + 1, oh = h - kSsimTaps + 1;
    std::array<std::vector<float>, 5> horiz;
    for (auto& v : horiz) {
        v.assign(std::size_t(ow) * std::size_t(h), 0.0f);
    }
    parallelFor(std::size_t(h), 8, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            const float* ra = a.data() + y * std::size_t(w);
            const float* rb = b.data() + y * std::size_t(w);
            for (int x = 0; x < ow; ++x) {
                float s[5] = {0, 0, 0, 0, 0};
                for (int t = 0; t < kSsimTaps; ++t) {
                    const float va = ra[x + t], vb = rb[x + t], kt = k[std::size_t(t)];
                    s[0] += kt * va;
                    s[1] += kt * vb;
                    s[2] += kt * va * va;
                    s[3] += kt * vb * vb;
                    s[4] += kt * va * vb;
                }
                for (int c = 0; c < 5; ++c) {
                    horiz[std::size_t(c)][y * std::size_t(ow) + std::size_t(x)] = s[c];
                }
            }
        }
    });
    for (auto& v : out) {
        v.assign(std::size_t(ow) * std::size_t(oh), 0.0f);
    }
    parallelFor(std::size_t(oh), 8, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            for (int c = 0; c < 5; ++c) {
                float* o = out[std::size_t(c)].data() + y * std::size_t(ow);
                for (int t = 0; t < kSsimTaps; ++t) {
                    const float* in = horiz[std::size_t(c)].data() + (y + std::size_t(t)) * std::size_t(ow);
                    const float kt = k[std::size_t(t)];
                    for (int x = 0; x < ow; ++x) {
                        o[x] += kt * in[x];
                    }
                }
            }
        }
    });
}

double meanOf(const std::vector<float>& v)
{
    double s = 0;
    for (float x : v) {
        s += x;
    }
    return v.empty() ? 0.0 : s / double(v.size());
}

} // namespace

const char* nameOf(Metric m)
{
    switch (m) {
    case Metric::Psnr: return "psnr";
    case Metric::Ssim: return "ssim";
    case Metric::LogPsnr: return "log-psnr";
    case Metric::MuLawPsnr: return "mulaw-psnr";
    case Metric::Pu21Psnr: return "pu21-psnr";
    case Metric::Pu21Ssim: return "pu21-ssim";
    }
    return "psnr";
}

std::vector<Metric> allMetrics()
{
    return {
        Metric::Psnr, Metric::Ssim, Metric::LogPsnr, Metric::MuLawPsnr, Metric::Pu21Psnr, Metric::Pu21Ssim};
}

std::optional<Metric> metricFromString(const std::string& name)
{
    for (Metric m : allMetrics()) {
        if (name == nameOf(m)) {
            return m;
        }
    }
    return std::nullopt;
}

bool isHdrMetric(Metric m)
{
    return m != Metric::Psnr && m != Metric::Ssim;
}

Status MetricOptions::validate() const
{
    if (!(psnrPeak > 0.0f) || !(ssimRange > 0.0f)) {
        return fail(ErrorCode::InvalidArgument, "PSNR peak and SSIM range must be > 0");
    }
    if (!(muLaw > 0.0f) || !(pu21WhiteNits > 0.0f && pu21WhiteNits <= 10000.0f)) {
        return fail(ErrorCode::InvalidArgument, "mu must be > 0 and the PU21 white 0-10000 cd/m²");
    }
    if (hdrPeak && !(*hdrPeak > 0.0f)) {
        return fail(ErrorCode::InvalidArgument, "the HDR peak must be > 0");
    }
    return {};
}

float pu21Encode(float nits)
{
    // gfxdisp/pu21 "banding_glare" fit (hdr.md §3.4).
    constexpr double p1 = 0.353487901, p2 = 0.3734658629, p3 = 8.277049286e-05, p4 = 0.9062562627,
                     p5 = 0.09150303166, p6 = 0.9099517204, p7 = 596.3148142;
    const double y = std::clamp(double(std::isnan(nits) ? 0.0f : nits), 0.005, 10000.0);
    const double yp = std::pow(y, p4);
    return float(p7 * (std::pow((p1 + p2 * yp) / (1.0 + p3 * yp), p5) - p6));
}

float muLawEncode(float x, float mu)
{
    return std::log1p(mu * std::clamp(x, 0.0f, 1.0f)) / std::log1p(mu);
}

std::vector<float>
ssimMap(const std::vector<float>& a, const std::vector<float>& b, int w, int h, float range)
{
    std::array<std::vector<float>, 5> f;
    filterValid(a, b, w, h, f);
    const float c1 = (0.01f * range) * (0.01f * range), c2 = (0.03f * range) * (0.03f * range);
    std::vector<float> map(f[0].size());
    for (std::size_t i = 0; i < map.size(); ++i) {
        const float ma = f[0][i], mb = f[1][i];
        const float va = f[2][i] - ma * ma, vb = f[3][i] - mb * mb, cov = f[4][i] - ma * mb;
        map[i] = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    }
    return map;
}

Result<double> psnr(const ImageF& test, const ImageF& reference, float peak)
{
    if (auto ok = checkPair(test, reference); !ok) {
        return tl::unexpected(ok.error());
    }
    double sum = 0;
    const int ct = test.channels(), cr = reference.channels();
    for (std::int64_t i = 0; i < test.pixelCount(); ++i) {
        const float* a = test.data() + i * ct;
        const float* b = reference.data() + i * cr;
        for (int c = 0; c < 3; ++c) {
            const double d = double(a[c]) - double(b[c]);
            sum += d * d;
        }
    }
    const double mse = sum / (3.0 * double(test.pixelCount()));
    if (mse == 0.0) {
        return std::numeric_limits<double>::infinity();
    }
    return 10.0 * std::log10(double(peak) * double(peak) / mse);
}

Result<double> ssim(const ImageF& test, const ImageF& reference, float range, bool onLuminance)
{
    if (auto ok = checkPair(test, reference); !ok) {
        return tl::unexpected(ok.error());
    }
    if (test.width() < kSsimTaps || test.height() < kSsimTaps) {
        return fail(ErrorCode::InvalidArgument, "SSIM needs images of at least 11x11 pixels");
    }
    const int w = test.width(), h = test.height();
    if (onLuminance) {
        return meanOf(ssimMap(plane(test, -1), plane(reference, -1), w, h, range));
    }
    double sum = 0;
    for (int c = 0; c < 3; ++c) {
        sum += meanOf(ssimMap(plane(test, c), plane(reference, c), w, h, range));
    }
    return sum / 3.0;
}

Result<double>
computeMetric(Metric metric, const ImageF& test, const ImageF& reference, const MetricOptions& o)
{
    if (auto ok = o.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkPair(test, reference); !ok) {
        return tl::unexpected(ok.error());
    }
    const float peakRef = std::max(o.hdrPeak.value_or(maxValue(reference)), 1e-30f);
    switch (metric) {
    case Metric::Psnr: return psnr(test, reference, o.psnrPeak);
    case Metric::Ssim: return ssim(test, reference, o.ssimRange, o.ssimOnLuminance);
    case Metric::LogPsnr: {
        auto enc = [&](float x) { return (std::log10(std::max(x / peakRef, 1e-4f)) + 4.0f) / 4.0f; };
        return psnr(mapped(test, enc), mapped(reference, enc), 1.0f);
    }
    case Metric::MuLawPsnr: {
        auto enc = [&](float x) { return muLawEncode(x / peakRef, o.muLaw); };
        return psnr(mapped(test, enc), mapped(reference, enc), 1.0f);
    }
    case Metric::Pu21Psnr:
    case Metric::Pu21Ssim: {
        auto enc = [&](float x) { return pu21Encode(x * o.pu21WhiteNits); };
        if (metric == Metric::Pu21Psnr) {
            return psnr(mapped(test, enc), mapped(reference, enc), 256.0f);
        }
        // PU21-SSIM on the encoded luminance: encode Y (not R, G, B) so that the window statistics
        // are of perceived brightness.
        auto lumOnly = [&](const ImageF& img) {
            ImageF out(img.width(), img.height(), 3);
            const int ch = img.channels();
            for (std::int64_t i = 0; i < img.pixelCount(); ++i) {
                const float* p = img.data() + i * ch;
                const float v = enc(kLumR * p[0] + kLumG * p[1] + kLumB * p[2]);
                float* q = out.data() + i * 3;
                q[0] = q[1] = q[2] = v;
            }
            return out;
        };
        return ssim(lumOnly(test), lumOnly(reference), 256.0f, true);
    }
    }
    return fail(ErrorCode::InvalidArgument, "unknown metric");
}

} // namespace hdr::core
