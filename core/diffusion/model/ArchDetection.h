#pragma once
// Which Stable Diffusion family a checkpoint is, from its tensor names and shapes (single files)
// or its configs (diffusers folders). We run SD 1.x, SDXL base and refiner, and GM-Diffusion's
// gain-map UNet; SD 2.x, SD3, Flux, inpainting and other conditioning UNets are recognised and
// refused with the reason
// (one sentence a user can act on). An 8-channel SD 1.x UNet is GM-Diffusion's gain-map UNet
// (ModelArch::SD15GM); it may come without VAE and text encoder. Torch-free.
//
// Single-file signatures (LDM names):
//   SD 1.x        cond_stage_model.transformer.text_model.*        (CLIP-L, 768-wide context)
//   SD 2.x        cond_stage_model.model.*                         (OpenCLIP-H, 1024-wide context)
//   SDXL base     conditioner.embedders.0.transformer.* (CLIP-L) + conditioner.embedders.1.model.* (bigG)
//   SDXL refiner  conditioner.embedders.0.model.* only             (bigG alone, 1280-wide context)
//   SD3 / Flux    (model.diffusion_model.)joint_blocks.* / double_blocks.*
//   inpainting    model.diffusion_model.input_blocks.0.0.weight with 9 input channels
//   GM UNet       the same with 8 input channels on the SD 1.x layout
#include "common/Error.h"
#include "diffusion/model/LdmConversion.h"
#include "diffusion/model/ModelTypes.h"

#include <string>

namespace hdr::diffusion {

// UnsupportedFormat with the family and the reason when the checkpoint is not SD 1.x/SDXL base.
core::Result<ModelArch> detectLdmArch(const KeyShapes& keys);

// Diffusers folders: the JSON texts of model_index.json (may be empty), unet/config.json and
// text_encoder/config.json (may be empty), and which text encoders have weights.
struct DiffusersArchInputs {
    std::string modelIndexJson;
    std::string unetConfigJson;
    std::string textEncoderConfigJson;
    bool hasTextEncoder = true;
    bool hasTextEncoder2 = false;
};
core::Result<ModelArch> detectDiffusersArch(const DiffusersArchInputs& inputs);

} // namespace hdr::diffusion
