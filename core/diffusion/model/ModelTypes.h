#pragma once
// Names shared by the model-file code: which network a tensor belongs to, which architecture a
// checkpoint is, and how its files are laid out on disk. Torch-free (the CLI includes it).
#include <optional>
#include <string>
#include <string_view>

namespace hdr::diffusion {

// A network of a Stable Diffusion bundle. The names are the diffusers folder names.
enum class Component { Unet, Vae, TextEncoder, TextEncoder2 };
inline constexpr Component kAllComponents[] = {
    Component::Unet, Component::Vae, Component::TextEncoder, Component::TextEncoder2};
const char* nameOf(Component component); // "unet", "vae", "text_encoder", "text_encoder_2"
std::optional<Component> componentFromName(std::string_view name);

// The architectures we run. Everything else is recognised and refused by ArchDetection.
//   SD15GM: GM-Diffusion's gain-map UNet (docs/gainmap-diffusion.md), an SD 1.5 UNet whose conv_in
//   takes 8 channels (clean SDR latent + noisy gain-map latent). A GM checkpoint may be the UNet
//   alone: its VAE and text encoder are SD 1.5's and come from the SDR model.
//   SDXLRefiner: SDXL's refiner UNet with the OpenCLIP bigG text encoder alone (no CLIP-L) and
//   the aesthetic score in place of the target size.
enum class ModelArch { SD15, SDXL, SD15GM, SDXLRefiner };
const char* nameOf(ModelArch arch); // "sd15", "sdxl", "sd15-gm", "sdxl-refiner"
bool hasComponent(ModelArch arch,
                  Component component); // SD 1.x has no text_encoder_2, the refiner no text_encoder
bool isRequired(ModelArch arch, Component component); // a GM UNet needs no VAE / text encoder
bool isSd15Family(ModelArch arch);                    // SD15 and SD15GM share layouts and presets
bool isSdxlFamily(ModelArch arch);                    // SDXL and its refiner: text_time UNets

enum class ModelLayout {
    SingleFile,      // one .safetensors with LDM/A1111/ComfyUI names (model.diffusion_model.*, ...)
    DiffusersFolder, // model_index.json + unet/ vae/ text_encoder/ ... with config.json each
    FlatFolder,      // unet.safetensors + unet_config.json ... side by side (the oracle's tiny models)
};
const char* nameOf(ModelLayout layout); // "single-file", "diffusers", "flat"

} // namespace hdr::diffusion
