#include "batch/SeedPolicy.h"

#include "batch/SplitMix64.h"

#include <random>

namespace hdr::batch {

std::optional<SeedPolicy> seedPolicyFromName(std::string_view name)
{
    if (name == "fixed") return SeedPolicy::Fixed;
    if (name == "increment") return SeedPolicy::Increment;
    if (name == "random") return SeedPolicy::Random;
    return std::nullopt;
}

const char* nameOf(SeedPolicy policy)
{
    switch (policy) {
    case SeedPolicy::Fixed: return "fixed";
    case SeedPolicy::Increment: return "increment";
    case SeedPolicy::Random: return "random";
    }
    return "increment";
}

std::uint64_t seedForImage(SeedPolicy policy, std::uint64_t start, std::uint64_t index)
{
    switch (policy) {
    case SeedPolicy::Fixed: return start;
    case SeedPolicy::Increment: return start + index;
    case SeedPolicy::Random:
        // Output `index` of SplitMix64(start), computed directly from its state after index + 1 steps.
        return SplitMix64::mix(start + (index + 1) * SplitMix64::kGamma) & 0xFFFFFFFFull;
    }
    return start + index;
}

std::uint64_t freshStartSeed()
{
    std::random_device device;
    return std::uint64_t(device()) & 0xFFFFFFFFull;
}

} // namespace hdr::batch
