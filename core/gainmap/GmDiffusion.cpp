#include "gainmap/GmDiffusion.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {

namespace {

float clamp01(float v)
{
    return std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
}

float linearizeSdr(float encoded)
{
    return std::pow(clamp01(encoded), GmDiffusionParams::kSdrGamma);
}

Status checkPair(const ImageF& a, const ImageF& b, const char* what)
{
    if (a.empty() || b.empty() || a.channels() < 3 || b.channels() < 3) {
        return fail(ErrorCode::InvalidArgument,
                    std::string(what) + ": both images must be RGB and non-empty");
    }
    if (a.width() != b.width() || a.height() != b.height()) {
        return fail(ErrorCode::InvalidArgument,
                    std::string(what) + ": the images differ in size (" + std::to_string(a.width()) + "x" +
                        std::to_string(a.height()) + " vs " + std::to_string(b.width()) + "x" +
                        std::to_string(b.height()) + ")");
    }
    return {};
}

// out(x) = fn(a(x), b(x)) per RGB sample, rows in parallel; output RGB in Rec.709.
template <typename Fn> ImageF combine(const ImageF& a, const ImageF& b, Fn fn)
{
    ImageF out(a.width(), a.height(), 3, LinearColorSpace{});
    parallelFor(std::size_t(a.height()), 16, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            for (int x = 0; x < a.width(); ++x) {
                const float* pa = a.pixel(x, int(y));
                const float* pb = b.pixel(x, int(y));
                float* o = out.pixel(x, int(y));
                for (int c = 0; c < 3; ++c) {
                    o[c] = fn(pa[c], pb[c]);
                }
            }
        }
    });
    return out;
}

} // namespace

Status GmDiffusionParams::validate() const
{
    if (!(qmax > 0.0f) || !std::isfinite(qmax) || qmax > 1e6f) {
        return fail(ErrorCode::InvalidArgument,
                    "qmax must be a positive number (GM-Diffusion uses 9, 49 or 99), not " +
                        std::to_string(qmax));
    }
    return {};
}

float gmDiffusionHdrUnclamped(float sdrEncoded, float gm, float qmax)
{
    const float eps = GmDiffusionParams::kEpsilon;
    return (linearizeSdr(sdrEncoded) + eps) * (1.0f + (std::isnan(gm) ? 0.0f : gm) * qmax) - eps;
}

float gmDiffusionHdr(float sdrEncoded, float gm, float qmax)
{
    return std::clamp(gmDiffusionHdrUnclamped(sdrEncoded, gm, qmax), 0.0f, qmax + 1.0f);
}

float gmDiffusionGain(float hdr, float sdrEncoded, float qmax)
{
    const float eps = GmDiffusionParams::kEpsilon;
    const float h = std::isnan(hdr) ? 0.0f : std::max(hdr, 0.0f);
    return clamp01(((h + eps) / (linearizeSdr(sdrEncoded) + eps) - 1.0f) / qmax);
}

float gmHardClip(float hdr)
{
    return clamp01(hdr);
}

float gmLinearScale(float hdr, float qmax)
{
    return hdr / (qmax + 1.0f);
}

float gmMuLog(float hdr, float qmax, float mu)
{
    const float h = std::isnan(hdr) ? 0.0f : std::max(hdr, 0.0f);
    return clamp01(std::log1p(mu * h / (qmax + 1.0f)) / std::log1p(mu));
}

float gmTmoCuda(float hdr)
{
    const float x = clamp01(hdr / 10.0f);
    return std::log1p(5000.0f * x) / std::log1p(5000.0f);
}

void gmGamutCompress(float* rgb)
{
    static constexpr float m[3][3] = {{1.660491f, -0.587641f, -0.072850f},
                                      {-0.124550f, 1.132900f, -0.008349f},
                                      {-0.018151f, -0.100579f, 1.118730f}};
    const float r = rgb[0], g = rgb[1], b = rgb[2];
    for (int c = 0; c < 3; ++c) {
        rgb[c] = clamp01(r * m[c][0] + g * m[c][1] + b * m[c][2]);
    }
}

Result<ImageF> gmDiffusionToHdr(const ImageF& sdrEncoded, const ImageF& gm, const GmDiffusionParams& params)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkPair(sdrEncoded, gm, "GM-Diffusion decode"); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&] {
        return combine(
            sdrEncoded, gm, [q = params.qmax](float s, float g) { return gmDiffusionHdr(s, g, q); });
    });
}

Result<ImageF> hdrToGmDiffusion(const ImageF& hdr, const ImageF& sdrEncoded, const GmDiffusionParams& params)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkPair(hdr, sdrEncoded, "GM-Diffusion encode"); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&] {
        return combine(
            hdr, sdrEncoded, [q = params.qmax](float h, float s) { return gmDiffusionGain(h, s, q); });
    });
}

ImageF gmToneMap(const ImageF& hdr, GmToneMapper mapper, const GmDiffusionParams& params)
{
    ImageF out = withChannels(hdr, 3);
    for (std::size_t i = 0, n = std::size_t(out.pixelCount()) * 3; i < n; ++i) {
        float& v = out.data()[i];
        switch (mapper) {
        case GmToneMapper::HardClip: v = gmHardClip(v); break;
        case GmToneMapper::LinearScale: v = gmLinearScale(v, params.qmax); break;
        case GmToneMapper::MuLog: v = gmMuLog(v, params.qmax); break;
        }
    }
    return out;
}

Result<EncodedGainMap>
gmDiffusionToStandard(const ImageF& sdrEncoded, const ImageF& gm, const GmDiffusionParams& params)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkPair(sdrEncoded, gm, "GM-Diffusion to standard gain map"); !ok) {
        return tl::unexpected(ok.error());
    }
    EncodedGainMap out;
    const float gmax = std::log2(1.0f + params.qmax);
    for (int c = 0; c < 3; ++c) {
        out.metadata.gainMapMin[c] = 0.0f;
        out.metadata.gainMapMax[c] = gmax;
        out.metadata.gamma[c] = 1.0f;
        out.metadata.offsetSdr[c] = GmDiffusionParams::kEpsilon;
        out.metadata.offsetHdr[c] = GmDiffusionParams::kEpsilon;
    }
    out.metadata.hdrCapacityMin = 0.0f;
    out.metadata.hdrCapacityMax = gmax;
    out.map = GainMapImage{gm.width(), gm.height(), 3, {}};
    out.map.values.resize(std::size_t(gm.pixelCount()) * 3);
    for (int y = 0; y < gm.height(); ++y) {
        for (int x = 0; x < gm.width(); ++x) {
            for (int c = 0; c < 3; ++c) {
                // log2 in double: the ratio to gmax must round to the float nearest the exact value.
                const double eps = GmDiffusionParams::kEpsilon;
                const float s = sdrEncoded.pixel(x, y)[c];
                const double hdr = gmDiffusionHdr(s, clamp01(gm.pixel(x, y)[c]), params.qmax);
                const double ratio = (hdr + eps) / (double(linearizeSdr(s)) + eps);
                out.map.values[(std::size_t(y) * std::size_t(gm.width()) + std::size_t(x)) * 3 +
                               std::size_t(c)] =
                    float(std::clamp(std::log2(ratio) / std::log2(1.0 + double(params.qmax)), 0.0, 1.0));
            }
        }
    }
    return out;
}

ImageF gmDiffusionLinearBase(const ImageF& sdrEncoded)
{
    ImageF out(sdrEncoded.width(), sdrEncoded.height(), 3, LinearColorSpace{});
    for (int y = 0; y < out.height(); ++y) {
        for (int x = 0; x < out.width(); ++x) {
            for (int c = 0; c < 3; ++c) {
                out.pixel(x, y)[c] = linearizeSdr(sdrEncoded.pixel(x, y)[c]);
            }
        }
    }
    return out;
}

} // namespace hdr::core
