#include "diffusion/nets/AutoencoderKL.h"

#include "common/Error.h"

#include <stdexcept>

namespace hdr::diffusion {
namespace {

constexpr double kVaeEps = 1e-6; // VAE GroupNorm eps (gotcha 10)

// Tile origins along one axis of `size` latent pixels: stride tile-overlap, the last tile flush
// with the end.
std::vector<int64_t> tileStarts(int64_t size, int64_t tile, int64_t overlap)
{
    std::vector<int64_t> starts{0};
    if (size <= tile) {
        return starts;
    }
    const int64_t stride = std::max<int64_t>(tile - overlap, 1);
    for (int64_t p = stride; p + tile < size; p += stride) {
        starts.push_back(p);
    }
    starts.push_back(size - tile);
    return starts;
}

// 1-D blend weights for a tile of `length` output pixels: linear ramps (i + 0.5) / ramp on the
// sides that have a neighbour, 1 elsewhere.
at::Tensor rampWeights(int64_t length, int64_t ramp, bool rampStart, bool rampEnd)
{
    at::Tensor w = at::ones({length}, at::kFloat);
    if (ramp > 0) {
        const at::Tensor up = (at::arange(ramp, at::kFloat) + 0.5) / static_cast<double>(ramp);
        if (rampStart) {
            w.narrow(0, 0, ramp).mul_(up);
        }
        if (rampEnd) {
            w.narrow(0, length - ramp, ramp).mul_(up.flip({0}));
        }
    }
    return w;
}

// Runs `fn` on overlapping tiles of `input` (tile positions in latent units; the input is sliced
// at inScale x those, the output placed at outScale x) and blends the results.
template <typename Fn>
at::Tensor blendTiles(const at::Tensor& input,
                      int64_t latentH,
                      int64_t latentW,
                      int64_t inScale,
                      int64_t outScale,
                      const VaeTiling& tiling,
                      core::JobContext& job,
                      Fn&& fn)
{
    const int64_t tile = std::max<int64_t>(tiling.tileLatent, 1);
    const int64_t overlap = std::clamp<int64_t>(tiling.overlapLatent, 0, tile - 1);
    const auto ys = tileStarts(latentH, tile, overlap);
    const auto xs = tileStarts(latentW, tile, overlap);
    at::Tensor out, weight;
    const size_t total = ys.size() * xs.size();
    size_t done = 0;
    for (size_t iy = 0; iy < ys.size(); ++iy) {
        for (size_t ix = 0; ix < xs.size(); ++ix) {
            core::throwIfCancelled(job);
            const int64_t th = std::min(tile, latentH), tw = std::min(tile, latentW);
            const at::Tensor piece =
                input.narrow(2, ys[iy] * inScale, th * inScale).narrow(3, xs[ix] * inScale, tw * inScale);
            const at::Tensor result = fn(piece).to(at::kFloat);
            if (!out.defined()) {
                out = at::zeros({result.size(0), result.size(1), latentH * outScale, latentW * outScale},
                                result.options());
                weight = at::zeros({1, 1, latentH * outScale, latentW * outScale}, result.options());
            }
            const int64_t ramp = overlap * outScale;
            const at::Tensor wy = rampWeights(th * outScale, ramp, iy > 0, iy + 1 < ys.size());
            const at::Tensor wx = rampWeights(tw * outScale, ramp, ix > 0, ix + 1 < xs.size());
            const at::Tensor w = (wy.unsqueeze(1) * wx.unsqueeze(0))
                                     .to(result.device())
                                     .view({1, 1, th * outScale, tw * outScale});
            out.narrow(2, ys[iy] * outScale, th * outScale)
                .narrow(3, xs[ix] * outScale, tw * outScale)
                .add_(result * w);
            weight.narrow(2, ys[iy] * outScale, th * outScale)
                .narrow(3, xs[ix] * outScale, tw * outScale)
                .add_(w);
            job.setProgress(static_cast<double>(++done) / static_cast<double>(total), "VAE tiles");
        }
    }
    return out.div_(weight);
}

} // namespace

VaeAttentionImpl::VaeAttentionImpl(int64_t channels, int64_t groups, const at::TensorOptions& options)
{
    group_norm = register_module("group_norm", GroupNorm(groups, channels, kVaeEps, options));
    attention = AttentionModule(channels, channels, 1, true, options);
    // diffusers names the projections directly under the attention module (no extra level).
    for (const auto& child : attention->named_children()) {
        register_module(child.key(), child.value());
    }
}

at::Tensor VaeAttentionImpl::forward(const at::Tensor& x) const
{
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    const at::Tensor tokens = group_norm->forward(x).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    const at::Tensor out = attention->forward(tokens).view({b, h, w, c}).permute({0, 3, 1, 2});
    return out.add_(x);
}

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels,
                                 int64_t groups,
                                 bool withAttention,
                                 const at::TensorOptions& options)
{
    resnets = register_module("resnets", torch::nn::ModuleList());
    resnet0 = ResnetBlock2D(channels, channels, 0, groups, kVaeEps, options);
    resnet1 = ResnetBlock2D(channels, channels, 0, groups, kVaeEps, options);
    resnets->push_back(resnet0);
    resnets->push_back(resnet1);
    if (withAttention) {
        attentions = register_module("attentions", torch::nn::ModuleList());
        attention = VaeAttention(channels, groups, options);
        attentions->push_back(attention);
    }
}

at::Tensor VaeMidBlockImpl::forward(const at::Tensor& x) const
{
    at::Tensor h = resnet0->forward(x);
    if (attention) {
        h = attention->forward(h);
    }
    return resnet1->forward(h);
}

VaeBlockImpl::VaeBlockImpl(int64_t inChannels,
                           int64_t outChannels,
                           int64_t layers,
                           int64_t groups,
                           bool down,
                           bool resample,
                           const at::TensorOptions& options)
{
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) {
        resnetList.push_back(
            ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, 0, groups, kVaeEps, options));
        resnets->push_back(resnetList.back());
    }
    if (resample) {
        samplers = register_module(down ? "downsamplers" : "upsamplers", torch::nn::ModuleList());
        if (down) {
            downsampler = Downsample2D(outChannels, 0, options);
            samplers->push_back(downsampler);
        } else {
            upsampler = Upsample2D(outChannels, options);
            samplers->push_back(upsampler);
        }
    }
}

at::Tensor VaeBlockImpl::forward(at::Tensor x) const
{
    for (const auto& r : resnetList) {
        x = r->forward(x);
    }
    if (downsampler) {
        x = downsampler->forward(x);
    }
    if (upsampler) {
        x = upsampler->forward(x);
    }
    return x;
}

VaeEncoderImpl::VaeEncoderImpl(const VaeConfig& c, const at::TensorOptions& options)
{
    const auto& ch = c.blockOutChannels;
    conv_in = register_module("conv_in", Conv2d(c.inChannels, ch[0], 3, options, 1, 1));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t in = ch[0];
    for (size_t i = 0; i < ch.size(); ++i) {
        blocks.push_back(
            VaeBlock(in, ch[i], c.layersPerBlock, c.normNumGroups, true, i + 1 < ch.size(), options));
        down_blocks->push_back(blocks.back());
        in = ch[i];
    }
    mid_block = register_module("mid_block",
                                VaeMidBlock(ch.back(), c.normNumGroups, c.midBlockAddAttention, options));
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.normNumGroups, ch.back(), kVaeEps, options));
    conv_out = register_module("conv_out", Conv2d(ch.back(), 2 * c.latentChannels, 3, options, 1, 1));
}

at::Tensor VaeEncoderImpl::forward(const at::Tensor& image) const
{
    at::Tensor h = conv_in->forward(image);
    for (const auto& block : blocks) {
        h = block->forward(h);
    }
    h = mid_block->forward(h);
    return conv_out->forward(conv_norm_out->forwardSilu(h));
}

VaeDecoderImpl::VaeDecoderImpl(const VaeConfig& c, const at::TensorOptions& options)
{
    const auto& ch = c.blockOutChannels;
    const size_t n = ch.size();
    conv_in = register_module("conv_in", Conv2d(c.latentChannels, ch.back(), 3, options, 1, 1));
    mid_block = register_module("mid_block",
                                VaeMidBlock(ch.back(), c.normNumGroups, c.midBlockAddAttention, options));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    int64_t prev = ch.back();
    for (size_t i = 0; i < n; ++i) {
        const int64_t out = ch[n - 1 - i];
        blocks.push_back(
            VaeBlock(prev, out, c.layersPerBlock + 1, c.normNumGroups, false, i + 1 < n, options));
        up_blocks->push_back(blocks.back());
        prev = out;
    }
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.normNumGroups, ch[0], kVaeEps, options));
    conv_out = register_module("conv_out", Conv2d(ch[0], c.outChannels, 3, options, 1, 1));
}

at::Tensor VaeDecoderImpl::forward(const at::Tensor& z, const core::JobContext* job) const
{
    const auto poll = [job] {
        if (job) {
            core::throwIfCancelled(*job);
        }
    };
    poll();
    at::Tensor h = mid_block->forward(conv_in->forward(z));
    for (const auto& block : blocks) {
        poll();
        h = block->forward(h);
    }
    poll();
    return conv_out->forward(conv_norm_out->forwardSilu(h));
}

AutoencoderKLImpl::AutoencoderKLImpl(const VaeConfig& config, const at::TensorOptions& options)
    : m_config(config)
{
    if (auto ok = config.validate(); !ok) {
        throw std::invalid_argument(ok.error().message);
    }
    encoder = register_module("encoder", VaeEncoder(config, options));
    decoder = register_module("decoder", VaeDecoder(config, options));
    if (config.useQuantConv) {
        const int64_t m = 2 * config.latentChannels;
        quant_conv = register_module("quant_conv", Conv2d(m, m, 1, options));
    }
    if (config.usePostQuantConv) {
        const int64_t l = config.latentChannels;
        post_quant_conv = register_module("post_quant_conv", Conv2d(l, l, 1, options));
    }
}

void AutoencoderKLImpl::setChannelsLast(bool enabled)
{
    m_channelsLast = enabled;
    if (enabled) {
        convertConvWeightsToChannelsLast(*this);
    }
}

void AutoencoderKLImpl::applyForceUpcast()
{
    if (!m_config.forceUpcast || dtype() == at::kFloat || dtype() == at::kDouble) {
        return;
    }
    for (auto& item : named_parameters()) {
        at::Tensor& p = item.value();
        at::Tensor converted = p.to(at::kFloat);
        if (m_channelsLast && p.dim() == 4) {
            converted = converted.contiguous(at::MemoryFormat::ChannelsLast);
        }
        p.set_data(converted);
    }
}

at::Tensor AutoencoderKLImpl::prepare(const at::Tensor& x) const
{
    const at::MemoryFormat format =
        m_channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    return inFormat(x.to(encoder->conv_in->weight.device(), dtype()), format);
}

LatentDist AutoencoderKLImpl::distribution(const at::Tensor& moments) const
{
    const int64_t l = m_config.latentChannels;
    LatentDist d;
    d.mean = moments.narrow(1, 0, l).to(at::kFloat).contiguous();
    d.logvar = moments.narrow(1, l, l).to(at::kFloat).clamp(-30.0, 20.0).contiguous();
    d.std = (d.logvar * 0.5).exp_();
    return d;
}

at::Tensor AutoencoderKLImpl::encodeMoments(const at::Tensor& image)
{
    applyForceUpcast();
    // Any size: like diffusers, each downsample pads right/bottom by one and rounds down, so a
    // 75-pixel side gives 37 latent pixels (oracle gotcha 11).
    if (image.dim() != 4 || image.size(1) != m_config.inChannels || image.size(2) < 1 || image.size(3) < 1) {
        throw std::invalid_argument("VAE encode needs images [B, " + std::to_string(m_config.inChannels) +
                                    ", H, W]");
    }
    at::Tensor moments = encoder->forward(prepare(image));
    if (quant_conv) {
        moments = quant_conv->forward(moments);
    }
    return moments;
}

LatentDist AutoencoderKLImpl::encode(const at::Tensor& image)
{
    return distribution(encodeMoments(image));
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& latents, const core::JobContext* job)
{
    applyForceUpcast();
    if (latents.dim() != 4 || latents.size(1) != m_config.latentChannels) {
        throw std::invalid_argument("VAE decode needs latents [B, " +
                                    std::to_string(m_config.latentChannels) + ", h, w]");
    }
    at::Tensor z = prepare(latents);
    if (post_quant_conv) {
        z = post_quant_conv->forward(z);
    }
    return decoder->forward(z, job).to(at::kFloat).contiguous();
}

LatentDist
AutoencoderKLImpl::encodeTiled(const at::Tensor& image, const VaeTiling& tiling, core::JobContext& job)
{
    const int64_t f = m_config.downscale();
    if (image.dim() == 4 && (image.size(2) % f != 0 || image.size(3) % f != 0)) {
        return encode(image); // tiles must align with the latent grid; odd sizes go in one piece
    }
    const at::Tensor moments = blendTiles(
        image, image.size(2) / f, image.size(3) / f, f, 1, tiling, job, [&](const at::Tensor& piece) {
            return encodeMoments(piece);
        });
    return distribution(moments);
}

at::Tensor
AutoencoderKLImpl::decodeTiled(const at::Tensor& latents, const VaeTiling& tiling, core::JobContext& job)
{
    if (latents.dim() != 4) {
        throw std::invalid_argument("VAE decode needs latents [B, C, h, w]");
    }
    return blendTiles(latents,
                      latents.size(2),
                      latents.size(3),
                      1,
                      m_config.downscale(),
                      tiling,
                      job,
                      [&](const at::Tensor& piece) { return decode(piece); });
}

} // namespace hdr::diffusion
