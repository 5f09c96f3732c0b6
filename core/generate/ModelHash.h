#pragma once
// The model hash A1111 writes as "Model hash" (AutoV2): the first 10 hex digits of the SHA-256 of
// the checkpoint file (reference/diffusion.md §5.4). A folder model hashes its UNet weight files
// in name order (our convention; A1111 has no folder models).
#include "common/Error.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace hdr::diffusion {

// Reads the whole file (seconds for a 7 GB SDXL checkpoint): callers cache it.
core::Result<std::string> modelHash(const std::filesystem::path& modelPath);
std::string sha256Hex(std::string_view bytes); // FIPS 180-4, for tests

} // namespace hdr::diffusion
