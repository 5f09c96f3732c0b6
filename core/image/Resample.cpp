#include "image/Resample.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace hdr::core {
namespace {

// One output coordinate's taps along an axis.
struct Taps {
    std::vector<int> first;     // first source index per output index
    std::vector<int> count;     // taps per output index
    std::vector<float> weights; // count[i] weights per output index, concatenated
    std::vector<int> offset;    // start of each output index's weights
    std::vector<int> indices;   // source index per weight (borders resolved)
};

double sinc(double x)
{
    if (std::abs(x) < 1e-12) return 1.0;
    const double px = std::numbers::pi * x;
    return std::sin(px) / px;
}

int reflect101(int i, int n)
{
    if (n == 1) return 0;
    while (i < 0 || i >= n) {
        i = i < 0 ? -i : 2 * (n - 1) - i;
    }
    return i;
}

Taps lanczosTaps(int src, int dst, int lobes)
{
    Taps t;
    const double scale = double(src) / double(dst);
    const double support = lobes * std::max(1.0, scale); // widen when shrinking
    const double stretch = std::max(1.0, scale);
    for (int o = 0; o < dst; ++o) {
        const double centre = (o + 0.5) * scale - 0.5;
        const int lo = int(std::floor(centre - support)) + 1, hi = int(std::floor(centre + support));
        t.offset.push_back(int(t.weights.size()));
        double sum = 0.0;
        const std::size_t start = t.weights.size();
        for (int i = lo; i <= hi; ++i) {
            const double x = (double(i) - centre) / stretch;
            const double w = std::abs(x) < lobes ? sinc(x) * sinc(x / lobes) : 0.0;
            t.weights.push_back(float(w));
            t.indices.push_back(std::clamp(i, 0, src - 1)); // edge pixels extend (PIL)
            sum += w;
        }
        for (std::size_t k = start; k < t.weights.size(); ++k) {
            t.weights[k] = float(t.weights[k] / sum);
        }
        t.count.push_back(hi - lo + 1);
    }
    return t;
}

// cv::interpolateLanczos4: 8 taps at sx-3 .. sx+4, fx = the fractional offset, never widened.
Taps lanczos4OpenCvTaps(int src, int dst)
{
    Taps t;
    const double scale = double(src) / double(dst);
    constexpr double s45 = 0.70710678118654752440084436210485;
    constexpr double cs[8][2] = {
        {1, 0}, {-s45, -s45}, {0, 1}, {s45, -s45}, {-1, 0}, {s45, s45}, {0, -1}, {-s45, s45}};
    for (int o = 0; o < dst; ++o) {
        float fx = float((o + 0.5) * scale - 0.5); // OpenCV computes in double, keeps a float
        const int sx = int(std::floor(fx));
        fx -= float(sx);
        t.offset.push_back(int(t.weights.size()));
        float coeffs[8];
        if (fx < 1.19209290e-7f) {
            std::fill(coeffs, coeffs + 8, 0.0f);
            coeffs[3] = 1.0f;
        } else {
            float sum = 0.0f;
            const double y0 = -(fx + 3) * std::numbers::pi * 0.25, s0 = std::sin(y0), c0 = std::cos(y0);
            for (int i = 0; i < 8; ++i) {
                const double y = -(fx + 3 - i) * std::numbers::pi * 0.25;
                coeffs[i] = float((cs[i][0] * s0 + cs[i][1] * c0) / (y * y));
                sum += coeffs[i];
            }
            for (float& c : coeffs)
                c *= 1.0f / sum;
        }
        for (int i = 0; i < 8; ++i) {
            t.weights.push_back(coeffs[i]);
            t.indices.push_back(reflect101(sx - 3 + i, src));
        }
        t.count.push_back(8);
    }
    return t;
}

ImageF apply(const ImageF& in, int width, int height, const Taps& tx, const Taps& ty)
{
    const int ch = in.channels();
    ImageF rows(width, in.height(), ch, in.colorSpace);
    parallelFor(std::size_t(in.height()), 8, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            const float* src = in.row(int(y));
            float* dst = rows.row(int(y));
            for (int x = 0; x < width; ++x) {
                for (int c = 0; c < ch; ++c) {
                    double acc = 0.0;
                    for (int k = 0; k < tx.count[x]; ++k) {
                        const int i = tx.offset[x] + k;
                        acc += double(tx.weights[i]) * src[tx.indices[i] * ch + c];
                    }
                    dst[x * ch + c] = float(acc);
                }
            }
        }
    });
    ImageF out(width, height, ch, in.colorSpace);
    out.metadata = in.metadata;
    parallelFor(std::size_t(height), 8, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            float* dst = out.row(int(y));
            for (int x = 0; x < width * ch; ++x) {
                double acc = 0.0;
                for (int k = 0; k < ty.count[y]; ++k) {
                    const int i = ty.offset[y] + k;
                    acc += double(ty.weights[i]) * rows.row(ty.indices[i])[x];
                }
                dst[x] = float(acc);
            }
        }
    });
    return out;
}

// OpenCV's INTER_RESIZE_COEF_BITS: coefficients as int16 scaled by 2^11.
constexpr int kCoefBits = 11;

Status checkSize(const ImageF& image, int width, int height)
{
    if (image.empty()) {
        return fail(ErrorCode::InvalidArgument, "cannot resize an empty image");
    }
    if (width < 1 || height < 1 || width > 65536 || height > 65536 ||
        std::int64_t(width) * height > (1ll << 31)) {
        return fail(ErrorCode::InvalidArgument,
                    "the target size " + std::to_string(width) + "x" + std::to_string(height) +
                        " is out of range");
    }
    return {};
}

} // namespace

Result<ImageF> resizeLanczos(const ImageF& image, int width, int height, int lobes)
{
    if (auto ok = checkSize(image, width, height); !ok) return tl::unexpected(ok.error());
    if (lobes < 1 || lobes > 8) return fail(ErrorCode::InvalidArgument, "Lanczos lobes must be 1..8");
    return guarded(ErrorCode::LimitExceeded, {}, [&] {
        return apply(image,
                     width,
                     height,
                     lanczosTaps(image.width(), width, lobes),
                     lanczosTaps(image.height(), height, lobes));
    });
}

Result<ImageF> resizeLanczos4OpenCv(const ImageF& image, int width, int height)
{
    if (auto ok = checkSize(image, width, height); !ok) return tl::unexpected(ok.error());
    return guarded(ErrorCode::LimitExceeded, {}, [&] {
        return apply(image,
                     width,
                     height,
                     lanczos4OpenCvTaps(image.width(), width),
                     lanczos4OpenCvTaps(image.height(), height));
    });
}

std::vector<std::uint8_t>
resizeLanczos4OpenCv8(const std::vector<std::uint8_t>& in, int w, int h, int ch, int nw, int nh)
{
    const Taps tx = lanczos4OpenCvTaps(w, nw), ty = lanczos4OpenCvTaps(h, nh);
    // saturate_cast<short>: round half to even.
    const auto fixed = [](float c) { return int(std::nearbyint(c * float(1 << kCoefBits))); };
    std::vector<int> rows(std::size_t(h) * nw * ch);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < nw; ++x) {
            for (int c = 0; c < ch; ++c) {
                int acc = 0;
                for (int k = 0; k < 8; ++k) {
                    const int i = tx.offset[x] + k;
                    acc += fixed(tx.weights[i]) * int(in[(std::size_t(y) * w + tx.indices[i]) * ch + c]);
                }
                rows[(std::size_t(y) * nw + x) * ch + c] = acc;
            }
        }
    }
    std::vector<std::uint8_t> out(std::size_t(nh) * nw * ch);
    constexpr int shift = 2 * kCoefBits;
    for (int y = 0; y < nh; ++y) {
        for (int x = 0; x < nw * ch; ++x) {
            long long acc = 0;
            for (int k = 0; k < 8; ++k) {
                const int i = ty.offset[y] + k;
                acc += (long long)fixed(ty.weights[i]) * rows[std::size_t(ty.indices[i]) * nw * ch + x];
            }
            const long long v = (acc + (1ll << (shift - 1))) >> shift;
            out[std::size_t(y) * nw * ch + x] = std::uint8_t(std::clamp(v, 0ll, 255ll));
        }
    }
    return out;
}

std::vector<std::uint16_t>
resizeLanczos4OpenCv16(const std::vector<std::uint16_t>& in, int w, int h, int ch, int nw, int nh)
{
    const Taps tx = lanczos4OpenCvTaps(w, nw), ty = lanczos4OpenCvTaps(h, nh);
    std::vector<float> rows(std::size_t(h) * nw * ch);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < nw; ++x) {
            for (int c = 0; c < ch; ++c) {
                float acc = 0.0f;
                for (int k = 0; k < 8; ++k) {
                    const int i = tx.offset[x] + k;
                    acc += tx.weights[i] * float(in[(std::size_t(y) * w + tx.indices[i]) * ch + c]);
                }
                rows[(std::size_t(y) * nw + x) * ch + c] = acc;
            }
        }
    }
    std::vector<std::uint16_t> out(std::size_t(nh) * nw * ch);
    for (int y = 0; y < nh; ++y) {
        for (int x = 0; x < nw * ch; ++x) {
            float acc = 0.0f;
            for (int k = 0; k < 8; ++k) {
                const int i = ty.offset[y] + k;
                acc += ty.weights[i] * rows[std::size_t(ty.indices[i]) * nw * ch + x];
            }
            out[std::size_t(y) * nw * ch + x] =
                std::uint16_t(std::clamp(std::nearbyint(acc), 0.0f, 65535.0f));
        }
    }
    return out;
}

} // namespace hdr::core
