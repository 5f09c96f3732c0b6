#pragma once
// `--lora FILE[:STRENGTH]` for the CLI (torch-free). The strength multiplies the LoRA delta
// (kohya's "multiplier", A1111's <lora:name:STRENGTH>); default 1. Negative strengths are allowed
// (they push away from the LoRA's style), within [-kMaxLoraStrength, kMaxLoraStrength].
//
// Parsing: the text after the LAST ':' is the strength when it is a plain decimal number, so
// "C:\loras\style.safetensors" and "dir:with:colons/x.safetensors" keep their colons; a path that
// really ends in ":<number>" needs an explicit strength ("x:1.safetensors:1" is fine).
//
// Applying (torch side, see LoraMerge.h):
//   LoraMerger merger({{LoraComponent::Unet, parametersOf(unet)},
//                      {LoraComponent::TextEncoder, parametersOf(textEncoder)}});
//   for (const LoraSpec& spec : specs) { auto report = merger.add(spec); ... }
//   ... generate ...; merger.restore();
#include "common/Error.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

inline constexpr float kMaxLoraStrength = 10.0f;

struct LoraSpec {
    std::filesystem::path path;
    float strength = 1.0f;
    bool operator==(const LoraSpec&) const = default;
};

// Syntax only ("path:0.8", "path"); InvalidArgument with the offending text on errors.
core::Result<LoraSpec> parseLoraSpec(std::string_view text);
// The file exists, is a regular .safetensors file and the strength is finite and in range.
core::Status validateLoraSpec(const LoraSpec& spec);
// parse + validate for each --lora value, in order.
core::Result<std::vector<LoraSpec>> parseLoraSpecs(const std::vector<std::string>& values);

// "path:0.8" (the inverse of parseLoraSpec, for metadata and logs).
std::string formatLoraSpec(const LoraSpec& spec);

} // namespace hdr::diffusion
