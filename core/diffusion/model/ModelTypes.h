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
enum class ModelArch { SD15, SDXL };
const char* nameOf(ModelArch arch);                     // "sd15", "sdxl"
bool hasComponent(ModelArch arch, Component component); // SD 1.x has no text_encoder_2

enum class ModelLayout {
    SingleFile,      // one .safetensors with LDM/A1111/ComfyUI names (model.diffusion_model.*, ...)
    DiffusersFolder, // model_index.json + unet/ vae/ text_encoder/ ... with config.json each
    FlatFolder,      // unet.safetensors + unet_config.json ... side by side (the oracle's tiny models)
};
const char* nameOf(ModelLayout layout); // "single-file", "diffusers", "flat"

} // namespace hdr::diffusion
