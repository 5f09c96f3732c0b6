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
    return arch == ModelArch::SDXL ? "sdxl" : "sd15";
}

bool hasComponent(ModelArch arch, Component component)
{
    return component != Component::TextEncoder2 || arch == ModelArch::SDXL;
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
