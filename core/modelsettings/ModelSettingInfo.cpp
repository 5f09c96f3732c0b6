#include "modelsettings/ModelSettingInfo.h"

namespace hdr::modelsettings {

using spec::SettingInfo;

SettingInfo model()
{
    return {.key = "model",
            .label = "Model",
            .valueName = "PATH",
            .help = "SD 1.5 / SDXL model: single .safetensors file, diffusers folder or flat folder",
            .group = "Model"};
}

SettingInfo tokenizer()
{
    return {.key = "tokenizer",
            .label = "Tokenizer folder",
            .valueName = "DIR",
            .help = "tokenizer folder for a single-file model",
            .group = "Model"};
}

SettingInfo dtype()
{
    return {
        .key = "dtype",
        .label = "Precision",
        .valueName = "T",
        .help =
            "weights and activations: fp32, bf16 (half the memory; faster only with AVX-512 BF16) or fp16",
        .group = "Model",
        .choices = {"fp32", "bf16", "fp16"}};
}

SettingInfo device()
{
    return {
        .key = "device", .label = "Device", .valueName = "D", .help = "cpu or cuda[:N]", .group = "Model"};
}

SettingInfo threads()
{
    return {.key = "threads",
            .label = "Threads",
            .valueName = "N",
            .help = "CPU threads (0: all cores)",
            .group = "Model",
            .min = 0,
            .max = 1024};
}

SettingInfo promptStyle()
{
    return {.key = "prompt-style",
            .label = "Prompt style",
            .valueName = "STYLE",
            .help = "a1111: (word:1.2) weights, BREAK, prompts over 75 tokens; diffusers: plain text",
            .group = "Prompt",
            .choices = {"a1111", "diffusers"}};
}

SettingInfo clipSkip()
{
    return {.key = "clip-skip",
            .label = "Clip skip",
            .valueName = "N",
            .help = "skip the last N CLIP layers (diffusers clip_skip; A1111 'Clip skip 2' = 1)",
            .group = "Prompt",
            .min = 0,
            .max = 10};
}

SettingInfo refiner()
{
    return {.key = "refiner",
            .label = "Refiner",
            .valueName = "PATH",
            .help = "SDXL refiner model that finishes the last part of the schedule (empty: none)",
            .group = "Refiner"};
}

SettingInfo refinerSwitch()
{
    return {.key = "refiner-switch",
            .label = "Refiner switch at",
            .valueName = "F",
            .help = "fraction of the schedule the base model runs before the refiner takes over",
            .group = "Refiner",
            .min = 0.01,
            .max = 0.99};
}

SettingInfo aestheticScore()
{
    return {.key = "aesthetic-score",
            .label = "Aesthetic score",
            .valueName = "S",
            .help = "SDXL refiner: the aesthetic score the conditional pass asks for",
            .group = "Refiner",
            .min = 0,
            .max = 10};
}

SettingInfo negativeAestheticScore()
{
    SettingInfo info = aestheticScore();
    info.key = "negative-aesthetic-score";
    info.label = "Negative aesthetic score";
    info.help = "SDXL refiner: the aesthetic score of the unconditional pass";
    return info;
}

SettingInfo sampler()
{
    return {.key = "sampler",
            .label = "Sampler",
            .valueName = "NAME",
            .help = "euler, euler_a, ddim, dpmpp_2m, dpmpp_2m_karras, unipc, pndm, lms, ... or a diffusers "
                    "class name",
            .group = "Sampling"};
}

SettingInfo steps()
{
    return {.key = "steps",
            .label = "Steps",
            .valueName = "N",
            .help = "denoising steps",
            .group = "Sampling",
            .min = 1,
            .max = 1000};
}

SettingInfo cfg()
{
    return {.key = "cfg",
            .label = "CFG scale",
            .valueName = "S",
            .help = "classifier-free guidance scale (<= 1 disables it)",
            .group = "Sampling",
            .min = 0,
            .max = 100};
}

SettingInfo seed()
{
    return {.key = "seed", .label = "Seed", .valueName = "N", .help = "seed", .group = "Sampling"};
}

SettingInfo width()
{
    return {.key = "width",
            .label = "Width",
            .valueName = "W",
            .help = "width in pixels, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)",
            .group = "Size",
            .min = 0,
            .max = 8192,
            .multipleOf = 8};
}

SettingInfo height()
{
    SettingInfo info = width();
    info.key = "height";
    info.label = "Height";
    info.valueName = "H";
    info.help = "height in pixels, a multiple of 8 (0: 512 for SD 1.5, 1024 for SDXL)";
    return info;
}

SettingInfo vaeTile()
{
    return {.key = "vae-tile",
            .label = "VAE tile",
            .valueName = "PX",
            .help = "decode the VAE in tiles of PX pixels (a multiple of 8, >= 64): less memory, slightly "
                    "different pixels near the seams (0: one piece)",
            .group = "Memory",
            .min = 0,
            .max = 8192,
            .multipleOf = 8};
}

SettingInfo offload()
{
    return {.key = "offload",
            .label = "Free models when done",
            .help = "free the text encoders (and the UNet before decoding) once they are not needed",
            .group = "Memory"};
}

SettingInfo outputFolder()
{
    return {.key = "output",
            .label = "Output folder",
            .valueName = "DIR",
            .help = "output folder",
            .group = "Output",
            .json = false};
}

SettingInfo jsonSidecar()
{
    return {.key = "json",
            .label = "JSON sidecar",
            .help = "write the JSON sidecar",
            .group = "Output",
            .json = false};
}

SettingInfo overwrite()
{
    return {.key = "overwrite",
            .label = "Overwrite",
            .help = "replace existing files",
            .group = "Output",
            .json = false};
}

std::optional<std::string> checkDevice(const std::string& d)
{
    if (d == "cpu" || d == "cuda") return std::nullopt;
    if (d.rfind("cuda:", 0) == 0 && d.size() > 5 &&
        d.find_first_not_of("0123456789", 5) == std::string::npos) {
        return std::nullopt;
    }
    return "Device must be cpu, cuda or cuda:N.";
}

std::optional<std::string> checkOutputFolder(const std::filesystem::path& folder)
{
    if (folder.empty()) return "Choose an output folder.";
    return std::nullopt;
}

std::optional<std::string> checkVaeTile(int pixels)
{
    if (pixels != 0 && pixels < 64) return "VAE tile must be 0 (one piece) or at least 64 pixels.";
    return std::nullopt;
}

} // namespace hdr::modelsettings
