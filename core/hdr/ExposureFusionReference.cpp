// Scalar reference implementation of Mertens exposure fusion: the equations of
// ExposureFusion.h written out once more in the most direct form (per-pixel border arithmetic,
// std::exp/std::pow, explicit Laplacian pyramids), without threads or fused passes. The tests
// hold fuseMertens() to this within 1e-5.
#include "hdr/ExposureFusion.h"
#include "hdr/LaplacianPyramid.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {
namespace {

float lumaAt(const ImageF& img, int x, int y)
{
    const float* p = img.pixel(reflect101(x, img.width()), reflect101(y, img.height()));
    return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
}

} // namespace

std::vector<float> mertensWeightsReference(const ImageF& img, const MertensParams& params)
{
    std::vector<float> out(std::size_t(img.pixelCount()));
    const float twoSigma2 = 2.0f * params.exposednessSigma * params.exposednessSigma;
    for (int y = 0; y < img.height(); ++y) {
        for (int x = 0; x < img.width(); ++x) {
            const float laplacian = lumaAt(img, x - 1, y) + lumaAt(img, x + 1, y) + lumaAt(img, x, y - 1) +
                                    lumaAt(img, x, y + 1) - 4.0f * lumaAt(img, x, y);
            const float contrast = std::fabs(laplacian);
            const float* p = img.pixel(x, y);
            const float mean = (p[0] + p[1] + p[2]) / 3.0f;
            float variance = 0.0f, exposedness = 1.0f;
            for (int c = 0; c < 3; ++c) {
                variance += (p[c] - mean) * (p[c] - mean);
                exposedness *= std::exp(-(p[c] - 0.5f) * (p[c] - 0.5f) / twoSigma2);
            }
            const float saturation = std::sqrt(variance);
            out[std::size_t(y) * std::size_t(img.width()) + std::size_t(x)] =
                std::pow(contrast, params.contrastWeight) * std::pow(saturation, params.saturationWeight) *
                    std::pow(exposedness, params.exposednessWeight) +
                1e-12f;
        }
    }
    return out;
}

Result<ImageF> fuseMertensReference(std::span<const ImageF> images, const MertensParams& params)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (images.empty() || images[0].empty()) {
        return fail(ErrorCode::InvalidArgument, "exposure fusion needs at least one image");
    }
    const int w = images[0].width(), h = images[0].height();
    for (const ImageF& img : images) {
        if (img.width() != w || img.height() != h) {
            return fail(ErrorCode::InvalidArgument, "all images of a bracket must have the same size");
        }
    }
    const int autoLevels = automaticPyramidLevels(w, h);
    const int levels = params.levels > 0 ? std::min(params.levels, autoLevels) : autoLevels;

    std::vector<std::vector<float>> weights;
    for (const ImageF& img : images) {
        weights.push_back(mertensWeightsReference(img, params));
    }
    for (std::size_t i = 0; i < weights[0].size(); ++i) {
        float sum = 0.0f;
        for (const auto& wk : weights) {
            sum += wk[i];
        }
        for (auto& wk : weights) {
            wk[i] /= sum;
        }
    }

    // blended[l][c] = Σ_k Laplacian(I_k)_l · Gaussian(Ŵ_k)_l
    std::vector<std::vector<Plane>> blended(static_cast<std::size_t>(levels), std::vector<Plane>(3));
    for (std::size_t k = 0; k < images.size(); ++k) {
        std::vector<Plane> weightPyr(static_cast<std::size_t>(levels));
        weightPyr[0].resize(w, h);
        weightPyr[0].pixels.assign(weights[k].begin(), weights[k].end());
        for (int l = 1; l < levels; ++l) {
            pyrDownReference(weightPyr[std::size_t(l - 1)], weightPyr[std::size_t(l)]);
        }
        for (int c = 0; c < 3; ++c) {
            std::vector<Plane> gauss(static_cast<std::size_t>(levels));
            gauss[0].resize(w, h);
            for (int y = 0; y < h; ++y) {
                for (int x = 0; x < w; ++x) {
                    gauss[0].at(x, y) = images[k].pixel(x, y)[c];
                }
            }
            for (int l = 1; l < levels; ++l) {
                pyrDownReference(gauss[std::size_t(l - 1)], gauss[std::size_t(l)]);
            }
            for (int l = 0; l < levels; ++l) {
                Plane laplacian = gauss[std::size_t(l)];
                if (l + 1 < levels) {
                    Plane up(laplacian.width, laplacian.height);
                    pyrUpReference(gauss[std::size_t(l + 1)], up);
                    for (std::size_t i = 0; i < up.pixels.size(); ++i) {
                        laplacian.pixels[i] -= up.pixels[i];
                    }
                }
                Plane& acc = blended[std::size_t(l)][std::size_t(c)];
                if (acc.pixels.empty()) {
                    acc.resize(laplacian.width, laplacian.height);
                }
                for (std::size_t i = 0; i < acc.pixels.size(); ++i) {
                    acc.pixels[i] += laplacian.pixels[i] * weightPyr[std::size_t(l)].pixels[i];
                }
            }
        }
    }
    ImageF out(w, h, 3, images[0].colorSpace);
    for (int c = 0; c < 3; ++c) {
        for (int l = levels - 2; l >= 0; --l) {
            Plane& fine = blended[std::size_t(l)][std::size_t(c)];
            Plane up(fine.width, fine.height);
            pyrUpReference(blended[std::size_t(l + 1)][std::size_t(c)], up);
            for (std::size_t i = 0; i < up.pixels.size(); ++i) {
                fine.pixels[i] += up.pixels[i];
            }
        }
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                out.pixel(x, y)[c] = blended[0][std::size_t(c)].at(x, y);
            }
        }
    }
    return out;
}

} // namespace hdr::core
