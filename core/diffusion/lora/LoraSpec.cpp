#include "diffusion/lora/LoraSpec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <system_error>

namespace hdr::diffusion {

namespace {

using core::ErrorCode;

// A plain decimal ("0.8", "-1", "+.5", "1e-1"); nullopt for anything else (e.g. "\\dir").
std::optional<float> parseStrength(std::string_view text)
{
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    float value = 0.0f;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

} // namespace

core::Result<LoraSpec> parseLoraSpec(std::string_view text)
{
    if (text.empty())
        return core::fail(ErrorCode::InvalidArgument,
                          "--lora needs a file, e.g. --lora style.safetensors:0.8");
    LoraSpec spec;
    const std::size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        const std::string_view tail = text.substr(colon + 1);
        if (auto strength = parseStrength(tail)) {
            spec.strength = *strength;
            text = text.substr(0, colon);
        } else if (tail.empty()) {
            return core::fail(ErrorCode::InvalidArgument,
                              "--lora value ends with ':' but has no strength after it",
                              std::string(text));
        }
    }
    if (text.empty())
        return core::fail(ErrorCode::InvalidArgument, "--lora value has a strength but no file name");
    spec.path = std::filesystem::path(std::string(text));
    return spec;
}

core::Status validateLoraSpec(const LoraSpec& spec)
{
    const std::string where = spec.path.string();
    if (!std::isfinite(spec.strength) || std::fabs(spec.strength) > kMaxLoraStrength) {
        char text[64];
        std::snprintf(text, sizeof text, "%g", static_cast<double>(spec.strength));
        return core::fail(ErrorCode::InvalidArgument,
                          std::string("LoRA strength ") + text + " is outside [-10, 10]",
                          where);
    }
    std::error_code error;
    const auto status = std::filesystem::status(spec.path, error);
    if (error || !std::filesystem::exists(status))
        return core::fail(ErrorCode::IoError, "LoRA file does not exist", where);
    if (!std::filesystem::is_regular_file(status))
        return core::fail(ErrorCode::InvalidArgument, "LoRA path is not a regular file", where);
    // ".safetensor" (no s) is a common misspelling on model sites; the contents are the same.
    std::string extension = spec.path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) {
        return char(std::tolower(c));
    });
    if (extension != ".safetensors" && extension != ".safetensor")
        return core::fail(ErrorCode::UnsupportedFormat,
                          "LoRA files must be .safetensors (pickled .pt/.ckpt LoRAs are not loaded)",
                          where);
    return {};
}

core::Result<std::vector<LoraSpec>> parseLoraSpecs(const std::vector<std::string>& values)
{
    std::vector<LoraSpec> specs;
    for (const std::string& value : values) {
        auto spec = parseLoraSpec(value);
        if (!spec) return tl::unexpected(spec.error());
        if (auto valid = validateLoraSpec(*spec); !valid) return tl::unexpected(valid.error());
        specs.push_back(std::move(*spec));
    }
    return specs;
}

std::string formatLoraSpec(const LoraSpec& spec)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(spec.strength));
    return spec.path.string() + ":" + text;
}

} // namespace hdr::diffusion
