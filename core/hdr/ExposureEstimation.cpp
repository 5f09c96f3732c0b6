#include "hdr/ExposureEstimation.h"

#include "image/ColorSpace.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace hdr::core {

Status ExposureEstimationParams::validate() const
{
    if (!(lowLinear > 0.0f) || !(highLinear > lowLinear)) {
        return fail(ErrorCode::InvalidArgument, "the well-exposed window needs 0 < low < high");
    }
    if (minPixels < 1 || maxSamples < minPixels) {
        return fail(ErrorCode::InvalidArgument, "minPixels must be >= 1 and maxSamples >= minPixels");
    }
    return {};
}

namespace {

double quantile(std::vector<float>& v, double q)
{
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

} // namespace

Result<ExposureEstimate> estimateRelativeExposures(std::span<const ImageF> linear,
                                                   const ExposureEstimationParams& params)
{
    if (auto s = params.validate(); !s) {
        return tl::unexpected(s.error());
    }
    if (linear.size() < 2) {
        return fail(ErrorCode::InvalidArgument, "estimating exposures needs at least two images");
    }
    const int w = linear[0].width();
    const int h = linear[0].height();
    for (std::size_t i = 1; i < linear.size(); ++i) {
        if (linear[i].width() != w || linear[i].height() != h) {
            return fail(ErrorCode::InvalidArgument,
                        "image " + std::to_string(i + 1) + " is " + std::to_string(linear[i].width()) + "x" +
                            std::to_string(linear[i].height()) + ", the first is " + std::to_string(w) + "x" +
                            std::to_string(h));
        }
    }
    const int n = static_cast<int>(linear.size());
    const int ref = params.referenceIndex < 0 ? (n - 1) / 2 : params.referenceIndex;
    if (ref >= n) {
        return fail(ErrorCode::InvalidArgument, "reference image index is out of range");
    }
    const std::int64_t count = std::int64_t(w) * h;
    const std::int64_t stride = std::max<std::int64_t>(1, count / params.maxSamples);

    auto luminanceAt = [](const ImageF& img, std::int64_t p) {
        const Vec3 k = luminanceWeights(img.colorSpace);
        const float* px = img.data() + p * img.channels();
        return k.r * px[0] + k.g * px[1] + k.b * px[2];
    };

    ExposureEstimate out;
    std::vector<double> step(static_cast<std::size_t>(n - 1));
    std::vector<float> logRatios;
    for (int i = 0; i + 1 < n; ++i) {
        logRatios.clear();
        for (std::int64_t p = 0; p < count; p += stride) {
            const float a = luminanceAt(linear[i], p);
            const float b = luminanceAt(linear[i + 1], p);
            if (a >= params.lowLinear && a <= params.highLinear && b >= params.lowLinear &&
                b <= params.highLinear && std::isfinite(a) && std::isfinite(b)) {
                logRatios.push_back(std::log2(b / a));
            }
        }
        if (static_cast<std::int64_t>(logRatios.size()) < params.minPixels) {
            return fail(ErrorCode::InvalidArgument,
                        "images " + std::to_string(i + 1) + " and " + std::to_string(i + 2) + " share only " +
                            std::to_string(logRatios.size()) +
                            " well-exposed pixels, too few to estimate their exposure ratio; give the EVs "
                            "explicitly");
        }
        out.pixels.push_back(static_cast<std::int64_t>(logRatios.size()));
        const double q1 = quantile(logRatios, 0.25);
        const double q3 = quantile(logRatios, 0.75);
        step[static_cast<std::size_t>(i)] = quantile(logRatios, 0.5);
        out.spread.push_back(q3 - q1);
    }
    out.ev.assign(static_cast<std::size_t>(n), 0.0);
    for (int i = ref + 1; i < n; ++i) {
        out.ev[static_cast<std::size_t>(i)] =
            out.ev[static_cast<std::size_t>(i - 1)] + step[static_cast<std::size_t>(i - 1)];
    }
    for (int i = ref - 1; i >= 0; --i) {
        out.ev[static_cast<std::size_t>(i)] =
            out.ev[static_cast<std::size_t>(i + 1)] - step[static_cast<std::size_t>(i)];
    }
    return out;
}

} // namespace hdr::core
