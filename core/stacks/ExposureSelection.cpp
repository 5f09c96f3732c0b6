#include "stacks/ExposureSelection.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {

Status ExposureSelectionParams::validate() const
{
    if (metric != Metric::Ssim && metric != Metric::Psnr) {
        return fail(ErrorCode::InvalidArgument, "exposure selection scores with ssim or psnr");
    }
    if (maxSize < 0) {
        return fail(ErrorCode::InvalidArgument, "max size must be >= 0 (0 = full resolution)");
    }
    return fusion.validate();
}

ImageF downscaleToMaxSize(const ImageF& image, int maxSize)
{
    const int longer = std::max(image.width(), image.height());
    if (maxSize <= 0 || longer <= maxSize) {
        return image;
    }
    const int f = (longer + maxSize - 1) / maxSize;
    const int w = std::max(1, image.width() / f), h = std::max(1, image.height() / f);
    const int ch = image.channels();
    ImageF out(w, h, 3, image.colorSpace);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            float acc[3] = {0, 0, 0};
            for (int dy = 0; dy < f; ++dy) {
                const float* row = image.row(y * f + dy) + std::size_t(x) * f * ch;
                for (int dx = 0; dx < f; ++dx) {
                    for (int c = 0; c < 3; ++c) {
                        acc[c] += row[dx * ch + c];
                    }
                }
            }
            for (int c = 0; c < 3; ++c) {
                out.pixel(x, y)[c] = acc[c] / float(f * f);
            }
        }
    }
    return out;
}

namespace {
void clip01(ImageF& img)
{
    for (std::int64_t i = 0; i < img.pixelCount() * img.channels(); ++i) {
        img.data()[i] = std::clamp(img.data()[i], 0.0f, 1.0f);
    }
}
} // namespace

Result<std::vector<PairScore>>
rankExposurePairs(std::span<const ImageF> stack, const ExposureSelectionParams& p, JobContext& ctx)
{
    if (auto ok = p.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (stack.size() < 2) {
        return fail(ErrorCode::InvalidArgument, "exposure selection needs at least 2 images");
    }
    std::vector<ImageF> small;
    for (const ImageF& img : stack) {
        if (img.width() != stack[0].width() || img.height() != stack[0].height()) {
            return fail(ErrorCode::InvalidArgument, "all exposures must have the same size");
        }
        small.push_back(downscaleToMaxSize(img, p.maxSize));
    }
    auto reference = fuseMertens(small, p.fusion, nullJobContext());
    if (!reference) {
        return tl::unexpected(reference.error());
    }
    clip01(*reference);
    std::vector<PairScore> ranking;
    const int n = int(small.size());
    const int pairs = n * (n - 1) / 2;
    for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
            if (ctx.isCancelled()) {
                return fail(ErrorCode::Cancelled, "exposure selection cancelled");
            }
            ctx.setProgress(double(ranking.size()) / pairs, "Scoring exposure pairs");
            const ImageF pair[2] = {small[std::size_t(i)], small[std::size_t(j)]};
            auto fused = fuseMertens(pair, p.fusion, nullJobContext());
            if (!fused) {
                return tl::unexpected(fused.error());
            }
            clip01(*fused);
            auto score = computeMetric(p.metric, *fused, *reference);
            if (!score) {
                return tl::unexpected(score.error());
            }
            ranking.push_back({i, j, *score});
        }
    }
    std::stable_sort(ranking.begin(), ranking.end(), [](const PairScore& a, const PairScore& b) {
        return a.score > b.score;
    });
    ctx.setProgress(1.0, "Scoring exposure pairs");
    return ranking;
}

} // namespace hdr::core
