#include "metrics/HighlightMetrics.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace hdr::core {

Status HighlightMetricOptions::validate() const
{
    if (!(diffuseWhiteNits > 0.0f) || !(peakNits > diffuseWhiteNits) || !std::isfinite(peakNits)) {
        return fail(ErrorCode::InvalidArgument,
                    "the highlight metrics need 0 < diffuse white < peak (got " +
                        std::to_string(diffuseWhiteNits) + " and " + std::to_string(peakNits) + " nits)");
    }
    return {};
}

Result<HighlightMetrics> highlightMetrics(const ImageF& image, const HighlightMetricOptions& options)
{
    if (auto ok = options.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (image.empty() || image.channels() < 3) {
        return fail(ErrorCode::InvalidArgument, "the highlight metrics need a non-empty RGB image");
    }
    const double scale = double(options.diffuseWhiteNits) / double(options.peakNits);
    const double dw = scale; // relative 1.0 maps to the diffuse white level
    std::int64_t highlights = 0;
    double extent = 0.0;
    const int ch = image.channels();
    for (std::int64_t i = 0; i < image.pixelCount(); ++i) {
        const float* p = image.data() + i * ch;
        for (int c = 0; c < 3; ++c) {
            if (!std::isfinite(p[c])) {
                return fail(ErrorCode::InvalidArgument, "the image holds NaN or infinite samples");
            }
            const double x = std::clamp(double(p[c]) * scale, 0.0, 1.0);
            if (x >= dw) {
                ++highlights;
                extent += x - dw;
            }
        }
    }
    const double n = double(image.pixelCount()) * 3.0;
    return HighlightMetrics{double(highlights) / n, extent / n / (1.0 - dw)};
}

} // namespace hdr::core
