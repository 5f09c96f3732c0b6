#pragma once

// Bridges the I/O layer (which always returns scene-linear light) and the operators that work
// on display-encoded signal values: exposure fusion and the camera-response side of bracket
// merge want the code values a camera wrote, v in [0, 1] (v = k / 255 for 8-bit files).
//
// readImage() decodes an sRGB photo to linear Rec.709 (through its ICC profile when it has one),
// so re-encoding with the sRGB curve gives back the stored code values to float precision
// (|error| < 1e-6 for an 8/16-bit sRGB file). Files in other RGB spaces come back as the sRGB
// code values of the same colours (out-of-gamut colours clip); linear HDR inputs clip at 1.

#include "image/Image.h"

namespace hdr::core {

// Linear Rec.709 (the image's primaries are converted first if they differ) -> sRGB-encoded
// signal in [0, 1], same channel count (alpha kept as is). Multithreaded. Pass an image you no
// longer need with std::move: it is then encoded in place, without a copy (a 12 MP copy costs
// about as much as the encoding itself, most of it in page faults on the new memory).
ImageF toSrgbSignal(ImageF linear);

} // namespace hdr::core
