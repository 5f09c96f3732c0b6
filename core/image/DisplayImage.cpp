#include "image/DisplayImage.h"

#include "common/Parallel.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {
namespace {

template <typename T>
DisplayImage<T>
encodeDisplay(const ImageF& image, const Transfer& transfer, const LinearColorSpace& primaries)
{
    DisplayImage<T> out;
    out.width = image.width();
    out.height = image.height();
    out.channels = image.channels();
    out.transfer = transfer;
    out.primaries = primaries;
    out.metadata = image.metadata;
    out.pixels.resize(std::size_t(image.pixelCount()) * std::size_t(out.channels));
    const Mat3 m = conversionMatrix(image.colorSpace, primaries);
    const bool convert = !(m == identity3());
    const float scale = float(DisplayImage<T>::kMaxValue);
    const int ch = image.channels();
    parallelFor(std::size_t(image.height()), 8, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            const float* s = image.row(int(y));
            T* d = out.row(int(y));
            for (int x = 0; x < image.width(); ++x, s += ch, d += ch) {
                Vec3 v{s[0], s[1], s[2]};
                if (convert) {
                    v = apply(m, v);
                }
                const float rgb[3] = {v.r, v.g, v.b};
                for (int c = 0; c < 3; ++c) {
                    const float e = std::clamp(encode(transfer, rgb[c]), 0.0f, 1.0f);
                    d[c] = T(std::lround(e * scale));
                }
                if (ch == 4) {
                    const float a = std::isnan(s[3]) ? 0.0f : std::clamp(s[3], 0.0f, 1.0f);
                    d[3] = T(std::lround(a * scale));
                }
            }
        }
    });
    return out;
}

} // namespace

DisplayImage8 encodeDisplay8(const ImageF& image, const Transfer& transfer, const LinearColorSpace& primaries)
{
    return encodeDisplay<std::uint8_t>(image, transfer, primaries);
}

DisplayImage16
encodeDisplay16(const ImageF& image, const Transfer& transfer, const LinearColorSpace& primaries)
{
    return encodeDisplay<std::uint16_t>(image, transfer, primaries);
}

template <typename T> ImageF decodeDisplay(const DisplayImage<T>& image)
{
    ImageF out(image.width, image.height, image.channels, image.primaries);
    out.metadata = image.metadata;
    constexpr int levels = DisplayImage<T>::kMaxValue + 1;
    std::vector<float> lut(levels);
    for (int i = 0; i < levels; ++i) {
        lut[std::size_t(i)] = decode(image.transfer, float(i) / float(levels - 1));
    }
    const std::size_t n = std::size_t(out.pixelCount()) * std::size_t(image.channels);
    const T* s = image.pixels.data();
    float* d = out.data();
    for (std::size_t i = 0; i < n; ++i) {
        const bool alpha = image.channels == 4 && (i % 4) == 3;
        d[i] = alpha ? float(s[i]) / float(levels - 1) : lut[s[i]];
    }
    return out;
}

template ImageF decodeDisplay<std::uint8_t>(const DisplayImage8&);
template ImageF decodeDisplay<std::uint16_t>(const DisplayImage16&);

} // namespace hdr::core
