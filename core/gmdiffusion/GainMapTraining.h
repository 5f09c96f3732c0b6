#pragma once
// Internal, libtorch: one optimisation step of GM-Diffusion's stage 2, the gain-map UNet
// (scripts/stage2/train_gm_unet.py; oracle kind gm_train_loss, gotcha 19):
//   text_cond   = CLIP(input_ids, attention_mask).last_hidden_state   (WITH the padding mask)
//   sdr, gm     = VAE posterior samples of the SDR image and the gain map, * scaling factor
//   noisy_gm    = sqrt(acp[t]) gm + sqrt(1 - acp[t]) noise              (DDPM add_noise, t per sample)
//   pred        = GM UNet(cat([sdr, noisy_gm]), t, text_cond)
//   loss_gm     = mean((pred - noise)^2)                                (epsilon target)
// then backward, clip_grad_norm_(all GM UNet parameters, 1.0) and one AdamW step (lr 1e-4,
// betas 0.9/0.999, weight decay 1e-2, eps 1e-8). Only the GM UNet learns; the VAE and the text
// encoder are frozen and run without gradients.
#include "diffusion/nets/AutoencoderKL.h"
#include "diffusion/nets/UNet2DConditionModel.h"
#include "diffusion/text/ClipTextModel.h"

#include <torch/optim/adamw.h>

#include <memory>
#include <vector>

namespace hdr::diffusion {

struct GmTrainingBatch {
    at::Tensor inputIds;                         // [B, 77] int64, tokenizer padding to max length
    at::Tensor attentionMask;                    // [B, 77] 1 = token, 0 = padding
    at::Tensor sdrImages;                        // [B, 3, H, W] in [-1, 1]
    at::Tensor gainMaps;                         // [B, 3, H, W] in [-1, 1]
    at::Tensor timesteps;                        // [B] int64 in [0, 1000)
    at::Tensor vaeNoiseSdr, vaeNoiseGm, gmNoise; // [B, 4, H/8, W/8] N(0, 1)
};

struct GmTrainingStep {
    at::Tensor textCond, sdrLatents, gmLatents, noisyGmLatents, inputLatents, modelPred, alphasCumprodT;
    double loss = 0.0;
};

struct GmOptimizerSettings {
    double learningRate = 1e-4;
    double beta1 = 0.9, beta2 = 0.999;
    double weightDecay = 1e-2;
    double epsilon = 1e-8;
    double maxGradNorm = 1.0;
};

class GmStage2Trainer {
public:
    // alphasCumprod: the DDPM training schedule (Scheduler::alphasCumprod()).
    GmStage2Trainer(ClipTextModel textEncoder,
                    AutoencoderKL vae,
                    UNet2DConditionModel gmUnet,
                    const std::vector<double>& alphasCumprod,
                    const GmOptimizerSettings& settings = {});

    // Forward and backward; gradients accumulate into the UNet's (call zeroGradients() between
    // optimiser steps). lossScale divides the loss before backward (gradient accumulation).
    GmTrainingStep accumulateGradients(const GmTrainingBatch& batch, double lossScale = 1.0);
    // Clips the gradients to settings.maxGradNorm (total 2-norm, torch.nn.utils.clip_grad_norm_)
    // and takes one AdamW step; returns the total norm before clipping.
    double step();
    void zeroGradients();

    UNet2DConditionModelImpl& unet() { return *m_unet; }
    torch::optim::AdamW& optimizer() { return *m_optimizer; }
    void setLearningRate(double lr);

private:
    ClipTextModel m_textEncoder;
    AutoencoderKL m_vae;
    UNet2DConditionModel m_unet;
    at::Tensor m_alphasCumprod; // float32, as diffusers keeps it
    GmOptimizerSettings m_settings;
    std::unique_ptr<torch::optim::AdamW> m_optimizer;
};

} // namespace hdr::diffusion
