#include "display/MipPyramid.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {

ImageF downsample2x(const ImageF& src)
{
    const int w = std::max(1, (src.width() + 1) / 2), h = std::max(1, (src.height() + 1) / 2);
    const int ch = src.channels();
    ImageF out(w, h, ch, src.colorSpace);
    parallelFor(std::size_t(h), 16, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            const int sy0 = 2 * y, sy1 = std::min(2 * y + 1, src.height() - 1);
            float* d = out.row(y);
            for (int x = 0; x < w; ++x, d += ch) {
                const int sx0 = 2 * x, sx1 = std::min(2 * x + 1, src.width() - 1);
                const float* q[4] = {
                    src.pixel(sx0, sy0), src.pixel(sx1, sy0), src.pixel(sx0, sy1), src.pixel(sx1, sy1)};
                for (int c = 0; c < ch; ++c) {
                    float sum = 0;
                    int n = 0;
                    for (const float* p : q) {
                        if (std::isfinite(p[c])) {
                            sum += p[c];
                            ++n;
                        }
                    }
                    d[c] = n ? sum / float(n) : q[0][c];
                }
            }
        }
    });
    return out;
}

MipPyramid::MipPyramid(std::shared_ptr<const ImageF> image, int minSize)
{
    m_levels.push_back(std::move(image));
    while (std::max(m_levels.back()->width(), m_levels.back()->height()) > minSize) {
        m_levels.push_back(std::make_shared<const ImageF>(downsample2x(*m_levels.back())));
    }
}

int MipPyramid::levelForScale(double scale) const
{
    if (!(scale < 1.0)) {
        return 0;
    }
    const int level = int(std::floor(std::log2(1.0 / scale)));
    return std::clamp(level, 0, levelCount() - 1);
}

} // namespace hdr::core
