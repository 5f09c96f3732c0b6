// Fast path of Mertens exposure fusion (equations in ExposureFusion.h). Layout of the work:
//   1. weights: one pass over row bands computes W_k of every image for the band (luma rows once
//      per band and image) and normalises the band at once, while it is in cache: Ŵ_k = W_k / Σ W_j
//   2. per image k: Gaussian pyramids of the image (levels >= 1, planar; level 1 straight from the
//      interleaved input, kept for step 4) and of Ŵ_k (levels >= 1); each level l >= 1 is blended
//      in one fused pass per row for the three channels, R_l += (G_l − up(G_{l+1})) · Ŵ_l, so no
//      Laplacian level is ever stored
//   3. collapse R top-down to level 1: R_l += up(R_{l+1})
//   4. level 0 in one pass that writes the interleaved output once:
//      out = Σ_k (I_k − up(G_1,k)) · Ŵ_k + up(R_1)
// Float32, contiguous inner loops (channel counts are template parameters so strided loads
// vectorise), no allocation inside pixel loops. Planes of a few MB and up come from
// common/LargeBuffer.h: page faults on fresh memory cost more than the arithmetic here.
#include "hdr/ExposureFusion.h"

#include "common/Parallel.h"
#include "hdr/FastMath.h"
#include "hdr/LaplacianPyramid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace hdr::core {
namespace {

constexpr std::size_t kRowGrain = 16;
constexpr float kWeightEpsilon = 1e-12f; // OpenCV's, keeps Σ W > 0

using ColourPlanes = std::array<Plane, 3>;

Status validateInputs(std::span<const ImageF> images)
{
    if (images.empty()) {
        return fail(ErrorCode::InvalidArgument, "exposure fusion needs at least one image");
    }
    const ImageF& first = images.front();
    if (first.empty()) {
        return fail(ErrorCode::InvalidArgument, "image 1 of the bracket is empty");
    }
    for (std::size_t i = 1; i < images.size(); ++i) {
        if (images[i].width() != first.width() || images[i].height() != first.height()) {
            return fail(ErrorCode::InvalidArgument,
                        "image " + std::to_string(i + 1) + " is " + std::to_string(images[i].width()) +
                            " x " + std::to_string(images[i].height()) + " but image 1 is " +
                            std::to_string(first.width()) + " x " + std::to_string(first.height()) +
                            "; all images of a bracket must have the same size");
        }
    }
    return {};
}

inline float powTerm(float x, float w)
{
    return w == 0.0f ? 1.0f : (w == 1.0f ? x : std::pow(x, w));
}

// Row scratch of the weight pass: the current row de-interleaved, a ring of three luma rows (the
// Laplacian's window), saturation and exposedness of the last two rows, and the contrast row.
struct WeightScratch {
    std::vector<float> storage;
    std::size_t width;
    explicit WeightScratch(int w)
        : storage(std::size_t(w) * 11)
        , width(std::size_t(w))
    {
    }
    float* red() { return storage.data(); }
    float* green() { return storage.data() + width; }
    float* blue() { return storage.data() + 2 * width; }
    float* luma(int row) { return storage.data() + (3 + std::size_t(row % 3)) * width; }
    float* saturation(int y) { return storage.data() + (6 + std::size_t(y & 1)) * width; }
    float* exposedness(int y) { return storage.data() + (8 + std::size_t(y & 1)) * width; }
    float* contrast() { return storage.data() + 10 * width; }
};

// W for rows [y0, y1) of one image into out (row-major, full image width; row y at out + y·w).
// Streams over rows y0-1 .. y1 (reflected at the image edges): each source row is de-interleaved
// once (planar loops vectorise with full-width vectors; stride-3 ones do not), its luma joins the
// ring, and the row above it, whose 3x3 window is now complete, gets its weight.
template <int Channels>
void weightRows(const ImageF& img, const MertensParams& p, float* out, int y0, int y1, WeightScratch& scratch)
{
    const int w = img.width(), h = img.height();
    const float exposureScale = -p.exposednessWeight / (2.0f * p.exposednessSigma * p.exposednessSigma);
    const bool paperWeights = p.contrastWeight == 1.0f && p.saturationWeight == 1.0f;
    for (int y = y0 - 1; y <= y1; ++y) {
        const int ring = y - y0 + 1;
        float* __restrict red = scratch.red();
        float* __restrict green = scratch.green();
        float* __restrict blue = scratch.blue();
        const float* __restrict src = img.row(reflect101(y, h));
        for (int x = 0; x < w; ++x) {
            red[x] = src[std::size_t(x) * Channels];
            green[x] = src[std::size_t(x) * Channels + 1];
            blue[x] = src[std::size_t(x) * Channels + 2];
        }
        float* __restrict luma = scratch.luma(ring);
        for (int x = 0; x < w; ++x) {
            luma[x] = 0.299f * red[x] + 0.587f * green[x] + 0.114f * blue[x];
        }
        if (y >= y0 && y < y1) {
            float* __restrict s = scratch.saturation(y);
            float* __restrict e = scratch.exposedness(y);
            for (int x = 0; x < w; ++x) {
                const float r = red[x], g = green[x], b = blue[x];
                const float mean = (r + g + b) / 3.0f; // as the reference: grey must give exactly 0
                s[x] = std::sqrt((r - mean) * (r - mean) + (g - mean) * (g - mean) + (b - mean) * (b - mean));
                const float dr = r - 0.5f, dg = g - 0.5f, db = b - 0.5f;
                e[x] = fastmath::exp(exposureScale * (dr * dr + dg * dg + db * db));
            }
        }
        const int centre = y - 1;
        if (centre < y0) {
            continue;
        }
        const float* __restrict gm = scratch.luma(ring - 2);
        const float* __restrict g0 = scratch.luma(ring - 1);
        const float* __restrict gp = luma;
        float* __restrict c = scratch.contrast();
        for (int x = 1; x < w - 1; ++x) {
            c[x] = std::fabs(g0[x - 1] + g0[x + 1] + gm[x] + gp[x] - 4.0f * g0[x]);
        }
        for (int x : {0, w - 1}) {
            c[x] =
                std::fabs(g0[reflect101(x - 1, w)] + g0[reflect101(x + 1, w)] + gm[x] + gp[x] - 4.0f * g0[x]);
        }
        const float* __restrict s = scratch.saturation(centre);
        const float* __restrict e = scratch.exposedness(centre);
        float* __restrict o = out + std::size_t(centre) * std::size_t(w);
        if (paperWeights) {
            for (int x = 0; x < w; ++x) {
                o[x] = c[x] * s[x] * e[x] + kWeightEpsilon;
            }
        } else {
            for (int x = 0; x < w; ++x) {
                o[x] = powTerm(c[x], p.contrastWeight) * powTerm(s[x], p.saturationWeight) * e[x] +
                       kWeightEpsilon;
            }
        }
    }
}

void weightBand(const ImageF& img, const MertensParams& p, float* out, int y0, int y1, WeightScratch& scratch)
{
    if (img.channels() == 4) {
        weightRows<4>(img, p, out, y0, y1, scratch);
    } else {
        weightRows<3>(img, p, out, y0, y1, scratch);
    }
}

// Step 1: Ŵ_k for every image, normalised band by band.
std::vector<Plane> normalisedWeights(std::span<const ImageF> images, const MertensParams& params)
{
    const int w = images[0].width(), h = images[0].height();
    std::vector<Plane> weights(images.size());
    for (Plane& p : weights) {
        p.resize(w, h);
    }
    parallelFor(std::size_t(h), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        WeightScratch scratch(w);
        for (std::size_t k = 0; k < images.size(); ++k) {
            weightBand(images[k], params, weights[k].pixels.data(), int(y0), int(y1), scratch);
        }
        float* __restrict inverse = scratch.contrast(); // 1 / Σ W, a row at a time
        for (std::size_t y = y0; y < y1; ++y) {
            const std::size_t begin = y * std::size_t(w);
            std::fill(inverse, inverse + w, 0.0f);
            for (const Plane& wk : weights) {
                const float* __restrict p = wk.pixels.data() + begin;
                for (int x = 0; x < w; ++x) {
                    inverse[x] += p[x];
                }
            }
            for (int x = 0; x < w; ++x) {
                inverse[x] = 1.0f / inverse[x];
            }
            for (Plane& wk : weights) {
                float* __restrict p = wk.pixels.data() + begin;
                for (int x = 0; x < w; ++x) {
                    p[x] *= inverse[x];
                }
            }
        }
    });
    return weights;
}

void resizePlanes(ColourPlanes& planes, int w, int h)
{
    for (Plane& p : planes) {
        if (p.width != w || p.height != h) {
            p.resize(w, h);
        }
    }
}

// Level l >= 1, three channels: result += (G − up(coarse)) · weight; coarse == nullptr at the top.
void blendLevel(const ColourPlanes& g, const ColourPlanes* coarse, const Plane& weight, ColourPlanes& result)
{
    const int w = g[0].width;
    parallelFor(std::size_t(g[0].height), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> vertical(coarse ? std::size_t((*coarse)[0].width) : 0), up(std::size_t(w), 0.0f);
        for (int y = int(y0); y < int(y1); ++y) {
            const float* __restrict wr = weight.row(y);
            for (int c = 0; c < 3; ++c) {
                if (coarse) {
                    verticalUpRow((*coarse)[c], y, vertical.data());
                    horizontalUpRow(vertical.data(), (*coarse)[c].width, w, up.data());
                }
                const float* __restrict gr = g[c].row(y);
                const float* __restrict u = up.data();
                float* __restrict r = result[c].row(y);
                for (int x = 0; x < w; ++x) {
                    r[x] += (gr[x] - u[x]) * wr[x];
                }
            }
        }
    });
}

// acc_c += (I_c − up_c) · weight over one row of an interleaved image (up == nullptr: no coarse
// level, i.e. a one-level "pyramid").
template <int Channels>
void accumulateBaseRow(const float* __restrict in,
                       const float* __restrict up,
                       const float* __restrict weight,
                       int w,
                       float* __restrict acc)
{
    const auto width = static_cast<std::size_t>(w);
    float* __restrict a0 = acc;
    float* __restrict a1 = acc + width;
    float* __restrict a2 = acc + 2 * width;
    if (up) {
        const float* __restrict u0 = up;
        const float* __restrict u1 = up + width;
        const float* __restrict u2 = up + 2 * width;
        for (int x = 0; x < w; ++x) {
            const float* q = in + std::size_t(x) * Channels;
            const float wx = weight[x];
            a0[x] += (q[0] - u0[x]) * wx;
            a1[x] += (q[1] - u1[x]) * wx;
            a2[x] += (q[2] - u2[x]) * wx;
        }
    } else {
        for (int x = 0; x < w; ++x) {
            const float* q = in + std::size_t(x) * Channels;
            const float wx = weight[x];
            a0[x] += q[0] * wx;
            a1[x] += q[1] * wx;
            a2[x] += q[2] * wx;
        }
    }
}

// Step 4: out = Σ_k (I_k − up(G_1,k)) · Ŵ_k + up(R_1), one pass over the output rows.
// levelOne[k] is G_1 of image k and collapsed is R_1 (both empty for a one-level pyramid).
void blendBase(std::span<const ImageF> images,
               const std::vector<ColourPlanes>& levelOne,
               const std::vector<Plane>& weights,
               const ColourPlanes* collapsed,
               ImageF& out)
{
    const int w = out.width();
    const auto width = static_cast<std::size_t>(w);
    parallelFor(std::size_t(out.height()), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        const std::size_t coarseWidth = collapsed ? std::size_t((*collapsed)[0].width) : 0;
        std::vector<float> vertical(coarseWidth), up(3 * width), acc(3 * width);
        auto upsampleRow = [&](const ColourPlanes& coarse, int y) {
            for (int c = 0; c < 3; ++c) {
                verticalUpRow(coarse[c], y, vertical.data());
                horizontalUpRow(vertical.data(), coarse[c].width, w, up.data() + std::size_t(c) * width);
            }
        };
        for (int y = int(y0); y < int(y1); ++y) {
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (std::size_t k = 0; k < images.size(); ++k) {
                if (collapsed) {
                    upsampleRow(levelOne[k], y);
                }
                const float* u = collapsed ? up.data() : nullptr;
                if (images[k].channels() == 4) {
                    accumulateBaseRow<4>(images[k].row(y), u, weights[k].row(y), w, acc.data());
                } else {
                    accumulateBaseRow<3>(images[k].row(y), u, weights[k].row(y), w, acc.data());
                }
            }
            if (collapsed) {
                upsampleRow(*collapsed, y);
            } else {
                std::fill(up.begin(), up.end(), 0.0f);
            }
            const float* __restrict a = acc.data();
            const float* __restrict u = up.data();
            float* __restrict o = out.row(y);
            for (int x = 0; x < w; ++x) {
                o[3 * x] = a[x] + u[x];
                o[3 * x + 1] = a[width + std::size_t(x)] + u[width + std::size_t(x)];
                o[3 * x + 2] = a[2 * width + std::size_t(x)] + u[2 * width + std::size_t(x)];
            }
        }
    });
}

} // namespace

Status MertensParams::validate() const
{
    auto bad = [](float v) { return !std::isfinite(v) || v < 0.0f; };
    if (bad(contrastWeight) || bad(saturationWeight) || bad(exposednessWeight)) {
        return fail(ErrorCode::InvalidArgument,
                    "fusion weights (contrast, saturation, exposedness) must be finite and >= 0");
    }
    if (!std::isfinite(exposednessSigma) || exposednessSigma <= 0.0f) {
        return fail(ErrorCode::InvalidArgument, "the exposedness sigma must be > 0 (the paper uses 0.2)");
    }
    if (levels < 0 || levels > 30) {
        return fail(ErrorCode::InvalidArgument, "pyramid levels must be 0 (automatic) or 1..30");
    }
    return {};
}

std::vector<float> mertensWeights(const ImageF& img, const MertensParams& params)
{
    std::vector<float> out(std::size_t(img.pixelCount()));
    parallelFor(std::size_t(img.height()), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        WeightScratch scratch(img.width());
        weightBand(img, params, out.data(), int(y0), int(y1), scratch);
    });
    return out;
}

Result<ImageF> fuseMertens(std::span<const ImageF> images, const MertensParams& params, JobContext& ctx)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = validateInputs(images); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, "exposure fusion", [&]() -> ImageF {
        const int w = images[0].width(), h = images[0].height();
        const int autoLevels = automaticPyramidLevels(w, h);
        const int levels = params.levels > 0 ? std::min(params.levels, autoLevels) : autoLevels;
        const auto levelCount = static_cast<std::size_t>(levels);
        const std::size_t n = images.size();
        const double steps = double(n) + 3.0;

        throwIfCancelled(ctx);
        ctx.setProgress(0.0, "Weighting");
        const std::vector<Plane> weights = normalisedWeights(images, params);

        // colour[l] / weightLevels[l] / result[l] for 2 <= l < levels (1 <= l for the latter two)
        // are reused for every image; level 1 of each image's colour pyramid stays in levelOne.
        std::vector<ColourPlanes> levelOne(levels > 1 ? n : 0);
        std::vector<ColourPlanes> colour(levelCount), result(levelCount);
        std::vector<Plane> weightLevels(levelCount);
        for (std::size_t l = 1; l < levelCount; ++l) {
            const Plane& finer = l == 1 ? weights[0] : result[l - 1][0];
            resizePlanes(result[l], coarserSize(finer.width), coarserSize(finer.height));
        }
        auto colourLevel = [&](std::size_t k, std::size_t l) -> ColourPlanes& {
            return l == 1 ? levelOne[k] : colour[l];
        };
        for (std::size_t k = 0; k < n && levels > 1; ++k) {
            throwIfCancelled(ctx);
            ctx.setProgress((1.0 + double(k)) / steps, "Blending");
            const ImageF& img = images[k];
            pyrDownInterleaved(img.data(), w, h, img.channels(), levelOne[k].data());
            pyrDown(weights[k], weightLevels[1]);
            for (std::size_t l = 2; l < levelCount; ++l) {
                pyrDownPlanes(colourLevel(k, l - 1).data(), colour[l].data(), 3);
                pyrDown(weightLevels[l - 1], weightLevels[l]);
            }
            for (std::size_t l = 1; l < levelCount; ++l) {
                const ColourPlanes* coarse = l + 1 < levelCount ? &colour[l + 1] : nullptr;
                blendLevel(colourLevel(k, l), coarse, weightLevels[l], result[l]);
            }
        }
        throwIfCancelled(ctx);
        ctx.setProgress((1.0 + double(n)) / steps, "Collapsing");
        for (std::size_t l = levelCount - 1; l >= 2 && levels > 2; --l) {
            pyrUpAddPlanes(result[l].data(), result[l - 1].data(), 3);
        }
        throwIfCancelled(ctx);
        ctx.setProgress((2.0 + double(n)) / steps, "Blending full resolution");
        ImageF out(w, h, 3, images[0].colorSpace);
        blendBase(images, levelOne, weights, levels > 1 ? &result[1] : nullptr, out);
        out.metadata.attributes["hdrstudio:fusion"] =
            "mertens contrast=" + std::to_string(params.contrastWeight) +
            " saturation=" + std::to_string(params.saturationWeight) +
            " exposedness=" + std::to_string(params.exposednessWeight) + " levels=" + std::to_string(levels);
        ctx.setProgress(1.0, "Done");
        return out;
    });
}

} // namespace hdr::core
