// Fast path of Mertens exposure fusion (equations in ExposureFusion.h). Layout of the work:
//   1. weight maps W_k for every image (row bands in parallel, luma rows computed once per band)
//   2. per-pixel normalisation Ŵ_k = W_k / Σ W_j
//   3. per image: Gaussian pyramids of the image (levels ≥ 1, planar, level 1 straight from the
//      interleaved input) and of Ŵ_k; every level is blended in one fused pass
//      R_l += (G_l − up(G_{l+1})) · Ŵ_l, so Laplacian levels are never stored; level 0 is
//      accumulated straight into the interleaved output
//   4. collapse R top-down, level 0 again into the output
// Everything is float32 with contiguous inner loops; no allocation inside pixel loops.
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

void weightBand(const ImageF& img, const MertensParams& p, float* out, int y0, int y1)
{
    const int w = img.width(), h = img.height(), ch = img.channels();
    // Luma of rows y0-1 .. y1 (reflected at the image edges), computed once per band.
    const int rows = y1 - y0 + 2;
    std::vector<float> luma(std::size_t(rows) * std::size_t(w));
    const auto width = static_cast<std::size_t>(w);
    std::vector<float> contrast(width), sat(width), expo(width);
    for (int r = 0; r < rows; ++r) {
        const float* __restrict src = img.row(reflect101(y0 - 1 + r, h));
        float* __restrict g = luma.data() + std::size_t(r) * std::size_t(w);
        for (int x = 0; x < w; ++x) {
            const float* q = src + std::size_t(x) * std::size_t(ch);
            g[x] = 0.299f * q[0] + 0.587f * q[1] + 0.114f * q[2];
        }
    }
    const float exposureScale = -p.exposednessWeight / (2.0f * p.exposednessSigma * p.exposednessSigma);
    const bool paperWeights = p.contrastWeight == 1.0f && p.saturationWeight == 1.0f;
    for (int y = y0; y < y1; ++y) {
        const float* __restrict gm = luma.data() + std::size_t(y - y0) * std::size_t(w);
        const float* __restrict g0 = gm + w;
        const float* __restrict gp = g0 + w;
        float* __restrict c = contrast.data();
        for (int x = 1; x < w - 1; ++x) {
            c[x] = std::fabs(g0[x - 1] + g0[x + 1] + gm[x] + gp[x] - 4.0f * g0[x]);
        }
        for (int x : {0, w - 1}) {
            c[x] =
                std::fabs(g0[reflect101(x - 1, w)] + g0[reflect101(x + 1, w)] + gm[x] + gp[x] - 4.0f * g0[x]);
        }
        const float* __restrict src = img.row(y);
        float* __restrict s = sat.data();
        float* __restrict e = expo.data();
        for (int x = 0; x < w; ++x) {
            const float* q = src + std::size_t(x) * std::size_t(ch);
            const float r = q[0], g = q[1], b = q[2];
            const float mean = (r + g + b) / 3.0f; // as the reference: grey must give exactly 0
            s[x] = std::sqrt((r - mean) * (r - mean) + (g - mean) * (g - mean) + (b - mean) * (b - mean));
            const float dr = r - 0.5f, dg = g - 0.5f, db = b - 0.5f;
            e[x] = fastmath::exp(exposureScale * (dr * dr + dg * dg + db * db));
        }
        float* __restrict o = out + std::size_t(y) * std::size_t(w);
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

void normalizeWeights(std::vector<Plane>& weights)
{
    const std::size_t count = weights.front().pixels.size();
    parallelFor(count, 1 << 16, [&](std::size_t b, std::size_t e) {
        std::vector<float> sum(e - b, 0.0f);
        float* __restrict s = sum.data();
        for (const Plane& wk : weights) {
            const float* __restrict p = wk.pixels.data() + b;
            for (std::size_t i = 0; i < e - b; ++i) {
                s[i] += p[i];
            }
        }
        for (std::size_t i = 0; i < e - b; ++i) {
            s[i] = 1.0f / s[i];
        }
        for (Plane& wk : weights) {
            float* __restrict p = wk.pixels.data() + b;
            for (std::size_t i = 0; i < e - b; ++i) {
                p[i] *= s[i];
            }
        }
    });
}

// Level l ≥ 1: result += (G − up(coarse)) · weight; coarse == nullptr at the top level.
void blendLevel(const Plane& g, const Plane* coarse, const Plane& weight, Plane& result)
{
    parallelFor(std::size_t(g.height), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> vertical(coarse ? std::size_t(coarse->width) : 0), up(std::size_t(g.width), 0.0f);
        for (int y = int(y0); y < int(y1); ++y) {
            if (coarse) {
                verticalUpRow(*coarse, y, vertical.data());
                horizontalUpRow(vertical.data(), coarse->width, g.width, up.data());
            }
            const float* __restrict gr = g.row(y);
            const float* __restrict u = up.data();
            const float* __restrict wr = weight.row(y);
            float* __restrict r = result.row(y);
            for (int x = 0; x < g.width; ++x) {
                r[x] += (gr[x] - u[x]) * wr[x];
            }
        }
    });
}

// Level 0: out (interleaved RGB) += (I − up(coarse_c)) · weight, reading the interleaved input.
void blendBase(const ImageF& img, const std::array<Plane, 3>* coarse, const Plane& weight, ImageF& out)
{
    const int w = img.width(), ch = img.channels();
    parallelFor(std::size_t(img.height()), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        const std::size_t cw = coarse ? std::size_t((*coarse)[0].width) : 0;
        std::vector<float> vertical(cw), up(3 * std::size_t(w), 0.0f);
        for (int y = int(y0); y < int(y1); ++y) {
            if (coarse) {
                for (int c = 0; c < 3; ++c) {
                    verticalUpRow((*coarse)[c], y, vertical.data());
                    horizontalUpRow(vertical.data(), int(cw), w, up.data() + std::size_t(c) * std::size_t(w));
                }
            }
            const float* __restrict in = img.row(y);
            const float* __restrict wr = weight.row(y);
            const float* __restrict u0 = up.data();
            const float* __restrict u1 = u0 + w;
            const float* __restrict u2 = u1 + w;
            float* __restrict o = out.row(y);
            for (int x = 0; x < w; ++x) {
                const float* q = in + std::size_t(x) * std::size_t(ch);
                const float wx = wr[x];
                o[3 * x] += (q[0] - u0[x]) * wx;
                o[3 * x + 1] += (q[1] - u1[x]) * wx;
                o[3 * x + 2] += (q[2] - u2[x]) * wx;
            }
        }
    });
}

// Final collapse into the interleaved output: out += up(coarse_c).
void collapseBase(const std::array<Plane, 3>& coarse, ImageF& out)
{
    const int w = out.width();
    parallelFor(std::size_t(out.height()), kRowGrain, [&](std::size_t y0, std::size_t y1) {
        std::vector<float> vertical(std::size_t(coarse[0].width)), up(3 * std::size_t(w));
        for (int y = int(y0); y < int(y1); ++y) {
            for (int c = 0; c < 3; ++c) {
                verticalUpRow(coarse[c], y, vertical.data());
                horizontalUpRow(
                    vertical.data(), coarse[c].width, w, up.data() + std::size_t(c) * std::size_t(w));
            }
            const float* __restrict u0 = up.data();
            const float* __restrict u1 = u0 + w;
            const float* __restrict u2 = u1 + w;
            float* __restrict o = out.row(y);
            for (int x = 0; x < w; ++x) {
                o[3 * x] += u0[x];
                o[3 * x + 1] += u1[x];
                o[3 * x + 2] += u2[x];
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
        weightBand(img, params, out.data(), int(y0), int(y1));
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
        const std::size_t n = images.size();
        const double steps = double(n) * 2.0 + 1.0;

        std::vector<Plane> weights(n);
        for (std::size_t k = 0; k < n; ++k) {
            throwIfCancelled(ctx);
            ctx.setProgress(double(k) / steps, "Weighting");
            weights[k].width = w;
            weights[k].height = h;
            weights[k].pixels = mertensWeights(images[k], params);
        }
        normalizeWeights(weights);

        ImageF out(w, h, 3, images[0].colorSpace);
        // result[l] for l ≥ 1 (level 0 lives in `out`); pyramids reused for every image.
        std::vector<std::array<Plane, 3>> result(static_cast<std::size_t>(levels));
        std::vector<std::array<Plane, 3>> colour(static_cast<std::size_t>(levels));
        for (int l = 1; l < levels; ++l) {
            const int lw = l == 1 ? coarserSize(w) : coarserSize(result[std::size_t(l - 1)][0].width);
            const int lh = l == 1 ? coarserSize(h) : coarserSize(result[std::size_t(l - 1)][0].height);
            for (auto& p : result[std::size_t(l)]) {
                p.resize(lw, lh);
            }
        }
        PlanePyramid weightPyramid;
        for (std::size_t k = 0; k < n; ++k) {
            throwIfCancelled(ctx);
            ctx.setProgress((double(n) + 2.0 * double(k)) / steps, "Blending");
            const ImageF& img = images[k];
            if (levels > 1) {
                pyrDownInterleaved(img.data(), w, h, img.channels(), colour[1].data());
                for (int l = 2; l < levels; ++l) {
                    for (int c = 0; c < 3; ++c) {
                        pyrDown(colour[std::size_t(l - 1)][std::size_t(c)],
                                colour[std::size_t(l)][std::size_t(c)]);
                    }
                }
            }
            weightPyramid.levels.resize(1);
            weightPyramid.levels[0] = std::move(weights[k]);
            weightPyramid.build(levels);
            throwIfCancelled(ctx);
            blendBase(img, levels > 1 ? &colour[1] : nullptr, weightPyramid.levels[0], out);
            for (int l = 1; l < levels; ++l) {
                for (int c = 0; c < 3; ++c) {
                    const Plane* coarse =
                        l + 1 < levels ? &colour[std::size_t(l + 1)][std::size_t(c)] : nullptr;
                    blendLevel(colour[std::size_t(l)][std::size_t(c)],
                               coarse,
                               weightPyramid.levels[std::size_t(l)],
                               result[std::size_t(l)][std::size_t(c)]);
                }
            }
            weights[k] = Plane{}; // release this image's full-size weights
        }
        throwIfCancelled(ctx);
        ctx.setProgress((steps - 1.0) / steps, "Collapsing");
        for (int l = levels - 2; l >= 1; --l) {
            for (int c = 0; c < 3; ++c) {
                pyrUpAdd(result[std::size_t(l + 1)][std::size_t(c)], result[std::size_t(l)][std::size_t(c)]);
            }
        }
        if (levels > 1) {
            collapseBase(result[1], out);
        }
        out.metadata.attributes["hdrstudio:fusion"] =
            "mertens contrast=" + std::to_string(params.contrastWeight) +
            " saturation=" + std::to_string(params.saturationWeight) +
            " exposedness=" + std::to_string(params.exposednessWeight) + " levels=" + std::to_string(levels);
        ctx.setProgress(1.0, "Done");
        return out;
    });
}

} // namespace hdr::core
