// Placeholder: the real implementation replaces this file.
#include "color/Icc.h"
namespace hdr::core {
std::vector<std::uint8_t> makeIccProfile(const LinearColorSpace&, const Transfer&, const std::string&) { return {}; }
std::string iccDescription(std::span<const std::uint8_t>) { return {}; }
template <typename T> Result<ImageF> linearizeDisplayImage(const DisplayImage<T>& image, bool) { return decodeDisplay(image); }
template Result<ImageF> linearizeDisplayImage<std::uint8_t>(const DisplayImage8&, bool);
template Result<ImageF> linearizeDisplayImage<std::uint16_t>(const DisplayImage16&, bool);
}
