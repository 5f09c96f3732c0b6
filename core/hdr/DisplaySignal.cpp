#include "hdr/DisplaySignal.h"

#include "common/Parallel.h"
#include "hdr/FastMath.h"

#include <utility>

namespace hdr::core {

ImageF toSrgbSignal(ImageF linear)
{
    const LinearColorSpace rec709{};
    ImageF out = linear.colorSpace == rec709 ? std::move(linear) : convertPrimaries(linear, rec709);
    const int ch = out.channels();
    const std::size_t rowFloats = std::size_t(out.width()) * std::size_t(ch);
    parallelFor(std::size_t(out.height()), 32, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            float* __restrict p = out.row(int(y));
            if (ch == 3) {
                for (std::size_t i = 0; i < rowFloats; ++i) {
                    p[i] = fastmath::srgbEncode(p[i]);
                }
            } else {
                for (std::size_t i = 0; i < rowFloats; ++i) {
                    p[i] = i % 4 == 3 ? p[i] : fastmath::srgbEncode(p[i]);
                }
            }
        }
    });
    return out;
}

} // namespace hdr::core
