#include "diffusion/nets/UNet2DConditionModel.h"

#include <stdexcept>

namespace hdr::diffusion {
namespace {

bool hasCrossAttention(const std::string& blockType)
{
    return blockType.rfind("CrossAttn", 0) == 0;
}

} // namespace

UNetDownBlockImpl::UNetDownBlockImpl(const UNetConfig& c,
                                     size_t index,
                                     int64_t inChannels,
                                     const at::TensorOptions& options)
{
    const int64_t out = c.blockOutChannels[index];
    const bool attn = hasCrossAttention(c.downBlockTypes[index]);
    resnets = register_module("resnets", torch::nn::ModuleList());
    if (attn) {
        attentions = register_module("attentions", torch::nn::ModuleList());
    }
    for (int64_t i = 0; i < c.layersPerBlock; ++i) {
        resnetList.push_back(ResnetBlock2D(
            i == 0 ? inChannels : out, out, c.timeEmbedDim(), c.normNumGroups, c.normEps, options));
        resnets->push_back(resnetList.back());
        if (attn) {
            attentionList.push_back(Transformer2DModel(out,
                                                       c.attentionHeads[index],
                                                       c.transformerLayersPerBlock[index],
                                                       c.crossAttentionDim,
                                                       c.normNumGroups,
                                                       c.useLinearProjection,
                                                       options));
            attentions->push_back(attentionList.back());
        }
    }
    if (index + 1 < c.blockOutChannels.size()) {
        downsamplers = register_module("downsamplers", torch::nn::ModuleList());
        downsampler = Downsample2D(out, c.downsamplePadding, options);
        downsamplers->push_back(downsampler);
    }
}

at::Tensor UNetDownBlockImpl::forward(at::Tensor h,
                                      const at::Tensor& temb,
                                      const at::Tensor& context,
                                      std::vector<at::Tensor>& skips) const
{
    for (size_t i = 0; i < resnetList.size(); ++i) {
        h = resnetList[i]->forward(h, temb);
        if (!attentionList.empty()) {
            h = attentionList[i]->forward(h, context);
        }
        skips.push_back(h);
    }
    if (downsampler) {
        h = downsampler->forward(h);
        skips.push_back(h);
    }
    return h;
}

UNetUpBlockImpl::UNetUpBlockImpl(const UNetConfig& c, size_t index, const at::TensorOptions& options)
{
    // Channel bookkeeping of diffusers' UNet2DConditionModel.__init__ for up block `index`.
    const size_t n = c.blockOutChannels.size();
    auto reversedChannels = [&](size_t i) { return c.blockOutChannels[n - 1 - i]; };
    const int64_t prevOutput = reversedChannels(index == 0 ? 0 : index - 1);
    const int64_t out = reversedChannels(index);
    const int64_t in = reversedChannels(std::min(index + 1, n - 1));
    const bool attn = hasCrossAttention(c.upBlockTypes[index]);
    const int64_t heads = c.attentionHeads[n - 1 - index];
    const int64_t layers = c.transformerLayersPerBlock[n - 1 - index];
    const int64_t count = c.layersPerBlock + 1;

    resnets = register_module("resnets", torch::nn::ModuleList());
    if (attn) {
        attentions = register_module("attentions", torch::nn::ModuleList());
    }
    for (int64_t i = 0; i < count; ++i) {
        const int64_t skip = i == count - 1 ? in : out;
        const int64_t resnetIn = i == 0 ? prevOutput : out;
        resnetList.push_back(
            ResnetBlock2D(resnetIn + skip, out, c.timeEmbedDim(), c.normNumGroups, c.normEps, options));
        resnets->push_back(resnetList.back());
        if (attn) {
            attentionList.push_back(Transformer2DModel(
                out, heads, layers, c.crossAttentionDim, c.normNumGroups, c.useLinearProjection, options));
            attentions->push_back(attentionList.back());
        }
    }
    if (index + 1 < n) {
        upsamplers = register_module("upsamplers", torch::nn::ModuleList());
        upsampler = Upsample2D(out, options);
        upsamplers->push_back(upsampler);
    }
}

at::Tensor UNetUpBlockImpl::forward(at::Tensor h,
                                    const at::Tensor& temb,
                                    const at::Tensor& context,
                                    std::vector<at::Tensor>& skips) const
{
    for (size_t i = 0; i < resnetList.size(); ++i) {
        const at::Tensor skip = std::move(skips.back());
        skips.pop_back();
        // cat keeps channels-last when both inputs are channels-last.
        h = resnetList[i]->forward(at::cat({h, skip}, 1), temb);
        if (!attentionList.empty()) {
            h = attentionList[i]->forward(h, context);
        }
    }
    if (upsampler) {
        std::optional<std::array<int64_t, 2>> size;
        if (!skips.empty()) {
            size = std::array<int64_t, 2>{skips.back().size(2), skips.back().size(3)};
        }
        h = upsampler->forward(h, size);
    }
    return h;
}

UNetMidBlockImpl::UNetMidBlockImpl(const UNetConfig& c, const at::TensorOptions& options)
{
    const int64_t ch = c.blockOutChannels.back();
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnet0 = ResnetBlock2D(ch, ch, c.timeEmbedDim(), c.normNumGroups, c.normEps, options);
    resnet1 = ResnetBlock2D(ch, ch, c.timeEmbedDim(), c.normNumGroups, c.normEps, options);
    attention = Transformer2DModel(ch,
                                   c.attentionHeads.back(),
                                   c.transformerLayersPerBlock.back(),
                                   c.crossAttentionDim,
                                   c.normNumGroups,
                                   c.useLinearProjection,
                                   options);
    resnets->push_back(resnet0);
    resnets->push_back(resnet1);
    attentions->push_back(attention);
}

at::Tensor
UNetMidBlockImpl::forward(const at::Tensor& h, const at::Tensor& temb, const at::Tensor& context) const
{
    return resnet1->forward(attention->forward(resnet0->forward(h, temb), context), temb);
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNetConfig& config, const at::TensorOptions& options)
    : m_config(config)
{
    if (auto ok = config.validate(); !ok) {
        throw std::invalid_argument(ok.error().message);
    }
    const auto& c = m_config;
    const int64_t ch0 = c.blockOutChannels[0];
    conv_in = register_module("conv_in", Conv2d(c.inChannels, ch0, 3, options, 1, 1));
    time_embedding = register_module("time_embedding", TimestepEmbedding(ch0, c.timeEmbedDim(), options));
    if (c.hasTextTime()) {
        add_embedding = register_module(
            "add_embedding", TimestepEmbedding(c.projectionClassEmbeddingsDim, c.timeEmbedDim(), options));
    }
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t in = ch0;
    for (size_t i = 0; i < c.blockOutChannels.size(); ++i) {
        downList.push_back(UNetDownBlock(c, i, in, options));
        down_blocks->push_back(downList.back());
        in = c.blockOutChannels[i];
    }
    mid_block = register_module("mid_block", UNetMidBlock(c, options));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    for (size_t i = 0; i < c.blockOutChannels.size(); ++i) {
        upList.push_back(UNetUpBlock(c, i, options));
        up_blocks->push_back(upList.back());
    }
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.normNumGroups, ch0, c.normEps, options));
    conv_out = register_module("conv_out", Conv2d(ch0, c.outChannels, 3, options, 1, 1));
}

void UNet2DConditionModelImpl::setChannelsLast(bool enabled)
{
    m_channelsLast = enabled;
    if (enabled) {
        convertConvWeightsToChannelsLast(*this);
    }
}

at::Tensor UNet2DConditionModelImpl::forward(const at::Tensor& sampleIn,
                                             const at::Tensor& timestep,
                                             const at::Tensor& encoderHiddenStates,
                                             const AddedCond* addedCond,
                                             std::map<std::string, at::Tensor>* debug) const
{
    const auto& c = m_config;
    const at::ScalarType type = dtype();
    if (sampleIn.dim() != 4 || sampleIn.size(1) != c.inChannels) {
        throw std::invalid_argument("UNet sample must be [B, " + std::to_string(c.inChannels) + ", h, w]");
    }
    const int64_t batch = sampleIn.size(0);
    if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.size(0) != batch ||
        encoderHiddenStates.size(2) != c.crossAttentionDim) {
        throw std::invalid_argument("UNet encoder_hidden_states must be [B, L, " +
                                    std::to_string(c.crossAttentionDim) + "] with the sample's batch");
    }
    if (timestep.numel() != 1 && timestep.numel() != batch) {
        throw std::invalid_argument("UNet timestep must be a scalar or have one value per sample");
    }
    auto keep = [&](const char* name, const at::Tensor& t) {
        if (debug) {
            (*debug)[name] = t.to(at::kFloat).contiguous();
        }
    };
    const at::MemoryFormat format =
        m_channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    const at::Tensor sample = inFormat(sampleIn.to(conv_in->weight.device(), type), format);
    const at::Tensor context = encoderHiddenStates.to(sample.device(), type);

    // Time embedding in fp32 features, then the model dtype (gotcha 8).
    const at::Tensor steps = timestep.reshape({-1}).to(sample.device()).to(at::kFloat).expand({batch});
    const at::Tensor tproj = timestepFeatures(steps, c.blockOutChannels[0], c.flipSinToCos, c.freqShift);
    keep("time_proj", tproj);
    at::Tensor temb = time_embedding->forward(tproj.to(type));
    keep("time_embedding", temb);
    if (c.hasTextTime()) {
        if (!addedCond || !addedCond->textEmbeds.defined() || !addedCond->timeIds.defined()) {
            throw std::invalid_argument("this UNet (SDXL) needs text_embeds and time_ids");
        }
        const at::Tensor timeIds = addedCond->timeIds.to(sample.device()).to(at::kFloat);
        // Base models take 6 ids (sizes and crop), the refiner 5 (the target size becomes the
        // aesthetic score); the projection's width below decides which this UNet was trained on.
        if (timeIds.numel() != batch * 6 && timeIds.numel() != batch * 5) {
            throw std::invalid_argument("SDXL time_ids must be [B, 6] (base) or [B, 5] (refiner)");
        }
        const at::Tensor timeProj =
            timestepFeatures(timeIds.reshape({-1}), c.additionTimeEmbedDim, c.flipSinToCos, c.freqShift);
        keep("add_time_proj", timeProj);
        const at::Tensor addEmbeds = at::cat(
            {addedCond->textEmbeds.to(sample.device()).to(at::kFloat), timeProj.reshape({batch, -1})}, -1);
        if (addEmbeds.size(1) != c.projectionClassEmbeddingsDim) {
            throw std::invalid_argument("SDXL text_embeds + " + std::to_string(timeIds.numel() / batch) +
                                        " time ids give " + std::to_string(addEmbeds.size(1)) +
                                        " features; the UNet expects " +
                                        std::to_string(c.projectionClassEmbeddingsDim));
        }
        const at::Tensor aug = add_embedding->forward(addEmbeds.to(type));
        keep("add_embedding", aug);
        temb = temb + aug;
    }

    at::Tensor h = conv_in->forward(sample);
    keep("conv_in", h);
    std::vector<at::Tensor> skips{h};
    for (size_t i = 0; i < downList.size(); ++i) {
        h = downList[i]->forward(h, temb, context, skips);
        keep(("down_blocks." + std::to_string(i)).c_str(), h);
    }
    h = mid_block->forward(h, temb, context);
    keep("mid_block", h);
    for (size_t i = 0; i < upList.size(); ++i) {
        h = upList[i]->forward(h, temb, context, skips);
        keep(("up_blocks." + std::to_string(i)).c_str(), h);
    }
    h = conv_out->forward(conv_norm_out->forwardSilu(h));
    return h.contiguous();
}

} // namespace hdr::diffusion
