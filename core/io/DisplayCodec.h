#pragma once

// Helpers shared by the display-referred codecs (TIFF, PNG, JPEG): turning decoded integer
// samples into scene-linear images, and preparing a DisplayImage16 for 8/16-bit writers.
// Internal to core/io.

#include "io/ImageIO.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hdr::core::io_detail {

// Copies one row of `srcChannels` samples per pixel (1 = grey, 2 = grey+alpha, 3 = RGB,
// 4 = RGBA; extra samples beyond 4 are ignored when srcStride > 4) into RGB/RGBA.
// Destination channel count: outputChannels(srcChannels).
template <typename T> void expandRowToRgb(const T* src, int srcStride, int srcChannels, T* dst, int width);
int outputChannels(int srcChannels);

// Linearises a decoded display image through its ICC profile (when options.applyIcc) or its
// transfer function, and keeps the metadata (the ICC profile stays in metadata.iccProfile).
template <typename T> Result<ImageF> linearizeDecoded(DisplayImage<T>&& image, const ReadOptions& options);

// EXIF/TIFF orientation (1..8): returns the image rotated/flipped so that it displays upright.
// Values outside 1..8 are treated as 1.
ImageF applyOrientation(ImageF&& image, int orientation);

// 16-bit display samples to 8-bit: round(v * 255 / 65535).
std::vector<std::uint8_t> quantizeTo8(const std::vector<std::uint16_t>& samples);

// The ICC profile a display-referred writer embeds for this image, or empty when embedding is
// off or the transfer (PQ, HLG) has no faithful ICC form.
std::vector<std::uint8_t> iccProfileFor(const DisplayImage16& image, const WriteOptions& options);

// image metadata attributes with options.attributes merged over them.
std::map<std::string, std::string> mergedAttributes(const ImageMetadata& metadata,
                                                    const WriteOptions& options);

// Latin-1 bytes (tEXt, TIFF ASCII tags) to UTF-8.
std::string latin1ToUtf8(const std::string& latin1);
bool isAscii(const std::string& s);

} // namespace hdr::core::io_detail
