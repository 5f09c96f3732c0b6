#include "upscale/RealEsrganer.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <stdexcept>

namespace hdr::diffusion {

at::Tensor enhanceWithRealEsrgan(RrdbNetImpl& net,
                                 const at::Tensor& imageNchw,
                                 const RealEsrganOptions& o,
                                 core::JobContext& job,
                                 RealEsrganTrace* trace)
{
    c10::InferenceMode guard;
    if (imageNchw.dim() != 4 || imageNchw.size(0) != 1) {
        throw std::invalid_argument("Real-ESRGAN takes one [1, C, H, W] image");
    }
    if (o.tile < 0 || o.tilePad < 0 || o.prePad < 0) {
        throw std::invalid_argument("tile, tile pad and pre pad must not be negative");
    }
    const int64_t scale = net.config().scale;
    at::Tensor img = imageNchw.to(at::kFloat);
    const int64_t h0 = img.size(2), w0 = img.size(3);
    if (o.prePad > 0) {
        if (o.prePad >= h0 || o.prePad >= w0) {
            throw std::invalid_argument("the image is smaller than the pre pad; lower it");
        }
        img = at::reflection_pad2d(img, {0, o.prePad, 0, o.prePad});
    }
    int64_t modPadH = 0, modPadW = 0;
    if (scale != 4) {
        const int64_t mod = scale == 2 ? 2 : 4;
        modPadH = img.size(2) % mod ? mod - img.size(2) % mod : 0;
        modPadW = img.size(3) % mod ? mod - img.size(3) % mod : 0;
        if (modPadH || modPadW) {
            img = at::reflection_pad2d(img, {0, modPadW, 0, modPadH});
        }
    }
    if (trace) {
        trace->preProcessed = img.clone();
    }
    const int64_t h = img.size(2), w = img.size(3);
    at::Tensor output;
    if (o.tile <= 0) {
        output = net.forward(img).to(at::kFloat);
        if (trace) trace->tiles.push_back({0, h, 0, w});
        job.setProgress(1.0, "Upscaling");
    } else {
        output = at::zeros({1, net.config().outChannels, h * scale, w * scale});
        const int64_t tilesX = (w + o.tile - 1) / o.tile, tilesY = (h + o.tile - 1) / o.tile;
        for (int64_t y = 0; y < tilesY; ++y) {
            for (int64_t x = 0; x < tilesX; ++x) {
                core::throwIfCancelled(job);
                const int64_t x0 = x * o.tile, x1 = std::min(x0 + o.tile, w);
                const int64_t y0 = y * o.tile, y1 = std::min(y0 + o.tile, h);
                const int64_t px0 = std::max<int64_t>(x0 - o.tilePad, 0),
                              px1 = std::min<int64_t>(x1 + o.tilePad, w);
                const int64_t py0 = std::max<int64_t>(y0 - o.tilePad, 0),
                              py1 = std::min<int64_t>(y1 + o.tilePad, h);
                if (trace) trace->tiles.push_back({py0, py1, px0, px1});
                const at::Tensor tileOut =
                    net.forward(img.slice(2, py0, py1).slice(3, px0, px1)).to(at::kFloat);
                const int64_t ox = (x0 - px0) * scale, oy = (y0 - py0) * scale;
                output.slice(2, y0 * scale, y1 * scale)
                    .slice(3, x0 * scale, x1 * scale)
                    .copy_(tileOut.slice(2, oy, oy + (y1 - y0) * scale).slice(3, ox, ox + (x1 - x0) * scale));
                job.setProgress(double(y * tilesX + x + 1) / double(tilesX * tilesY), "Upscaling");
            }
        }
    }
    if (trace) {
        trace->modelOutputFull = output.clone();
    }
    output = output.slice(2, 0, (h - modPadH) * scale).slice(3, 0, (w - modPadW) * scale);
    output =
        output.slice(2, 0, (h - modPadH - o.prePad) * scale).slice(3, 0, (w - modPadW - o.prePad) * scale);
    return output.contiguous();
}

} // namespace hdr::diffusion

namespace hdr::diffusion {
namespace {

// cv2 COLOR_BGR2GRAY on float data: 0.299 R + 0.587 G + 0.114 B.
at::Tensor luma(const at::Tensor& rgbNchw)
{
    return rgbNchw[0][0] * 0.299f + rgbNchw[0][1] * 0.587f + rgbNchw[0][2] * 0.114f;
}

} // namespace

EnhancedImage enhanceImage(RrdbNetImpl& net,
                           const at::Tensor& hwcIn,
                           const RealEsrganOptions& options,
                           core::JobContext& job,
                           RealEsrganTrace* trace)
{
    c10::InferenceMode guard;
    const at::Tensor hwc =
        hwcIn.to(at::kFloat).dim() == 2 ? hwcIn.to(at::kFloat).unsqueeze(2) : hwcIn.to(at::kFloat);
    const int64_t channels = hwc.size(2);
    if (channels != 1 && channels != 3 && channels != 4) {
        throw std::invalid_argument("Real-ESRGAN takes grey, RGB or RGBA images");
    }
    const at::Tensor rgb = channels == 1 ? hwc.expand({-1, -1, 3}) : hwc.slice(2, 0, 3);
    EnhancedImage out;
    out.rgbFloat =
        enhanceWithRealEsrgan(net, rgb.permute({2, 0, 1}).unsqueeze(0).contiguous(), options, job, trace);
    const at::Tensor clamped = out.rgbFloat.clamp(0.0, 1.0);
    if (channels == 1) {
        out.hwc = luma(clamped).unsqueeze(2);
    } else {
        out.hwc = clamped[0].permute({1, 2, 0});
    }
    if (channels == 4) {
        const at::Tensor alpha =
            hwc.slice(2, 3, 4).expand({-1, -1, 3}).permute({2, 0, 1}).unsqueeze(0).contiguous();
        out.alphaFloat = enhanceWithRealEsrgan(net, alpha, options, job);
        out.hwc = at::cat({out.hwc, luma(out.alphaFloat.clamp(0.0, 1.0)).unsqueeze(2)}, 2);
    }
    out.hwc = out.hwc.contiguous();
    return out;
}

at::Tensor quantizeHalfEven(const at::Tensor& values01, double range)
{
    // x * range in float32 as numpy does, then rint (round half to even in the default mode).
    return at::round(values01.to(at::kFloat) * float(range)).to(at::kInt);
}

} // namespace hdr::diffusion
