#pragma once

#include "image/Image.h"

#include <cstdint>
#include <vector>

namespace hdr::core {

// Luminance statistics of a scene-linear image. Luminance Y = weights · RGB with the weights of
// the image's own primaries (0.2126, 0.7152, 0.0722 for Rec.709). Non-finite pixels are counted
// and left out of every other figure.
struct LuminanceStats {
    std::int64_t pixelCount = 0;
    std::int64_t nanCount = 0;         // pixels with a NaN in R, G or B
    std::int64_t infCount = 0;         // pixels with ±Inf in R, G or B (and no NaN)
    std::int64_t nonPositiveCount = 0; // finite pixels with Y <= 0
    double minLuminance = 0;           // over finite pixels
    double minPositiveLuminance = 0;
    double maxLuminance = 0;
    double meanLuminance = 0;
    double logAverageLuminance = 0;     // exp(mean(log(1e-6 + Y))) over positive Y
    double dynamicRangeStops = 0;       // log2(max / min positive)
    double robustDynamicRangeStops = 0; // log2(p99.9 / p0.1) over positive Y
    float minChannel[3] = {0, 0, 0};
    float maxChannel[3] = {0, 0, 0};
};

LuminanceStats computeLuminanceStats(const ImageF& image);

// Histogram of log2 values over [minEv, maxEv): one for luminance, one for the largest of R, G, B
// (which decides clipping on a display). Values <= 0 or non-finite go to `nonPositive`.
struct LogHistogram {
    float minEv = -20.0f;
    float maxEv = 20.0f;
    std::vector<std::uint32_t> luminance;
    std::vector<std::uint32_t> maxChannel;
    std::int64_t nonPositive = 0;
    std::int64_t belowRange = 0; // positive but under minEv (luminance)
    std::int64_t aboveRange = 0; // at or over maxEv (luminance)
    std::int64_t total = 0;

    float binWidthEv() const { return (maxEv - minEv) / float(luminance.size()); }
    // Pixels whose brightest channel reaches display white (1.0) after `exposureEv` (approximate to
    // one bin), and pixels whose brightest channel is below `blackLevel` after exposure.
    std::int64_t countClippedHigh(float exposureEv) const;
    std::int64_t countClippedLow(float exposureEv, float blackLevel) const;
};

LogHistogram
computeLogHistogram(const ImageF& image, int bins = 256, float minEv = -20.0f, float maxEv = 20.0f);

} // namespace hdr::core
