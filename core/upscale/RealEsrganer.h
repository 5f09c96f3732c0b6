#pragma once
// Internal, libtorch: Real-ESRGAN's tiled inference (xinntao/Real-ESRGAN realesrgan/utils.py
// RealESRGANer.enhance; oracle kind realesrganer_enhance, gotchas 20-21), on float RGB in [0, 1]:
//   pre_process: reflect pad right/bottom by prePad; for x2 / x1 networks a reflect "mod pad"
//                right/bottom to a multiple of 2 / 4 (they pixel-unshuffle their input);
//   tile = 0:    one network call; tile > 0: tiles of tile x tile over the padded image, row-major,
//                each run on the tile grown by tilePad on every side (clipped to the image) and
//                cropped back before it is pasted (so tiles see context: bounded memory, seams only
//                where the context ends);
//   post:        crop the mod pad, then the pre pad (times the scale).
// The result is not clamped (output_float). The RGB <-> BGR, uint8/uint16 and alpha steps of the
// Python class are the caller's (our images are RGB floats already).
#include "common/JobContext.h"
#include "upscale/RrdbNet.h"

#include <vector>

namespace hdr::diffusion {

struct RealEsrganOptions {
    int tile = 0;     // 0: the whole image in one call
    int tilePad = 10; // context around each tile
    int prePad = 10;  // reflect padding against border artefacts
};

struct RealEsrganTrace {
    at::Tensor preProcessed;                   // after pre and mod pad
    at::Tensor modelOutputFull;                // before the crops
    std::vector<std::array<int64_t, 4>> tiles; // model input box per call: y0, y1, x0, x1
};

// imageNchw: [1, C, H, W] float RGB in [0, 1]. Returns [1, C, H*scale, W*scale], unclamped.
at::Tensor enhanceWithRealEsrgan(RrdbNetImpl& net,
                                 const at::Tensor& imageNchw,
                                 const RealEsrganOptions& options,
                                 core::JobContext& job,
                                 RealEsrganTrace* trace = nullptr);

} // namespace hdr::diffusion

namespace hdr::diffusion {

// RealESRGANer.enhance's channel handling on a float image in [0, 1], HWC: 1 channel (grey: run as
// RGB, back to grey with BT.601 luma as cv2 BGR2GRAY), 3 (RGB) or 4 (RGBA: the alpha replicated to
// RGB runs through the same network and comes back as its luma, the 'realesrgan' alpha upsampler).
struct EnhancedImage {
    at::Tensor rgbFloat;   // [1, 3, H*s, W*s] unclamped (output_float)
    at::Tensor alphaFloat; // the same for the alpha pass (RGBA only), unclamped
    at::Tensor hwc;        // [H*s, W*s, C] clamped to [0, 1], C as the input
};
EnhancedImage enhanceImage(RrdbNetImpl& net,
                           const at::Tensor& hwc,
                           const RealEsrganOptions& options,
                           core::JobContext& job,
                           RealEsrganTrace* trace = nullptr);

// x * range rounded half to even (numpy's round), as uint8 (range 255) or uint16 (65535) values in
// an int32 tensor.
at::Tensor quantizeHalfEven(const at::Tensor& values01, double range);

} // namespace hdr::diffusion
