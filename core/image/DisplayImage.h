#pragma once

#include "image/ColorSpace.h"
#include "image/Image.h"
#include "image/TransferFunction.h"

#include <cstdint>
#include <vector>

namespace hdr::core {

// Display-referred integer image (8 or 16 bits per sample), interleaved RGB or RGBA, rows top
// to bottom. Samples are signal values encoded with `transfer` in `primaries`; full range.
template <typename T> struct DisplayImage {
    int width = 0;
    int height = 0;
    int channels = 3;
    std::vector<T> pixels;
    Transfer transfer = Transfer::srgb();
    LinearColorSpace primaries;
    ImageMetadata metadata;

    static constexpr int kMaxValue = sizeof(T) == 1 ? 255 : 65535;
    T* row(int y) { return pixels.data() + std::size_t(y) * std::size_t(width) * channels; }
    const T* row(int y) const { return pixels.data() + std::size_t(y) * std::size_t(width) * channels; }
};

using DisplayImage8 = DisplayImage<std::uint8_t>;
using DisplayImage16 = DisplayImage<std::uint16_t>;

// Scene-linear -> display signal: converts primaries, encodes with `transfer` (values outside
// the encodable range clip), quantises with rounding. Alpha is kept (linear, not encoded).
DisplayImage8
encodeDisplay8(const ImageF& image, const Transfer& transfer, const LinearColorSpace& primaries);
DisplayImage16
encodeDisplay16(const ImageF& image, const Transfer& transfer, const LinearColorSpace& primaries);

// Display signal -> scene-linear float in the image's own primaries (inverse of the above up to
// quantisation and clipping).
template <typename T> ImageF decodeDisplay(const DisplayImage<T>& image);

extern template ImageF decodeDisplay<std::uint8_t>(const DisplayImage8&);
extern template ImageF decodeDisplay<std::uint16_t>(const DisplayImage16&);

} // namespace hdr::core
