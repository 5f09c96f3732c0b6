#pragma once
// JSON as Python's json module writes it. diffusers configs (and the oracle's cases.json) can hold
// the non-standard tokens NaN, Infinity and -Infinity (e.g. DPMSolver's lambda_min_clipped:
// -Infinity); strict parsers reject them. They are read as +-1e308 (NaN as null), which every
// consumer treats as "unbounded".
#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string_view>

namespace hdr::diffusion {

core::Result<nlohmann::json> parsePythonJson(std::string_view text, const std::string& where = {});
core::Result<nlohmann::json> readPythonJsonFile(const std::filesystem::path& path);

} // namespace hdr::diffusion
