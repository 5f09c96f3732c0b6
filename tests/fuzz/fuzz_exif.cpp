// libFuzzer target for the EXIF exposure reader (io/ExifReader.h): any byte string, JPEG-wrapped
// or bare TIFF, must parse without a crash, undefined behaviour, a hang or an out-of-bounds read,
// and whatever it returns must be a positive finite number.

#include "io/ExifReader.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

using namespace hdr::core;

namespace {
void check(const std::optional<double>& v)
{
    if (v && !(std::isfinite(*v) && *v > 0.0)) {
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> bytes(data, size);
    for (const auto& exif :
         {parseExposureExif(bytes), [&] {
              // The same bytes as the payload of a JPEG APP1 Exif segment.
              std::vector<std::uint8_t> jpeg{0xFF, 0xD8, 0xFF, 0xE1};
              const std::size_t length = std::min<std::size_t>(size + 8, 0xFFFF);
              jpeg.push_back(std::uint8_t(length >> 8));
              jpeg.push_back(std::uint8_t(length & 0xFF));
              jpeg.insert(jpeg.end(), {'E', 'x', 'i', 'f', 0, 0});
              jpeg.insert(jpeg.end(), data, data + std::min<std::size_t>(size, length - 8));
              return parseExposureExif(jpeg);
          }()}) {
        check(exif.exposureTime);
        check(exif.fNumber);
        check(exif.iso);
    }
    return 0;
}
