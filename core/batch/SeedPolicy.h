#pragma once
// Which seed the n-th image of a run gets (n = 0, 1, ...):
//   fixed:     start                       (every image the same noise; the pools still vary if
//                                           their files change, nothing else does)
//   increment: start + n                   (A1111's batch count)
//   random:    splitmix64 output n of start, masked to 32 bits so the seed pastes into tools that
//              take 32-bit seeds (A1111, ComfyUI)
#include "common/Error.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace hdr::batch {

enum class SeedPolicy { Fixed, Increment, Random };

std::optional<SeedPolicy> seedPolicyFromName(std::string_view name);
const char* nameOf(SeedPolicy policy);

std::uint64_t seedForImage(SeedPolicy policy, std::uint64_t start, std::uint64_t index);

// A start seed for a run without one: 32 bits from the system's entropy source.
std::uint64_t freshStartSeed();

} // namespace hdr::batch
