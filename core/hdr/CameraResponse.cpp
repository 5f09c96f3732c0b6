#include "hdr/CameraResponse.h"

#include "common/Parallel.h"
#include "image/TransferFunction.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hdr::core {
namespace {

constexpr int kCodes = 256;
constexpr int kMiddleCode = 128;
constexpr float kGridScale = float(kResponseTableSize - 1); // grid entries per unit of v

int codeOf(float v)
{
    const float c = v * 255.0f + 0.5f;
    return c > 0.0f ? (c < 255.0f ? int(c) : 255) : 0; // NaN -> 0
}

// OpenCV's triangle for Debevec calibration, in code units (1 .. 128).
double debevecCodeWeight(int z)
{
    return z < kMiddleCode ? z + 1.0 : double(kCodes - z);
}

Status checkBracket(std::span<const ImageF> images, std::span<const double> exposure, const char* what)
{
    if (images.size() < 2) {
        return fail(ErrorCode::InvalidArgument,
                    std::string(what) + " needs at least two images (got " + std::to_string(images.size()) +
                        ")");
    }
    if (exposure.size() != images.size()) {
        return fail(ErrorCode::InvalidArgument,
                    std::string(what) + ": " + std::to_string(exposure.size()) + " exposures for " +
                        std::to_string(images.size()) + " images");
    }
    for (std::size_t k = 0; k < images.size(); ++k) {
        if (images[k].width() != images[0].width() || images[k].height() != images[0].height() ||
            images[k].channels() < 3) {
            return fail(ErrorCode::InvalidArgument,
                        std::string(what) + ": image " + std::to_string(k + 1) +
                            " differs in size from the first (or has fewer than 3 channels)");
        }
        if (!(exposure[k] > 0.0) || !std::isfinite(exposure[k])) {
            return fail(ErrorCode::InvalidArgument,
                        std::string(what) + ": exposure " + std::to_string(k + 1) +
                            " must be a positive finite factor");
        }
    }
    return {};
}

// Expands 256 per-code values to the fine grid (linear between codes), fixes the scale so the
// middle code maps to its sRGB value and makes the curve non-decreasing.
std::vector<float> toGrid(std::vector<double> perCode)
{
    for (int z = 1; z < kCodes; ++z) {
        perCode[std::size_t(z)] = std::max(perCode[std::size_t(z)], perCode[std::size_t(z - 1)]);
    }
    const double middle = perCode[kMiddleCode];
    const double scale = middle > 0.0 ? srgbDecode(float(kMiddleCode) / 255.0f) / middle : 1.0;
    std::vector<float> grid(kResponseTableSize);
    for (int i = 0; i < kResponseTableSize; ++i) {
        const int z = std::min(i / 16, kCodes - 2);
        const double t = double(i - z * 16) / 16.0;
        grid[std::size_t(i)] =
            float(scale * (perCode[std::size_t(z)] * (1.0 - t) + perCode[std::size_t(z + 1)] * t));
    }
    return grid;
}

} // namespace

const char* nameOf(ResponseModel m)
{
    switch (m) {
    case ResponseModel::Srgb: return "srgb";
    case ResponseModel::Gamma: return "gamma";
    case ResponseModel::Linear: return "linear";
    case ResponseModel::Debevec: return "debevec";
    case ResponseModel::Robertson: return "robertson";
    }
    return "?";
}

const char* nameOf(MergeWeighting w)
{
    switch (w) {
    case MergeWeighting::Hat: return "hat";
    case MergeWeighting::Gaussian: return "gaussian";
    case MergeWeighting::Debevec: return "debevec";
    }
    return "?";
}

std::optional<MergeWeighting> mergeWeightingFromString(const std::string& name)
{
    for (auto w : {MergeWeighting::Hat, MergeWeighting::Gaussian, MergeWeighting::Debevec}) {
        if (name == nameOf(w)) {
            return w;
        }
    }
    if (name == "triangle" || name == "triangular") {
        return MergeWeighting::Hat;
    }
    return std::nullopt;
}

float CameraResponse::toLinear(int channel, float v) const
{
    const float x = std::clamp(v, 0.0f, 1.0f) * kGridScale; // NaN -> clamp keeps NaN; guarded below
    const int i = x >= 0.0f ? std::min(int(x), kResponseTableSize - 2) : 0;
    const float t = std::clamp(x - float(i), 0.0f, 1.0f);
    const auto& table = inverse[std::size_t(channel)];
    return table[std::size_t(i)] + (table[std::size_t(i + 1)] - table[std::size_t(i)]) * t;
}

CameraResponse analyticResponse(ResponseModel model, float gamma)
{
    CameraResponse r;
    r.model = model;
    std::vector<float> table(kResponseTableSize);
    for (int i = 0; i < kResponseTableSize; ++i) {
        const float v = float(i) / kGridScale;
        table[std::size_t(i)] = model == ResponseModel::Gamma    ? std::pow(v, gamma)
                                : model == ResponseModel::Linear ? v
                                                                 : srgbDecode(v);
    }
    r.inverse = {table, table, table};
    return r;
}

float weightOf(MergeWeighting weighting, float v)
{
    v = std::clamp(v, 0.0f, 1.0f);
    switch (weighting) {
    case MergeWeighting::Hat: return 1.0f - std::fabs(2.0f * v - 1.0f);
    case MergeWeighting::Gaussian: {
        const double edge = std::exp(-0.25 / 0.08);
        return float((std::exp(-double(v - 0.5f) * double(v - 0.5f) / 0.08) - edge) / (1.0 - edge));
    }
    case MergeWeighting::Debevec: {
        const float z = v * 255.0f;
        return z < 128.0f ? (z + 1.0f) / 128.0f : (256.0f - z) / 128.0f;
    }
    }
    return 0.0f;
}

std::vector<float> weightTable(MergeWeighting weighting)
{
    std::vector<float> table(kResponseTableSize);
    for (int i = 0; i < kResponseTableSize; ++i) {
        table[std::size_t(i)] = weightOf(weighting, float(i) / kGridScale);
    }
    return table;
}

Status DebevecParams::validate() const
{
    if (samples < 2 || samples > 100000) {
        return fail(ErrorCode::InvalidArgument, "Debevec samples must be 2..100000");
    }
    if (!(lambda >= 0.0f) || !std::isfinite(lambda)) {
        return fail(ErrorCode::InvalidArgument, "Debevec smoothness lambda must be >= 0");
    }
    return {};
}

Status RobertsonParams::validate() const
{
    if (maxIterations < 1 || maxIterations > 1000) {
        return fail(ErrorCode::InvalidArgument, "Robertson iterations must be 1..1000");
    }
    if (!(threshold >= 0.0f) || !std::isfinite(threshold)) {
        return fail(ErrorCode::InvalidArgument, "Robertson threshold must be >= 0");
    }
    return {};
}

Result<std::vector<double>> solveLeastSquares(std::vector<double> a, std::vector<double> b, int m, int n)
{
    if (m < n || n < 1 || a.size() != std::size_t(m) * std::size_t(n) || b.size() != std::size_t(m)) {
        return fail(ErrorCode::InvalidArgument, "least squares: bad system dimensions");
    }
    auto at = [&](int r, int c) -> double& { return a[std::size_t(r) * std::size_t(n) + std::size_t(c)]; };
    // Householder QR, applying each reflection to the remaining columns and to b as we go.
    std::vector<double> v(static_cast<std::size_t>(m));
    for (int k = 0; k < n; ++k) {
        double norm = 0.0;
        for (int r = k; r < m; ++r) {
            norm += at(r, k) * at(r, k);
        }
        norm = std::sqrt(norm);
        if (norm < 1e-300) {
            return fail(ErrorCode::InvalidArgument, "least squares: the system is rank-deficient");
        }
        const double alpha = at(k, k) > 0.0 ? -norm : norm;
        double vnorm2 = 0.0;
        for (int r = k; r < m; ++r) {
            v[std::size_t(r)] = at(r, k) - (r == k ? alpha : 0.0);
            vnorm2 += v[std::size_t(r)] * v[std::size_t(r)];
        }
        if (vnorm2 > 0.0) {
            for (int c = k; c < n; ++c) {
                double dot = 0.0;
                for (int r = k; r < m; ++r) {
                    dot += v[std::size_t(r)] * at(r, c);
                }
                const double f = 2.0 * dot / vnorm2;
                for (int r = k; r < m; ++r) {
                    at(r, c) -= f * v[std::size_t(r)];
                }
            }
            double dot = 0.0;
            for (int r = k; r < m; ++r) {
                dot += v[std::size_t(r)] * b[std::size_t(r)];
            }
            const double f = 2.0 * dot / vnorm2;
            for (int r = k; r < m; ++r) {
                b[std::size_t(r)] -= f * v[std::size_t(r)];
            }
        }
    }
    // Back substitution R x = Qᵀ b (top n rows).
    std::vector<double> x(static_cast<std::size_t>(n));
    const double tiny = 1e-12 * std::fabs(at(0, 0));
    for (int k = n - 1; k >= 0; --k) {
        if (std::fabs(at(k, k)) <= tiny) {
            return fail(ErrorCode::InvalidArgument, "least squares: the system is rank-deficient");
        }
        double s = b[std::size_t(k)];
        for (int c = k + 1; c < n; ++c) {
            s -= at(k, c) * x[std::size_t(c)];
        }
        x[std::size_t(k)] = s / at(k, k);
    }
    return x;
}

Result<CameraResponse> calibrateDebevec(std::span<const ImageF> images,
                                        std::span<const double> exposure,
                                        const DebevecParams& params,
                                        JobContext& ctx)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkBracket(images, exposure, "Debevec calibration"); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&]() -> CameraResponse {
        const int w = images[0].width(), h = images[0].height();
        // OpenCV's regular grid: x_points = sqrt(samples · w / h), y_points = samples / x_points.
        const int xPoints = std::clamp(int(std::sqrt(double(params.samples) * w / h)), 1, w);
        const int yPoints = std::clamp(params.samples / xPoints, 1, h);
        const int stepX = std::max(1, w / xPoints), stepY = std::max(1, h / yPoints);
        std::vector<std::pair<int, int>> points;
        for (int i = 0, x = stepX / 2; i < xPoints && x < w; ++i, x += stepX) {
            for (int j = 0, y = stepY / 2; j < yPoints && y < h; ++j, y += stepY) {
                points.emplace_back(x, y);
            }
        }
        const int samples = int(points.size());
        const int imageCount = int(images.size());
        const int n = kCodes + samples;
        const int m = samples * imageCount + 1 + (kCodes - 2);
        CameraResponse response;
        response.model = ResponseModel::Debevec;
        for (int c = 0; c < 3; ++c) {
            throwIfCancelled(ctx);
            ctx.setProgress(double(c) / 3.0, "Calibrating response (Debevec)");
            std::vector<double> a(std::size_t(m) * std::size_t(n), 0.0), b(std::size_t(m), 0.0);
            int row = 0;
            auto put = [&](int r, int col, double value) {
                a[std::size_t(r) * std::size_t(n) + std::size_t(col)] = value;
            };
            for (int s = 0; s < samples; ++s) {
                for (int k = 0; k < imageCount; ++k, ++row) {
                    const int z = codeOf(images[std::size_t(k)].pixel(points[std::size_t(s)].first,
                                                                      points[std::size_t(s)].second)[c]);
                    const double wz = debevecCodeWeight(z);
                    put(row, z, wz);
                    put(row, kCodes + s, -wz);
                    b[std::size_t(row)] = wz * std::log(exposure[std::size_t(k)]);
                }
            }
            put(row++, kMiddleCode, 1.0); // fixes the curve's scale: g(128) = 0
            for (int z = 1; z < kCodes - 1; ++z, ++row) {
                const double wz = params.lambda * debevecCodeWeight(z);
                put(row, z - 1, wz);
                put(row, z, -2.0 * wz);
                put(row, z + 1, wz);
            }
            auto x = solveLeastSquares(std::move(a), std::move(b), m, n);
            if (!x) {
                throwError(ErrorCode::InvalidArgument,
                           "Debevec calibration failed: the sampled pixels do not constrain the curve; "
                           "try more samples or a fixed response (srgb)");
            }
            std::vector<double> perCode(kCodes);
            for (int z = 0; z < kCodes; ++z) {
                perCode[std::size_t(z)] = std::exp((*x)[std::size_t(z)]);
            }
            response.inverse[std::size_t(c)] = toGrid(std::move(perCode));
        }
        return response;
    });
}

Result<CameraResponse> calibrateRobertson(std::span<const ImageF> images,
                                          std::span<const double> exposure,
                                          const RobertsonParams& params,
                                          JobContext& ctx)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = checkBracket(images, exposure, "Robertson calibration"); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&]() -> CameraResponse {
        // Codes of a regular subsample of at most ~1M pixels (all pixels of smaller images).
        const std::int64_t total = images[0].pixelCount();
        const std::int64_t stride = std::max<std::int64_t>(1, total / (1 << 20));
        const std::size_t count = std::size_t((total + stride - 1) / stride);
        const std::size_t nImages = images.size();
        std::vector<std::uint8_t> codes(count * nImages * 3);
        for (std::size_t k = 0; k < nImages; ++k) {
            const float* px = images[k].data();
            const int ch = images[k].channels();
            for (std::size_t p = 0; p < count; ++p) {
                for (int c = 0; c < 3; ++c) {
                    codes[(p * nImages + k) * 3 + std::size_t(c)] = std::uint8_t(
                        codeOf(px[std::size_t(std::int64_t(p) * stride) * std::size_t(ch) + std::size_t(c)]));
                }
            }
        }
        // Robertson's weights: a Gaussian bump over the code range, 0 at both ends.
        std::array<double, kCodes> weight{};
        const double e4 = std::exp(4.0);
        for (int z = 0; z < kCodes; ++z) {
            const double u = z / ((kCodes - 1) / 4.0) - 2.0;
            weight[std::size_t(z)] = (e4 * std::exp(-u * u) - 1.0) / (e4 - 1.0);
        }
        std::array<std::array<double, kCodes>, 3> g{};
        std::array<std::array<double, kCodes>, 3> cardinality{};
        // OpenCV starts from a linear curve; the iteration then converges very slowly (measured on a
        // gamma-2.2 ramp: still 0.8 stops off at code 16 after 200 iterations). Most cameras are
        // near sRGB, so we start there; the data then pull the curve to the camera's own.
        const double srgbMiddle = srgbDecode(float(kMiddleCode) / 255.0f);
        for (int c = 0; c < 3; ++c) {
            for (int z = 0; z < kCodes; ++z) {
                g[std::size_t(c)][std::size_t(z)] = srgbDecode(float(z) / 255.0f) / srgbMiddle;
            }
        }
        for (std::size_t i = 0; i < codes.size(); ++i) {
            cardinality[i % 3][codes[i]] += 1.0;
        }
        std::vector<double> radiance(count * 3);
        for (int iter = 0; iter < params.maxIterations; ++iter) {
            throwIfCancelled(ctx);
            ctx.setProgress(double(iter) / params.maxIterations, "Calibrating response (Robertson)");
            // Radiance X_i = Σ_j w t_j g(z_ij) / Σ_j w t_j² (Robertson's maximum-likelihood merge).
            parallelFor(count, 1 << 14, [&](std::size_t b0, std::size_t b1) {
                for (std::size_t p = b0; p < b1; ++p) {
                    for (std::size_t c = 0; c < 3; ++c) {
                        double num = 0.0, den = 0.0;
                        for (std::size_t k = 0; k < nImages; ++k) {
                            const int z = codes[(p * nImages + k) * 3 + c];
                            const double wt = weight[std::size_t(z)] * exposure[k];
                            num += wt * g[c][std::size_t(z)];
                            den += wt * exposure[k];
                        }
                        radiance[p * 3 + c] = den > 0.0 ? num / den : 0.0;
                    }
                }
            });
            // g(z) = mean over samples with code z of t_j · X_i.
            std::array<std::array<double, kCodes>, 3> next{};
            for (std::size_t p = 0; p < count; ++p) {
                for (std::size_t k = 0; k < nImages; ++k) {
                    for (std::size_t c = 0; c < 3; ++c) {
                        next[c][codes[(p * nImages + k) * 3 + c]] += exposure[k] * radiance[p * 3 + c];
                    }
                }
            }
            double change = 0.0;
            for (std::size_t c = 0; c < 3; ++c) {
                // Codes that never occur keep the previous curve's value (OpenCV would divide by 0).
                for (std::size_t z = 0; z < kCodes; ++z) {
                    next[c][z] = cardinality[c][z] > 0.0 ? next[c][z] / cardinality[c][z] : g[c][z];
                }
                const double middle = next[c][kMiddleCode] > 0.0 ? next[c][kMiddleCode] : 1.0;
                for (std::size_t z = 0; z < kCodes; ++z) {
                    next[c][z] /= middle;
                    change += std::fabs(next[c][z] - g[c][z]);
                }
            }
            g = next;
            if (change / 3.0 < params.threshold) {
                break;
            }
        }
        CameraResponse response;
        response.model = ResponseModel::Robertson;
        for (std::size_t c = 0; c < 3; ++c) {
            response.inverse[c] = toGrid(std::vector<double>(g[c].begin(), g[c].end()));
        }
        return response;
    });
}

} // namespace hdr::core
