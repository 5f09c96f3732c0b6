#pragma once
// The batch workflow's one random number generator: SplitMix64 (Steele, Lea and Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014; the constants of Vigna's public-domain
// splitmix64.c). Our own rather than <random>'s distributions, whose outputs differ between
// standard libraries: a seed must draw the same prompt options, LoRAs and size everywhere.
#include <cstdint>
#include <string_view>

namespace hdr::batch {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed)
        : m_state(seed)
    {
    }

    std::uint64_t next()
    {
        m_state += kGamma;
        return mix(m_state);
    }

    // Uniform in [0, n) without modulo bias (values below 2^64 mod n are drawn again); n > 0.
    std::uint64_t below(std::uint64_t n)
    {
        const std::uint64_t threshold = (0 - n) % n;
        for (;;) {
            const std::uint64_t x = next();
            if (x >= threshold) return x % n;
        }
    }

    // The output function: a bijective 64-bit finaliser.
    static constexpr std::uint64_t mix(std::uint64_t z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    static constexpr std::uint64_t kGamma = 0x9E3779B97F4A7C15ull;

private:
    std::uint64_t m_state;
};

// FNV-1a of a purpose name ("prompt-options", "character-lora"): a constant per kind of draw.
constexpr std::uint64_t purposeTag(std::string_view name)
{
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (char c : name) {
        h = (h ^ std::uint64_t(static_cast<unsigned char>(c))) * 0x100000001B3ull;
    }
    return h;
}

// The generator of one kind of draw for an image seed. Each purpose has its own stream, so adding
// a draw of one kind (another option, a new pool) never changes what another kind draws.
inline SplitMix64 streamFor(std::uint64_t imageSeed, std::string_view purpose)
{
    return SplitMix64(SplitMix64::mix(imageSeed ^ purposeTag(purpose)));
}

} // namespace hdr::batch
