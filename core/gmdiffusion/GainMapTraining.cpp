#include "gmdiffusion/GainMapTraining.h"

#include <torch/nn/utils/clip_grad.h>

namespace hdr::diffusion {

GmStage2Trainer::GmStage2Trainer(ClipTextModel textEncoder,
                                 AutoencoderKL vae,
                                 UNet2DConditionModel gmUnet,
                                 const std::vector<double>& alphasCumprod,
                                 const GmOptimizerSettings& settings)
    : m_textEncoder(std::move(textEncoder))
    , m_vae(std::move(vae))
    , m_unet(std::move(gmUnet))
    , m_alphasCumprod(at::tensor(alphasCumprod, at::kDouble).to(at::kFloat))
    , m_settings(settings)
{
    m_textEncoder->eval();
    m_vae->eval();
    m_unet->train();
    for (auto& p : m_textEncoder->parameters())
        p.set_requires_grad(false);
    for (auto& p : m_vae->parameters())
        p.set_requires_grad(false);
    for (auto& p : m_unet->parameters())
        p.set_requires_grad(true);
    torch::optim::AdamWOptions options(settings.learningRate);
    options.betas({settings.beta1, settings.beta2});
    options.weight_decay(settings.weightDecay);
    options.eps(settings.epsilon);
    m_optimizer = std::make_unique<torch::optim::AdamW>(m_unet->parameters(), options);
}

GmTrainingStep GmStage2Trainer::accumulateGradients(const GmTrainingBatch& b, double lossScale)
{
    GmTrainingStep out;
    const auto device = m_unet->conv_in->weight.device();
    {
        at::NoGradGuard frozen;
        out.textCond =
            m_textEncoder->forward(b.inputIds.to(device), -1, b.attentionMask.to(device)).lastHiddenState;
        const double sf = m_vae->config().scalingFactor;
        out.sdrLatents =
            m_vae->encode(b.sdrImages.to(device, m_vae->dtype())).sample(b.vaeNoiseSdr.to(device)) * sf;
        out.gmLatents =
            m_vae->encode(b.gainMaps.to(device, m_vae->dtype())).sample(b.vaeNoiseGm.to(device)) * sf;
        out.alphasCumprodT = m_alphasCumprod.index_select(0, b.timesteps.to(at::kCPU, at::kLong)).to(device);
        const at::Tensor a = out.alphasCumprodT.view({-1, 1, 1, 1});
        const at::Tensor noise = b.gmNoise.to(device, at::kFloat);
        out.noisyGmLatents = a.sqrt() * out.gmLatents.to(at::kFloat) + (1.0 - a).sqrt() * noise;
        out.inputLatents = at::cat({out.sdrLatents.to(at::kFloat), out.noisyGmLatents}, 1);
    }
    out.modelPred = m_unet->forward(out.inputLatents, b.timesteps.to(device), out.textCond).to(at::kFloat);
    const at::Tensor loss = (out.modelPred - b.gmNoise.to(device, at::kFloat)).pow(2).mean();
    out.loss = loss.item<double>();
    (loss / lossScale).backward();
    return out;
}

double GmStage2Trainer::step()
{
    const double norm = torch::nn::utils::clip_grad_norm_(m_unet->parameters(), m_settings.maxGradNorm);
    m_optimizer->step();
    return norm;
}

void GmStage2Trainer::zeroGradients()
{
    m_optimizer->zero_grad();
}

void GmStage2Trainer::setLearningRate(double lr)
{
    for (auto& group : m_optimizer->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
}

} // namespace hdr::diffusion
