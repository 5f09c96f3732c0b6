#include "diffusion/model/ModelTypes.h"

namespace hdr::diffusion {

const char* nameOf(Component component)
{
    switch (component) {
    case Component::Unet: return "unet";
    case Component::Vae: return "vae";
    case Component::TextEncoder: return "text_encoder";
    case Component::TextEncoder2: return "text_encoder_2";
    }
    return "?";
}

std::optional<Component> componentFromName(std::string_view name)
{
    for (Component component : kAllComponents) {
        if (name == nameOf(component)) {
            return component;
        }
    }
    return std::nullopt;
}

const char* nameOf(ModelArch arch)
{
    switch (arch) {
    case ModelArch::SD15: return "sd15";
    case ModelArch::SDXL: return "sdxl";
    case ModelArch::SD15GM: return "sd15-gm";
    case ModelArch::SDXLRefiner: return "sdxl-refiner";
    }
    return "?";
}

bool hasComponent(ModelArch arch, Component component)
{
    switch (component) {
    case Component::TextEncoder: return arch != ModelArch::SDXLRefiner;
    case Component::TextEncoder2: return isSdxlFamily(arch);
    default: return true;
    }
}

bool isRequired(ModelArch arch, Component component)
{
    // A gain-map UNet and an SDXL refiner may come without the VAE and text encoder they share
    // with their base model (the pipelines take those from the base).
    if (arch == ModelArch::SD15GM || arch == ModelArch::SDXLRefiner) {
        return component == Component::Unet;
    }
    return hasComponent(arch, component);
}

bool isSd15Family(ModelArch arch)
{
    return arch == ModelArch::SD15 || arch == ModelArch::SD15GM;
}

bool isSdxlFamily(ModelArch arch)
{
    return arch == ModelArch::SDXL || arch == ModelArch::SDXLRefiner;
}

const char* nameOf(ModelLayout layout)
{
    switch (layout) {
    case ModelLayout::SingleFile: return "single-file";
    case ModelLayout::DiffusersFolder: return "diffusers";
    case ModelLayout::FlatFolder: return "flat";
    }
    return "?";
}

} // namespace hdr::diffusion
