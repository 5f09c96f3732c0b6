#include "hdr/BracketMerge.h"

#include "common/Parallel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <vector>

namespace hdr::core {
namespace {

constexpr float kGridScale = float(kResponseTableSize - 1);
constexpr float kNoiseDelta = 1.5f / 255.0f; // code noise assumed for deghosting (quantisation + JPEG)
constexpr float kMaxNoiseStops = 8.0f;
constexpr float kMinWeightSum = 1e-6f;

Status
checkInputs(std::span<const ImageF> images, std::span<const double> exposure, const MergeParams& params)
{
    if (auto ok = params.validate(); !ok) {
        return ok;
    }
    if (images.size() < 2) {
        return fail(ErrorCode::InvalidArgument,
                    "merging needs at least two exposures (got " + std::to_string(images.size()) + ")");
    }
    if (exposure.size() != images.size()) {
        return fail(ErrorCode::InvalidArgument,
                    std::to_string(exposure.size()) + " exposures given for " +
                        std::to_string(images.size()) + " images");
    }
    for (std::size_t k = 0; k < images.size(); ++k) {
        if (images[k].width() != images[0].width() || images[k].height() != images[0].height()) {
            return fail(ErrorCode::InvalidArgument,
                        "image " + std::to_string(k + 1) + " is " + std::to_string(images[k].width()) +
                            " x " + std::to_string(images[k].height()) + " but image 1 is " +
                            std::to_string(images[0].width()) + " x " + std::to_string(images[0].height()) +
                            "; all exposures must have the same size");
        }
        if (images[k].channels() < 3) {
            return fail(ErrorCode::InvalidArgument, "image " + std::to_string(k + 1) + " is not RGB");
        }
        if (!(exposure[k] > 0.0) || !std::isfinite(exposure[k])) {
            return fail(ErrorCode::InvalidArgument,
                        "exposure " + std::to_string(k + 1) + " must be a positive finite factor");
        }
    }
    if (params.referenceIndex >= int(images.size())) {
        return fail(ErrorCode::InvalidArgument,
                    "reference image " + std::to_string(params.referenceIndex + 1) +
                        " does not exist; there are " + std::to_string(images.size()) + " images");
    }
    return {};
}

float clampCode(float v)
{
    return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; // NaN -> 0
}

// Exposure indices ordered by distance (in stops) from the reference, the reference first.
std::vector<int> anchorOrder(std::span<const double> exposure, int reference)
{
    std::vector<int> order(exposure.size());
    std::iota(order.begin(), order.end(), 0);
    const double lr = std::log(exposure[std::size_t(reference)]);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return std::fabs(std::log(exposure[std::size_t(a)]) - lr) <
               std::fabs(std::log(exposure[std::size_t(b)]) - lr);
    });
    return order;
}

// Quantisation noise of a code value in stops, from the slope of the (green) inverse response.
float noiseStops(const CameraResponse& response, float v)
{
    const float hi = response.toLinear(1, std::min(1.0f, v + kNoiseDelta));
    const float lo = response.toLinear(1, std::max(0.0f, v - kNoiseDelta));
    if (!(lo > 0.0f)) {
        return kMaxNoiseStops;
    }
    return std::min(kMaxNoiseStops, 0.5f * std::log2(hi / lo));
}

} // namespace

Status MergeParams::validate() const
{
    for (const auto& table : response.inverse) {
        if (table.size() != std::size_t(kResponseTableSize)) {
            return fail(ErrorCode::InvalidArgument, "the camera response table has the wrong size");
        }
    }
    if (!(saturationLevel > 0.5f && saturationLevel <= 1.0f)) {
        return fail(ErrorCode::InvalidArgument, "saturation level must be in (0.5, 1]");
    }
    if (!(blackLevel >= 0.0f && blackLevel < 0.5f)) {
        return fail(ErrorCode::InvalidArgument, "black level must be in [0, 0.5)");
    }
    if (!(ghostThresholdStops > 0.0f) || !std::isfinite(ghostThresholdStops)) {
        return fail(ErrorCode::InvalidArgument, "ghost threshold must be a positive number of stops");
    }
    if (referenceIndex < -1) {
        return fail(ErrorCode::InvalidArgument, "reference image index must be >= 0 (or -1 for automatic)");
    }
    return {};
}

int mergeReferenceIndex(std::span<const double> exposure, int referenceIndex)
{
    if (referenceIndex >= 0 || exposure.empty()) {
        return referenceIndex;
    }
    int best = 0;
    for (std::size_t k = 1; k < exposure.size(); ++k) {
        if (std::fabs(std::log(exposure[k])) < std::fabs(std::log(exposure[std::size_t(best)]))) {
            best = int(k);
        }
    }
    return best;
}

Result<ImageF> mergeBrackets(std::span<const ImageF> images,
                             std::span<const double> exposure,
                             const MergeParams& params,
                             JobContext& ctx)
{
    if (auto ok = checkInputs(images, exposure, params); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&]() -> ImageF {
        const int w = images[0].width(), h = images[0].height();
        const std::size_t n = images.size();
        const int reference = mergeReferenceIndex(exposure, params.referenceIndex);
        const std::vector<int> order = anchorOrder(exposure, reference);
        std::size_t shortest = 0, longest = 0;
        std::vector<float> invExposure(n);
        for (std::size_t k = 0; k < n; ++k) {
            invExposure[k] = float(1.0 / exposure[k]);
            shortest = exposure[k] < exposure[shortest] ? k : shortest;
            longest = exposure[k] > exposure[longest] ? k : longest;
        }
        const std::vector<float> weights = weightTable(params.weighting);
        std::vector<float> noise(kResponseTableSize);
        for (int i = 0; i < kResponseTableSize; ++i) {
            noise[std::size_t(i)] = noiseStops(params.response, float(i) / kGridScale);
        }
        const auto& inv = params.response.inverse;
        auto lookup = [](const std::vector<float>& table, float v) {
            const float x = v * kGridScale;
            const int i = std::min(int(x), kResponseTableSize - 2);
            return table[std::size_t(i)] +
                   (table[std::size_t(i + 1)] - table[std::size_t(i)]) * (x - float(i));
        };

        ImageF out(w, h, 3, images[0].colorSpace);
        std::atomic<int> rowsDone{0};
        parallelFor(std::size_t(h), 8, [&](std::size_t y0, std::size_t y1) {
            std::vector<float> code(n * 3), lin(n * 3);
            std::vector<char> use(n);
            for (int y = int(y0); y < int(y1); ++y) {
                if (ctx.isCancelled()) {
                    return;
                }
                float* dst = out.row(y);
                for (int x = 0; x < w; ++x) {
                    for (std::size_t k = 0; k < n; ++k) {
                        const float* src = images[k].pixel(x, y);
                        float top = 0.0f;
                        for (std::size_t c = 0; c < 3; ++c) {
                            const float v = clampCode(src[c]);
                            code[k * 3 + c] = v;
                            lin[k * 3 + c] = lookup(inv[c], v) * invExposure[k];
                            top = std::max(top, v);
                        }
                        use[k] = top < params.saturationLevel;
                    }
                    if (params.deghost) {
                        int anchor = -1;
                        for (int k : order) {
                            const float* v = &code[std::size_t(k) * 3];
                            if (use[std::size_t(k)] && std::max({v[0], v[1], v[2]}) > params.blackLevel) {
                                anchor = k;
                                break;
                            }
                        }
                        if (anchor >= 0) {
                            const std::size_t a = std::size_t(anchor);
                            const float ya = (lin[a * 3] + lin[a * 3 + 1] + lin[a * 3 + 2]) / 3.0f;
                            const float na = noise[std::size_t(code[a * 3 + 1] * kGridScale + 0.5f)];
                            for (std::size_t k = 0; k < n; ++k) {
                                if (!use[k] || k == a || !(ya > 0.0f)) {
                                    continue;
                                }
                                const float yk = (lin[k * 3] + lin[k * 3 + 1] + lin[k * 3 + 2]) / 3.0f;
                                const float nk = noise[std::size_t(code[k * 3 + 1] * kGridScale + 0.5f)];
                                const float diff = yk > 0.0f ? std::fabs(std::log2(yk / ya)) : kMaxNoiseStops;
                                use[k] = diff <= params.ghostThresholdStops + na + nk;
                            }
                        }
                    }
                    const float* refCode = &code[std::size_t(reference) * 3];
                    const std::size_t fallback =
                        std::max({refCode[0], refCode[1], refCode[2]}) >= 0.5f ? shortest : longest;
                    for (std::size_t c = 0; c < 3; ++c) {
                        float num = 0.0f, den = 0.0f;
                        for (std::size_t k = 0; k < n; ++k) {
                            const float wk =
                                use[k] ? weights[std::size_t(code[k * 3 + c] * kGridScale + 0.5f)] : 0.0f;
                            num += wk * lin[k * 3 + c];
                            den += wk;
                        }
                        dst[std::size_t(x) * 3 + c] = den > kMinWeightSum ? num / den : lin[fallback * 3 + c];
                    }
                }
                const int done = rowsDone.fetch_add(1, std::memory_order_relaxed) + 1;
                if ((done & 63) == 0) {
                    ctx.setProgress(double(done) / h, "Merging");
                }
            }
        });
        throwIfCancelled(ctx);
        out.metadata.attributes["hdr:merge"] = std::string("response ") + nameOf(params.response.model) +
                                               ", weights " + nameOf(params.weighting) + ", " +
                                               std::to_string(n) + " exposures";
        return out;
    });
}

Result<ImageF> mergeBracketsReference(std::span<const ImageF> images,
                                      std::span<const double> exposure,
                                      const MergeParams& params)
{
    if (auto ok = checkInputs(images, exposure, params); !ok) {
        return tl::unexpected(ok.error());
    }
    const std::size_t n = images.size();
    const int reference = mergeReferenceIndex(exposure, params.referenceIndex);
    const std::vector<int> order = anchorOrder(exposure, reference);
    const auto shortest = std::size_t(std::min_element(exposure.begin(), exposure.end()) - exposure.begin());
    const auto longest = std::size_t(std::max_element(exposure.begin(), exposure.end()) - exposure.begin());
    ImageF out(images[0].width(), images[0].height(), 3, images[0].colorSpace);
    for (int y = 0; y < out.height(); ++y) {
        for (int x = 0; x < out.width(); ++x) {
            auto codeOf = [&](std::size_t k, int c) { return clampCode(images[k].pixel(x, y)[c]); };
            auto radiance = [&](std::size_t k, int c) {
                return double(params.response.toLinear(c, codeOf(k, c))) / exposure[k];
            };
            auto brightest = [&](std::size_t k) {
                return std::max({codeOf(k, 0), codeOf(k, 1), codeOf(k, 2)});
            };
            std::vector<bool> use(n);
            for (std::size_t k = 0; k < n; ++k) {
                use[k] = brightest(k) < params.saturationLevel;
            }
            if (params.deghost) {
                auto mean = [&](std::size_t k) {
                    return (radiance(k, 0) + radiance(k, 1) + radiance(k, 2)) / 3.0;
                };
                for (int anchor : order) {
                    const auto a = std::size_t(anchor);
                    if (!use[a] || brightest(a) <= params.blackLevel) {
                        continue;
                    }
                    const double ya = mean(a);
                    for (std::size_t k = 0; k < n && ya > 0.0; ++k) {
                        if (use[k] && k != a) {
                            const double yk = mean(k);
                            const double tolerance = params.ghostThresholdStops +
                                                     noiseStops(params.response, codeOf(a, 1)) +
                                                     noiseStops(params.response, codeOf(k, 1));
                            const double diff = yk > 0.0 ? std::fabs(std::log2(yk / ya)) : kMaxNoiseStops;
                            use[k] = diff <= tolerance;
                        }
                    }
                    break;
                }
            }
            const std::size_t fallback = brightest(std::size_t(reference)) >= 0.5f ? shortest : longest;
            for (int c = 0; c < 3; ++c) {
                double num = 0.0, den = 0.0;
                for (std::size_t k = 0; k < n; ++k) {
                    const double wk = use[k] ? weightOf(params.weighting, codeOf(k, c)) : 0.0;
                    num += wk * radiance(k, c);
                    den += wk;
                }
                out.pixel(x, y)[c] = float(den > kMinWeightSum ? num / den : radiance(fallback, c));
            }
        }
    }
    return out;
}

} // namespace hdr::core
