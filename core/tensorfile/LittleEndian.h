#pragma once
// Unaligned little-endian reads from byte buffers (zip records, pickle operands, legacy headers).
// Callers check bounds first.
#include <cstddef>
#include <cstdint>

namespace hdr::tensorfile {

inline std::uint64_t readLittleEndian(const std::byte* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) {
        v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    }
    return v;
}

inline std::uint16_t readU16(const std::byte* p)
{
    return static_cast<std::uint16_t>(readLittleEndian(p, 2));
}
inline std::uint32_t readU32(const std::byte* p)
{
    return static_cast<std::uint32_t>(readLittleEndian(p, 4));
}
inline std::uint64_t readU64(const std::byte* p)
{
    return readLittleEndian(p, 8);
}

} // namespace hdr::tensorfile
