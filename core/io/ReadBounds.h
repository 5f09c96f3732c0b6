#pragma once

// Internal to core/io: refusing image headers that claim more pixels than their file can hold.
// Each reader bounds the decoded size by the bytes it has, before it (or its codec library)
// allocates anything for the image: a small hostile file must not make us reserve gigabytes.
// The bound is the fewest bytes a genuine file of that size needs at its coding's best
// compression ratio (derived and documented in each reader), so a valid file is not refused.
// Where a coding has no useful best ratio (old-style RGBE runs, arithmetic-coded JPEG, DWA in
// OpenEXR, CCITT/LZMA/ZSTD in TIFF), the reader documents a generous cap instead, which only a
// near-constant image could exceed. The absolute limits (ImageLimits) apply on top.

#include "common/Error.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace hdr::core::io_detail {

// CorruptData: "<format> file is damaged or hostile: it claims W x H pixels but holds only N
// bytes; <why>, it would need at least M bytes", naming the file (or stream) in `where`.
Error claimExceedsFile(const std::string& format,
                       std::int64_t width,
                       std::int64_t height,
                       std::uint64_t haveBytes,
                       std::uint64_t neededBytes,
                       const std::string& why,
                       const std::string& where);

// ceil(a / b) for b > 0.
constexpr std::uint64_t ceilDiv(std::uint64_t a, std::uint64_t b)
{
    return a / b + (a % b != 0 ? 1 : 0);
}

// Size of an open file in bytes (0 when it cannot be told).
std::uint64_t fileSizeOf(std::FILE* file);

} // namespace hdr::core::io_detail
