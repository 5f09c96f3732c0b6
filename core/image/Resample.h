#pragma once
// Resizing with windowed-sinc kernels, separable (rows then columns), any channel count, values
// as they are (resample scene-linear data in linear light; display data as the caller intends).
//   Lanczos-a:  k(x) = sinc(x) sinc(x / a) for |x| < a (a = 3 by default; PIL's LANCZOS),
//               widened by the scale factor when shrinking (antialiasing), weights normalised.
//   OpenCV's INTER_LANCZOS4 (a = 4, 8 taps, never widened, BORDER_REFLECT_101; cv2.resize):
//               for matching Real-ESRGAN's outscale step (realesrgan/utils.py) within 1 code value.
// Pixel centres are aligned: source x = (dst x + 0.5) * (src w / dst w) - 0.5.
#include "common/Error.h"
#include "image/Image.h"

#include <cstdint>
#include <vector>

namespace hdr::core {

Result<ImageF> resizeLanczos(const ImageF& image, int width, int height, int lobes = 3);
Result<ImageF> resizeLanczos4OpenCv(const ImageF& image, int width, int height);

// cv2.resize(INTER_LANCZOS4) of an 8-bit interleaved image exactly as OpenCV's fixed-point path
// computes it (coefficients * 2048 as int16, horizontal sums in int, vertical in int with a
// rounding shift of 22 bits, saturated); 16-bit images go through OpenCV's float path (rounded to
// nearest even).
std::vector<std::uint8_t> resizeLanczos4OpenCv8(const std::vector<std::uint8_t>& pixels,
                                                int width,
                                                int height,
                                                int channels,
                                                int newWidth,
                                                int newHeight);
std::vector<std::uint16_t> resizeLanczos4OpenCv16(const std::vector<std::uint16_t>& pixels,
                                                  int width,
                                                  int height,
                                                  int channels,
                                                  int newWidth,
                                                  int newHeight);

} // namespace hdr::core
