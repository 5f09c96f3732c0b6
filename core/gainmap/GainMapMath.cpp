#include "gainmap/GainMapMath.h"

#include "common/Parallel.h"
#include "image/ColorSpace.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

namespace hdr::core {

namespace {

// Per-channel constants of the decode formula for one weight W.
struct ChannelConstants {
    float minStops, rangeStops, invGamma, offsetSdr, offsetHdr, weight;
    bool unitGamma;
};

std::array<ChannelConstants, 3> channelConstants(const GainMapMetadata& m, float weight)
{
    std::array<ChannelConstants, 3> k{};
    for (int c = 0; c < 3; ++c) {
        k[c] = {m.gainMapMin[c],
                m.gainMapMax[c] - m.gainMapMin[c],
                1.0f / m.gamma[c],
                m.offsetSdr[c],
                m.offsetHdr[c],
                weight,
                m.gamma[c] == 1.0f};
    }
    return k;
}

// The decode formula for one sample (shared by the reference and the fast path so that both
// treat NaN, Inf and out-of-range values the same way).
inline float applyGain(float sdr, float recovery, const ChannelConstants& k)
{
    if (std::isnan(sdr)) {
        sdr = 0.0f;
    }
    float r = std::isnan(recovery) ? 0.0f : std::clamp(recovery, 0.0f, 1.0f);
    const float logRecovery = k.unitGamma ? r : std::pow(r, k.invGamma);
    const float logBoost = k.minStops + k.rangeStops * logRecovery;
    return (sdr + k.offsetSdr) * std::exp2(logBoost * k.weight) - k.offsetHdr;
}

// Map coordinate of a base pixel centre: maps pixel centres onto pixel centres.
inline void mapCoordinate(int x, int baseSize, int mapSize, int& i0, int& i1, float& f)
{
    const float pos = (float(x) + 0.5f) * float(mapSize) / float(baseSize) - 0.5f;
    const float clamped = std::clamp(pos, 0.0f, float(mapSize - 1));
    i0 = int(clamped);
    i1 = std::min(i0 + 1, mapSize - 1);
    f = clamped - float(i0);
}

inline float bilinear(const GainMapImage& map, int x0, int x1, float fx, int y0, int y1, float fy, int c)
{
    const float top = map.at(x0, y0, c) + (map.at(x1, y0, c) - map.at(x0, y0, c)) * fx;
    const float bottom = map.at(x0, y1, c) + (map.at(x1, y1, c) - map.at(x0, y1, c)) * fx;
    return top + (bottom - top) * fy;
}

Status checkDecodeInputs(const ImageF& sdr, const GainMapImage& map, const GainMapMetadata& metadata)
{
    if (sdr.empty() || sdr.channels() < 3) {
        return fail(ErrorCode::InvalidArgument, "the base image is empty or not RGB");
    }
    if (!map.valid()) {
        return fail(ErrorCode::InvalidArgument, "the gain map is empty or malformed (1 or 3 channels)");
    }
    return metadata.validate();
}

void recordDecodeAttributes(ImageF& out, const GainMapMetadata& metadata, float weight)
{
    out.metadata.attributes["gainmap.weight"] = std::to_string(weight);
    out.metadata.attributes["gainmap.metadata"] = metadata.summary();
}

// Gains beyond +-60 stops (infinite HDR, denormal SDR) are clipped: the metadata allows +-64.
constexpr double kMaxStops = 60.0;

inline float sanitizeEncodeInput(float v)
{
    if (std::isnan(v) || v < 0.0f) {
        return 0.0f;
    }
    return std::min(v, FLT_MAX);
}

} // namespace

GainMapImage gainMapFromBytes(int width, int height, int channels, const std::uint8_t* samples)
{
    GainMapImage map{width, height, channels, {}};
    map.values.resize(std::size_t(width) * std::size_t(height) * std::size_t(channels));
    for (std::size_t i = 0; i < map.values.size(); ++i) {
        map.values[i] = float(samples[i]) / 255.0f;
    }
    return map;
}

std::vector<std::uint8_t> gainMapToBytes(const GainMapImage& map)
{
    std::vector<std::uint8_t> bytes(map.values.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const float v = std::isnan(map.values[i]) ? 0.0f : std::clamp(map.values[i], 0.0f, 1.0f);
        bytes[i] = std::uint8_t(std::floor(v * 255.0f + 0.5f));
    }
    return bytes;
}

void quantizeGainMap8(GainMapImage& map)
{
    const std::vector<std::uint8_t> bytes = gainMapToBytes(map);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        map.values[i] = float(bytes[i]) / 255.0f;
    }
}

Status GainMapEncodeParams::validate() const
{
    auto bad = [](const std::string& m) { return fail(ErrorCode::InvalidArgument, m); };
    if (channels != 1 && channels != 3) {
        return bad("a gain map has 1 or 3 channels, not " + std::to_string(channels));
    }
    if (scale < 1 || scale > 128) {
        return bad("the gain-map scale factor must be between 1 and 128, not " + std::to_string(scale));
    }
    if (!(gamma > 0.0f) || !std::isfinite(gamma)) {
        return bad("the gain-map gamma must be a positive number");
    }
    if (!(offsetSdr >= 0.0f) || !(offsetHdr >= 0.0f) || offsetSdr > 1.0f || offsetHdr > 1.0f) {
        return bad("gain-map offsets must be between 0 and 1");
    }
    if (minContentBoostStops && maxContentBoostStops && *minContentBoostStops > *maxContentBoostStops) {
        return bad("the minimum content boost is larger than the maximum");
    }
    return {};
}

Result<EncodedGainMap>
encodeGainMap(const ImageF& hdr, const ImageF& sdr, const GainMapEncodeParams& params, JobContext& ctx)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (hdr.empty() || sdr.empty() || hdr.channels() < 3 || sdr.channels() < 3) {
        return fail(ErrorCode::InvalidArgument, "gain-map encoding needs RGB HDR and SDR images");
    }
    if (hdr.width() != sdr.width() || hdr.height() != sdr.height()) {
        return fail(ErrorCode::InvalidArgument,
                    "the HDR (" + std::to_string(hdr.width()) + "x" + std::to_string(hdr.height()) +
                        ") and SDR (" + std::to_string(sdr.width()) + "x" + std::to_string(sdr.height()) +
                        ") images differ in size");
    }
    if (!(hdr.colorSpace == sdr.colorSpace)) {
        return fail(ErrorCode::InvalidArgument,
                    "the HDR (" + hdr.colorSpace.name() + ") and SDR (" + sdr.colorSpace.name() +
                        ") images have different primaries; convert one first");
    }
    return guarded(ErrorCode::Internal, {}, [&]() -> EncodedGainMap {
        const int s = params.scale, nc = params.channels;
        const int mw = (hdr.width() + s - 1) / s, mh = (hdr.height() + s - 1) / s;
        const Vec3 lw = luminanceWeights(hdr.colorSpace);
        // Pass 1: log2 gain per map sample (block averages of linear HDR and SDR).
        std::vector<float> gains(std::size_t(mw) * std::size_t(mh) * std::size_t(nc));
        parallelFor(std::size_t(mh), 4, [&](std::size_t y0, std::size_t y1) {
            for (std::size_t my = y0; my < y1; ++my) {
                for (int mx = 0; mx < mw; ++mx) {
                    double h[3] = {0, 0, 0}, l[3] = {0, 0, 0};
                    int n = 0;
                    for (int y = int(my) * s; y < std::min(int(my + 1) * s, hdr.height()); ++y) {
                        for (int x = mx * s; x < std::min((mx + 1) * s, hdr.width()); ++x, ++n) {
                            for (int c = 0; c < 3; ++c) {
                                h[c] += sanitizeEncodeInput(hdr.pixel(x, y)[c]);
                                l[c] += sanitizeEncodeInput(sdr.pixel(x, y)[c]);
                            }
                        }
                    }
                    for (int c = 0; c < 3; ++c) {
                        h[c] /= n;
                        l[c] /= n;
                    }
                    float* out = gains.data() + (my * std::size_t(mw) + std::size_t(mx)) * std::size_t(nc);
                    for (int c = 0; c < nc; ++c) {
                        double hv = h[c], sv = l[c];
                        if (nc == 1) {
                            hv = lw.r * h[0] + lw.g * h[1] + lw.b * h[2];
                            sv = lw.r * l[0] + lw.g * l[1] + lw.b * l[2];
                        }
                        const double num = hv + params.offsetHdr, den = sv + params.offsetSdr;
                        // A zero denominator (offset 0, black SDR) has no finite gain: NaN marks
                        // it, and it encodes as the largest boost (or none when HDR is black too).
                        out[c] = den > 0.0 && num > 0.0
                                     ? float(std::clamp(std::log2(num / den), -kMaxStops, kMaxStops))
                                 : den > 0.0 || num <= 0.0 ? 0.0f
                                                           : std::numeric_limits<float>::quiet_NaN();
                    }
                }
            }
            throwIfCancelled(ctx);
        });
        ctx.setProgress(0.5, "Encoding gain map");

        GainMapMetadata m;
        for (int c = 0; c < 3; ++c) {
            m.gamma[c] = params.gamma;
            m.offsetSdr[c] = params.offsetSdr;
            m.offsetHdr[c] = params.offsetHdr;
        }
        std::array<float, 3> lo{FLT_MAX, FLT_MAX, FLT_MAX}, hi{-FLT_MAX, -FLT_MAX, -FLT_MAX};
        for (std::size_t i = 0; i < gains.size(); ++i) {
            const float g = gains[i];
            if (std::isfinite(g)) {
                const std::size_t c = i % std::size_t(nc);
                lo[c] = std::min(lo[c], g);
                hi[c] = std::max(hi[c], g);
            }
        }
        for (int c = 0; c < 3; ++c) {
            const int src = nc == 1 ? 0 : c;
            float gmin = lo[src] > hi[src] ? 0.0f : lo[src];
            float gmax = lo[src] > hi[src] ? 0.0f : hi[src];
            m.gainMapMin[c] = params.minContentBoostStops.value_or(gmin);
            m.gainMapMax[c] = std::max(params.maxContentBoostStops.value_or(gmax), m.gainMapMin[c]);
        }
        m.hdrCapacityMin = params.hdrCapacityMin.value_or(0.0f);
        m.hdrCapacityMax = params.hdrCapacityMax.value_or(
            std::max({m.gainMapMax[0], m.gainMapMax[1], m.gainMapMax[2], m.hdrCapacityMin + 0.001f}));
        if (auto ok = m.validate(); !ok) {
            throw HdrError(ok.error());
        }

        GainMapImage map{mw, mh, nc, std::vector<float>(gains.size())};
        for (std::size_t i = 0; i < gains.size(); ++i) {
            const int c = int(i % std::size_t(nc));
            const float range = m.gainMapMax[c] - m.gainMapMin[c];
            const float g = std::isnan(gains[i]) ? m.gainMapMax[c] : gains[i];
            const float lin = range > 0.0f ? std::clamp((g - m.gainMapMin[c]) / range, 0.0f, 1.0f) : 0.0f;
            map.values[i] = params.gamma == 1.0f ? lin : std::pow(lin, params.gamma);
        }
        ctx.setProgress(1.0, "Encoding gain map");
        return EncodedGainMap{std::move(map), m};
    });
}

ImageF applyGainMapReference(const ImageF& sdr,
                             const GainMapImage& map,
                             const GainMapMetadata& metadata,
                             std::optional<float> headroomStops)
{
    if (auto ok = checkDecodeInputs(sdr, map, metadata); !ok) {
        throw HdrError(ok.error());
    }
    const float weight = gainMapWeight(metadata, headroomStops);
    const auto k = channelConstants(metadata, weight);
    ImageF out(sdr.width(), sdr.height(), sdr.channels(), sdr.colorSpace);
    out.metadata = sdr.metadata;
    for (int y = 0; y < sdr.height(); ++y) {
        int y0, y1;
        float fy;
        mapCoordinate(y, sdr.height(), map.height, y0, y1, fy);
        for (int x = 0; x < sdr.width(); ++x) {
            int x0, x1;
            float fx;
            mapCoordinate(x, sdr.width(), map.width, x0, x1, fx);
            for (int c = 0; c < 3; ++c) {
                const float r = bilinear(map, x0, x1, fx, y0, y1, fy, map.channels == 1 ? 0 : c);
                out.pixel(x, y)[c] = applyGain(sdr.pixel(x, y)[c], r, k[c]);
            }
            if (sdr.channels() == 4) {
                out.pixel(x, y)[3] = sdr.pixel(x, y)[3];
            }
        }
    }
    recordDecodeAttributes(out, metadata, weight);
    return out;
}

Result<ImageF> applyGainMap(const ImageF& sdr,
                            const GainMapImage& map,
                            const GainMapMetadata& metadata,
                            std::optional<float> headroomStops,
                            JobContext& ctx)
{
    if (auto ok = checkDecodeInputs(sdr, map, metadata); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&]() -> ImageF {
        const float weight = gainMapWeight(metadata, headroomStops);
        const auto k = channelConstants(metadata, weight);
        const int w = sdr.width(), channels = sdr.channels();
        const std::size_t columns = std::size_t(w);
        std::vector<int> cx0(columns), cx1(columns);
        std::vector<float> cfx(columns);
        for (int x = 0; x < w; ++x) {
            mapCoordinate(x, w, map.width, cx0[std::size_t(x)], cx1[std::size_t(x)], cfx[std::size_t(x)]);
        }
        ImageF out(w, sdr.height(), channels, sdr.colorSpace);
        out.metadata = sdr.metadata;
        const bool weightless = weight == 0.0f;
        const bool sharedGain = map.channels == 1 && metadata.isSingleChannel();
        parallelFor(std::size_t(sdr.height()), 16, [&](std::size_t begin, std::size_t end) {
            std::vector<float> mapRow(std::size_t(w) * std::size_t(map.channels));
            for (std::size_t yy = begin; yy < end; ++yy) {
                const int y = int(yy);
                int y0, y1;
                float fy;
                mapCoordinate(y, sdr.height(), map.height, y0, y1, fy);
                // Interpolate the map row once, then apply per pixel.
                for (int x = 0; x < w && !weightless; ++x) {
                    for (int c = 0; c < map.channels; ++c) {
                        mapRow[std::size_t(x) * std::size_t(map.channels) + std::size_t(c)] =
                            bilinear(map,
                                     cx0[std::size_t(x)],
                                     cx1[std::size_t(x)],
                                     cfx[std::size_t(x)],
                                     y0,
                                     y1,
                                     fy,
                                     c);
                    }
                }
                const float* in = sdr.row(y);
                float* o = out.row(y);
                if (sharedGain) {
                    // One map channel and equal per-channel constants: one exp2 per pixel, the same
                    // arithmetic as applyGain() per channel.
                    for (int x = 0; x < w; ++x, in += channels, o += channels) {
                        const float r = weightless ? 0.0f : mapRow[std::size_t(x)];
                        const float rc = std::isnan(r) ? 0.0f : std::clamp(r, 0.0f, 1.0f);
                        const float logRecovery = k[0].unitGamma ? rc : std::pow(rc, k[0].invGamma);
                        const float gain =
                            std::exp2((k[0].minStops + k[0].rangeStops * logRecovery) * k[0].weight);
                        for (int c = 0; c < 3; ++c) {
                            const float s = std::isnan(in[c]) ? 0.0f : in[c];
                            o[c] = (s + k[0].offsetSdr) * gain - k[0].offsetHdr;
                        }
                        if (channels == 4) {
                            o[3] = in[3];
                        }
                    }
                    continue;
                }
                for (int x = 0; x < w; ++x, in += channels, o += channels) {
                    const float* r = mapRow.data() + std::size_t(x) * std::size_t(map.channels);
                    for (int c = 0; c < 3; ++c) {
                        o[c] = applyGain(in[c], weightless ? 0.0f : r[map.channels == 1 ? 0 : c], k[c]);
                    }
                    if (channels == 4) {
                        o[3] = in[3];
                    }
                }
            }
            throwIfCancelled(ctx);
        });
        recordDecodeAttributes(out, metadata, weight);
        return out;
    });
}

} // namespace hdr::core
