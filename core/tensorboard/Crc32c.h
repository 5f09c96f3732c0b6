#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hdr::tensorboard {

// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF,
// the checksum TFRecord framing uses (RFC 3720 appendix B.4 lists test vectors). Table-driven,
// slicing-by-8 (eight bytes per step), portable C++ without CPU-specific instructions.
std::uint32_t crc32c(const void* data, std::size_t size);
inline std::uint32_t crc32c(std::string_view bytes)
{
    return crc32c(bytes.data(), bytes.size());
}

// Continues a finished checksum over more bytes: crc32cExtend(crc32c(a), b) == crc32c(a + b).
std::uint32_t crc32cExtend(std::uint32_t crc, const void* data, std::size_t size);

// TensorFlow stores checksums masked, because a CRC computed over data that itself contains CRCs
// is weak (TensorFlow tensorflow/core/lib/hash/crc32c.h, Mask/Unmask):
//   masked = ((crc >> 15) | (crc << 17)) + 0xA282EAD8   (mod 2^32)
std::uint32_t maskCrc32c(std::uint32_t crc);
std::uint32_t unmaskCrc32c(std::uint32_t masked);

// maskCrc32c(crc32c(bytes)): what a TFRecord stores after the length and after the payload.
inline std::uint32_t maskedCrc32c(std::string_view bytes)
{
    return maskCrc32c(crc32c(bytes));
}

} // namespace hdr::tensorboard
