#include "tensorboard/Crc32c.h"

#include <array>

namespace hdr::tensorboard {

namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78u; // reflected Castagnoli polynomial
constexpr std::uint32_t kMaskDelta = 0xA282EAD8u;

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets the main loop fold eight input bytes with eight independent lookups.
constexpr std::array<std::array<std::uint32_t, 256>, 8> makeTables()
{
    std::array<std::array<std::uint32_t, 256>, 8> tables{};
    for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t crc = b;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 1u) ? (crc >> 1) ^ kPolynomial : crc >> 1;
        }
        tables[0][b] = crc;
    }
    for (std::size_t k = 1; k < 8; ++k) {
        for (std::uint32_t b = 0; b < 256; ++b) {
            const std::uint32_t prev = tables[k - 1][b];
            tables[k][b] = (prev >> 8) ^ tables[0][prev & 0xFFu];
        }
    }
    return tables;
}

constexpr auto kTables = makeTables();

std::uint32_t updateRaw(std::uint32_t crc, const unsigned char* p, std::size_t n)
{
    while (n >= 8) {
        // Little-endian assembly independent of the host byte order and of alignment.
        const std::uint32_t lo = (std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
                                  std::uint32_t(p[3]) << 24) ^
                                 crc;
        crc = kTables[7][lo & 0xFFu] ^ kTables[6][(lo >> 8) & 0xFFu] ^ kTables[5][(lo >> 16) & 0xFFu] ^
              kTables[4][lo >> 24] ^ kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]] ^
              kTables[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n-- > 0) {
        crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFFu];
    }
    return crc;
}

} // namespace

std::uint32_t crc32cExtend(std::uint32_t crc, const void* data, std::size_t size)
{
    return ~updateRaw(~crc, static_cast<const unsigned char*>(data), size);
}

std::uint32_t crc32c(const void* data, std::size_t size)
{
    return crc32cExtend(0, data, size);
}

std::uint32_t maskCrc32c(std::uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

std::uint32_t unmaskCrc32c(std::uint32_t masked)
{
    const std::uint32_t rotated = masked - kMaskDelta;
    return (rotated >> 17) | (rotated << 15);
}

} // namespace hdr::tensorboard
