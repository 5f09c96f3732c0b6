#include "image/ImageStats.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace hdr::core {

LuminanceStats computeLuminanceStats(const ImageF& image)
{
    LuminanceStats st;
    st.pixelCount = image.pixelCount();
    const Vec3 w = luminanceWeights(image.colorSpace);
    const int ch = image.channels();
    std::vector<float> positive;
    positive.reserve(std::size_t(image.pixelCount()));
    double sum = 0, logSum = 0;
    std::int64_t finite = 0;
    double minY = std::numeric_limits<double>::infinity(), maxY = -minY, minPos = minY;
    float minC[3] = {std::numeric_limits<float>::infinity(),
                     std::numeric_limits<float>::infinity(),
                     std::numeric_limits<float>::infinity()};
    float maxC[3] = {-minC[0], -minC[0], -minC[0]};
    const float* p = image.data();
    for (std::int64_t i = 0; i < image.pixelCount(); ++i, p += ch) {
        if (std::isnan(p[0]) || std::isnan(p[1]) || std::isnan(p[2])) {
            ++st.nanCount;
            continue;
        }
        if (std::isinf(p[0]) || std::isinf(p[1]) || std::isinf(p[2])) {
            ++st.infCount;
            continue;
        }
        for (int c = 0; c < 3; ++c) {
            minC[c] = std::min(minC[c], p[c]);
            maxC[c] = std::max(maxC[c], p[c]);
        }
        const double y = double(w.r) * p[0] + double(w.g) * p[1] + double(w.b) * p[2];
        ++finite;
        sum += y;
        minY = std::min(minY, y);
        maxY = std::max(maxY, y);
        if (y > 0) {
            minPos = std::min(minPos, y);
            logSum += std::log(1e-6 + y);
            positive.push_back(float(y));
        } else {
            ++st.nonPositiveCount;
        }
    }
    if (finite > 0) {
        st.minLuminance = minY;
        st.maxLuminance = maxY;
        st.meanLuminance = sum / double(finite);
        for (int c = 0; c < 3; ++c) {
            st.minChannel[c] = minC[c];
            st.maxChannel[c] = maxC[c];
        }
    }
    if (!positive.empty()) {
        st.minPositiveLuminance = minPos;
        st.logAverageLuminance = std::exp(logSum / double(positive.size()));
        st.dynamicRangeStops = maxY > 0 ? std::log2(maxY / minPos) : 0.0;
        const std::size_t lo = std::size_t(double(positive.size() - 1) * 0.001);
        const std::size_t hi = std::size_t(double(positive.size() - 1) * 0.999);
        std::nth_element(positive.begin(), positive.begin() + std::ptrdiff_t(lo), positive.end());
        const float pLo = positive[lo];
        std::nth_element(positive.begin(), positive.begin() + std::ptrdiff_t(hi), positive.end());
        const float pHi = positive[hi];
        st.robustDynamicRangeStops = pLo > 0 ? std::log2(double(pHi) / double(pLo)) : 0.0;
    }
    return st;
}

std::int64_t LogHistogram::countClippedHigh(float exposureEv) const
{
    // brightest channel * 2^exposure >= 1  <=>  log2(maxChannel) >= -exposure
    const float threshold = -exposureEv;
    std::int64_t n = 0;
    const float bw = binWidthEv();
    for (std::size_t i = 0; i < maxChannel.size(); ++i) {
        const float binStart = minEv + float(i) * bw;
        if (binStart + 0.5f * bw >= threshold) {
            n += maxChannel[i];
        }
    }
    return n; // maxChannel clamps out-of-range values into the end bins
}

std::int64_t LogHistogram::countClippedLow(float exposureEv, float blackLevel) const
{
    const float threshold = std::log2(blackLevel) - exposureEv;
    std::int64_t n = nonPositive;
    const float bw = binWidthEv();
    for (std::size_t i = 0; i < maxChannel.size(); ++i) {
        const float binStart = minEv + float(i) * bw;
        if (binStart + 0.5f * bw < threshold) {
            n += maxChannel[i];
        }
    }
    return n;
}

LogHistogram computeLogHistogram(const ImageF& image, int bins, float minEv, float maxEv)
{
    LogHistogram h;
    h.minEv = minEv;
    h.maxEv = maxEv;
    h.luminance.assign(std::size_t(bins), 0);
    h.maxChannel.assign(std::size_t(bins), 0);
    h.total = image.pixelCount();
    const Vec3 w = luminanceWeights(image.colorSpace);
    const int ch = image.channels();
    const float scale = float(bins) / (maxEv - minEv);
    std::mutex merge;
    parallelFor(std::size_t(image.height()), 32, [&](std::size_t y0, std::size_t y1) {
        LogHistogram local;
        local.luminance.assign(std::size_t(bins), 0);
        local.maxChannel.assign(std::size_t(bins), 0);
        auto binOf = [&](float v) { return int(std::floor((std::log2(v) - minEv) * scale)); };
        for (std::size_t y = y0; y < y1; ++y) {
            const float* p = image.row(int(y));
            for (int x = 0; x < image.width(); ++x, p += ch) {
                const float y_ = w.r * p[0] + w.g * p[1] + w.b * p[2];
                const float m = std::max({p[0], p[1], p[2]});
                if (!(y_ > 0) || !std::isfinite(y_)) {
                    ++local.nonPositive;
                    continue;
                }
                const int b = binOf(y_);
                if (b < 0) {
                    ++local.belowRange;
                } else if (b >= bins) {
                    ++local.aboveRange;
                } else {
                    ++local.luminance[std::size_t(b)];
                }
                if (m > 0 && std::isfinite(m)) {
                    const int bm = std::clamp(binOf(m), 0, bins - 1);
                    ++local.maxChannel[std::size_t(bm)];
                }
            }
        }
        std::lock_guard lock(merge);
        for (int i = 0; i < bins; ++i) {
            h.luminance[std::size_t(i)] += local.luminance[std::size_t(i)];
            h.maxChannel[std::size_t(i)] += local.maxChannel[std::size_t(i)];
        }
        h.nonPositive += local.nonPositive;
        h.belowRange += local.belowRange;
        h.aboveRange += local.aboveRange;
    });
    return h;
}

} // namespace hdr::core
