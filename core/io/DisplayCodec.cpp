#include "io/DisplayCodec.h"

#include "color/Icc.h"

#include <algorithm>
#include <cstring>

namespace hdr::core::io_detail {

int outputChannels(int srcChannels)
{
    return (srcChannels == 2 || srcChannels >= 4) ? 4 : 3;
}

template <typename T> void expandRowToRgb(const T* src, int srcStride, int srcChannels, T* dst, int width)
{
    const int outCh = outputChannels(srcChannels);
    for (int x = 0; x < width; ++x, src += srcStride, dst += outCh) {
        if (srcChannels <= 2) {
            dst[0] = dst[1] = dst[2] = src[0];
            if (srcChannels == 2) {
                dst[3] = src[1];
            }
        } else {
            std::memcpy(dst, src, sizeof(T) * std::size_t(outCh));
        }
    }
}

template void expandRowToRgb<std::uint8_t>(const std::uint8_t*, int, int, std::uint8_t*, int);
template void expandRowToRgb<std::uint16_t>(const std::uint16_t*, int, int, std::uint16_t*, int);
template void expandRowToRgb<float>(const float*, int, int, float*, int);

template <typename T> Result<ImageF> linearizeDecoded(DisplayImage<T>&& image, const ReadOptions& options)
{
    ImageMetadata metadata = image.metadata;
    if (!options.applyIcc) {
        image.metadata.iccProfile.clear();
    }
    Result<ImageF> linear = linearizeDisplayImage(image, /*fallbackOnBadProfile=*/true);
    if (linear) {
        linear->metadata = std::move(metadata);
    }
    return linear;
}

template Result<ImageF> linearizeDecoded<std::uint8_t>(DisplayImage8&&, const ReadOptions&);
template Result<ImageF> linearizeDecoded<std::uint16_t>(DisplayImage16&&, const ReadOptions&);

ImageF applyOrientation(ImageF&& image, int orientation)
{
    if (orientation < 2 || orientation > 8) {
        return std::move(image);
    }
    const int w = image.width();
    const int h = image.height();
    const int ch = image.channels();
    const bool swapAxes = orientation >= 5;
    ImageF out(swapAxes ? h : w, swapAxes ? w : h, ch, image.colorSpace);
    out.metadata = std::move(image.metadata);
    for (int y = 0; y < h; ++y) {
        const float* src = image.row(y);
        for (int x = 0; x < w; ++x, src += ch) {
            // Where source pixel (x, y) lands in the upright image (TIFF 6.0 Orientation).
            int ox = x, oy = y;
            switch (orientation) {
            case 2: ox = w - 1 - x; break;
            case 3:
                ox = w - 1 - x;
                oy = h - 1 - y;
                break;
            case 4: oy = h - 1 - y; break;
            case 5:
                ox = y;
                oy = x;
                break;
            case 6:
                ox = h - 1 - y;
                oy = x;
                break;
            case 7:
                ox = h - 1 - y;
                oy = w - 1 - x;
                break;
            case 8:
                ox = y;
                oy = w - 1 - x;
                break;
            default: break;
            }
            std::memcpy(out.pixel(ox, oy), src, sizeof(float) * std::size_t(ch));
        }
    }
    return out;
}

std::vector<std::uint8_t> quantizeTo8(const std::vector<std::uint16_t>& samples)
{
    std::vector<std::uint8_t> out(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        out[i] = std::uint8_t((std::uint32_t(samples[i]) * 255u + 32767u) / 65535u);
    }
    return out;
}

std::vector<std::uint8_t> iccProfileFor(const DisplayImage16& image, const WriteOptions& options)
{
    if (!options.embedIcc || image.transfer.kind == TransferKind::PQ ||
        image.transfer.kind == TransferKind::HLG) {
        return {};
    }
    std::string description = "HDR Studio " + image.primaries.name() + " " + image.transfer.name();
    if (image.primaries.primaries == Primaries::Rec709 && image.transfer.kind == TransferKind::Srgb) {
        description = "sRGB IEC61966-2.1 (HDR Studio)";
    }
    return makeIccProfile(image.primaries, image.transfer, description);
}

std::map<std::string, std::string> mergedAttributes(const ImageMetadata& metadata,
                                                    const WriteOptions& options)
{
    std::map<std::string, std::string> merged = metadata.attributes;
    for (const auto& [key, value] : options.attributes) {
        merged[key] = value;
    }
    return merged;
}

std::string latin1ToUtf8(const std::string& latin1)
{
    std::string out;
    out.reserve(latin1.size());
    for (unsigned char c : latin1) {
        if (c < 0x80) {
            out.push_back(char(c));
        } else {
            out.push_back(char(0xC0 | (c >> 6)));
            out.push_back(char(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

bool isAscii(const std::string& s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return (unsigned char)c < 0x80; });
}

} // namespace hdr::core::io_detail
