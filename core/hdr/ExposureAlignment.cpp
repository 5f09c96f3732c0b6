#include "hdr/ExposureAlignment.h"

#include "common/Parallel.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

namespace hdr::core {
namespace {

struct Grey {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
};

struct Bitmaps {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> threshold; // 1 above the median
    std::vector<std::uint8_t> exclusion; // 1 where the pixel is far enough from the median to count
};

Grey toGrey(const ImageF& image)
{
    Grey g{image.width(), image.height(), std::vector<std::uint8_t>(std::size_t(image.pixelCount()))};
    const int ch = image.channels();
    parallelFor(g.pixels.size(), 1 << 16, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const float* p = image.data() + i * std::size_t(ch);
            const float y = 255.0f * (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) + 0.5f;
            g.pixels[i] = std::uint8_t(y > 0.0f ? (y < 255.0f ? y : 255.0f) : 0.0f);
        }
    });
    return g;
}

Grey halve(const Grey& g)
{
    Grey h{std::max(1, g.width / 2), std::max(1, g.height / 2), {}};
    h.pixels.resize(std::size_t(h.width) * std::size_t(h.height));
    for (int y = 0; y < h.height; ++y) {
        const int y0 = std::min(2 * y, g.height - 1), y1 = std::min(2 * y + 1, g.height - 1);
        for (int x = 0; x < h.width; ++x) {
            const int x0 = std::min(2 * x, g.width - 1), x1 = std::min(2 * x + 1, g.width - 1);
            auto at = [&](int xx, int yy) {
                return int(g.pixels[std::size_t(yy) * std::size_t(g.width) + std::size_t(xx)]);
            };
            h.pixels[std::size_t(y) * std::size_t(h.width) + std::size_t(x)] =
                std::uint8_t((at(x0, y0) + at(x1, y0) + at(x0, y1) + at(x1, y1) + 2) / 4);
        }
    }
    return h;
}

Bitmaps bitmapsOf(const Grey& g, int excludeRange)
{
    std::array<std::size_t, 256> histogram{};
    for (std::uint8_t v : g.pixels) {
        ++histogram[v];
    }
    int median = 0;
    for (std::size_t seen = 0; median < 256; ++median) {
        seen += histogram[std::size_t(median)];
        if (2 * seen >= g.pixels.size()) {
            break;
        }
    }
    Bitmaps b{g.width,
              g.height,
              std::vector<std::uint8_t>(g.pixels.size()),
              std::vector<std::uint8_t>(g.pixels.size())};
    for (std::size_t i = 0; i < g.pixels.size(); ++i) {
        b.threshold[i] = g.pixels[i] > median;
        b.exclusion[i] = std::abs(int(g.pixels[i]) - median) > excludeRange;
    }
    return b;
}

// Differing, counted pixels between the reference bitmaps and the image's moved by (dx, dy);
// pixels moved in from outside the image are not counted.
std::int64_t mismatch(const Bitmaps& ref, const Bitmaps& img, int dx, int dy)
{
    std::int64_t count = 0;
    for (int y = std::max(0, dy); y < std::min(ref.height, ref.height + dy); ++y) {
        const std::size_t r = std::size_t(y) * std::size_t(ref.width);
        const std::size_t s = std::size_t(y - dy) * std::size_t(ref.width);
        for (int x = std::max(0, dx); x < std::min(ref.width, ref.width + dx); ++x) {
            const std::size_t i = r + std::size_t(x), j = s + std::size_t(x - dx);
            count += (ref.threshold[i] ^ img.threshold[j]) & ref.exclusion[i] & img.exclusion[j];
        }
    }
    return count;
}

} // namespace

Status MtbParams::validate() const
{
    if (maxBits < 1 || maxBits > 10) {
        return fail(ErrorCode::InvalidArgument, "MTB levels (max bits) must be 1..10");
    }
    if (excludeRange < 0 || excludeRange > 64) {
        return fail(ErrorCode::InvalidArgument, "MTB exclusion range must be 0..64 grey levels");
    }
    return {};
}

Result<std::vector<PixelShift>>
computeMtbShifts(std::span<const ImageF> images, int referenceIndex, const MtbParams& params, JobContext& ctx)
{
    if (auto ok = params.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (images.empty() || referenceIndex < 0 || referenceIndex >= int(images.size())) {
        return fail(ErrorCode::InvalidArgument, "alignment needs images and a valid reference index");
    }
    for (const auto& image : images) {
        if (image.width() != images[0].width() || image.height() != images[0].height() ||
            image.channels() < 3) {
            return fail(ErrorCode::InvalidArgument, "alignment needs RGB images of the same size");
        }
    }
    return guarded(ErrorCode::Internal, {}, [&]() {
        // Levels: no more than maxBits, and the coarsest level keeps at least 16 px on a side.
        int levels = 1;
        while (levels < params.maxBits && (std::min(images[0].width(), images[0].height()) >> levels) >= 16) {
            ++levels;
        }
        auto pyramid = [&](const ImageF& image) {
            std::vector<Bitmaps> out;
            Grey g = toGrey(image);
            for (int l = 0; l < levels; ++l) {
                out.push_back(bitmapsOf(g, params.excludeRange));
                if (l + 1 < levels) {
                    g = halve(g);
                }
            }
            return out;
        };
        const std::vector<Bitmaps> ref = pyramid(images[std::size_t(referenceIndex)]);
        std::vector<PixelShift> shifts(images.size());
        for (std::size_t k = 0; k < images.size(); ++k) {
            throwIfCancelled(ctx);
            ctx.setProgress(double(k) / double(images.size()), "Aligning");
            if (int(k) == referenceIndex) {
                continue;
            }
            const std::vector<Bitmaps> img = pyramid(images[k]);
            PixelShift shift;
            for (int l = levels - 1; l >= 0; --l) {
                shift.dx *= 2;
                shift.dy *= 2;
                std::array<std::int64_t, 9> errors{};
                parallelFor(9, 1, [&](std::size_t b, std::size_t e) {
                    for (std::size_t i = b; i < e; ++i) {
                        errors[i] = mismatch(ref[std::size_t(l)],
                                             img[std::size_t(l)],
                                             shift.dx + int(i % 3) - 1,
                                             shift.dy + int(i / 3) - 1);
                    }
                });
                const auto best =
                    std::size_t(std::min_element(errors.begin(), errors.end()) - errors.begin());
                // Prefer no move on ties (the centre), so flat images stay put.
                const std::size_t pick = errors[4] == errors[best] ? 4 : best;
                shift.dx += int(pick % 3) - 1;
                shift.dy += int(pick / 3) - 1;
            }
            shifts[k] = shift;
        }
        return shifts;
    });
}

ImageF translateImage(const ImageF& image, PixelShift shift)
{
    ImageF out(image.width(), image.height(), image.channels(), image.colorSpace);
    out.metadata = image.metadata;
    const int ch = image.channels();
    parallelFor(std::size_t(image.height()), 16, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            const int sy = std::clamp(y - shift.dy, 0, image.height() - 1);
            for (int x = 0; x < image.width(); ++x) {
                const int sx = std::clamp(x - shift.dx, 0, image.width() - 1);
                std::copy_n(image.pixel(sx, sy), ch, out.pixel(x, y));
            }
        }
    });
    return out;
}

} // namespace hdr::core
