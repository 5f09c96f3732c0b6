#pragma once

// Internal to core/io: the pixel layer of Radiance RGBE (.hdr) files — scanline run-length
// coding and the float <-> RGBE conversion. RgbeIO.cpp handles the text header, orientation and
// metadata on top of this.
//
// Pixel convention (the same as OpenCV, stb_image and image-rs, so values match theirs exactly):
//   value = mantissa * 2^(exponent - 136)   (i.e. mantissa/256 * 2^(exponent-128)), exponent 0 = black.
// The encoder rounds to the nearest mantissa, so decode(encode(x)) is within max(r,g,b)/256 of x
// per channel and encode(decode(p)) == p for every normalised pixel (round trips are stable).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hdr::core::rgbe {

// Which scanline codings a decode met (bit mask).
enum ScanlineCoding : unsigned {
    CodingFlat = 1u,   // 4 bytes per pixel, no runs
    CodingOldRle = 2u, // pre-1991 runs: (1,1,1,n) repeats the previous pixel n << shift times
    CodingNewRle = 4u, // "adaptive" RLE: 2 2 hi lo marker, then each component run/dump coded
};

// Widths outside this range cannot carry the new-style marker and are always stored flat.
constexpr int kMinRleLength = 8;
constexpr int kMaxRleLength = 0x7fff;

// The fewest bytes `count` scanlines of `length` pixels take in flat or new-style RLE coding
// (what every writer since 1991 produces). Flat: 4 bytes per pixel. RLE (lengths
// kMinRleLength..kMaxRleLength): the 4-byte marker, then for each of the 4 components at best one
// 2-byte run per 127 pixels, i.e. 4 + 8 * ceil(length / 127) bytes (about 16 pixels per byte).
// Old-style repeat runs can pack far tighter (a 4-byte marker repeats a pixel up to 255 << 24
// times), see kMaxOldRlePixelsPerByte.
std::uint64_t minimumCodedBytes(std::int64_t count, std::int64_t length);

// How densely we accept old-style (pre-1991) runs to pack pixels: at most 256 pixels per byte of
// pixel data, so a 64 KB file cannot make the reader allocate more than about 256 MB (4 bytes of
// scanline buffer and 12 of float per pixel). The format itself allows more (a whole scanline in
// 12 bytes), but only for near-uniform images, and old-style runs are all but extinct; such a file
// is refused with the claim and its size.
constexpr std::uint64_t kMaxOldRlePixelsPerByte = 256;

// Decodes `count` scanlines of `length` pixels from `data` into `planar`, which must hold
// count * length * 4 bytes: scanline s occupies [s*length*4, (s+1)*length*4) as all mantissas of
// R, then G, then B, then all exponents (planar, so runs become memset and dumps memcpy).
// With `planar` null the data is only checked (same errors, nothing written).
// Never reads outside `data` and never writes outside `planar`. Throws HdrError(CorruptData)
// naming the scanline (counted from 0 in file order) on truncated data, runs that overflow a
// scanline or a wrong width marker. Returns the ScanlineCoding bits met.
unsigned decodeScanlines(std::span<const std::uint8_t> data,
                         int count,
                         int length,
                         std::uint8_t* planar,
                         const std::string& where);

// 2^(e - 136) for e in 1..255, 0 for e == 0 (exact in float: denormals down to 2^-135 included).
const std::array<float, 256>& exponentScale();

// One pixel to RGBE. Negative and NaN components become 0 (RGBE has no sign and no NaN); values
// above the largest representable (255 * 2^119) and +Inf saturate to it; values below 2^-135 flush to 0.
void encodePixel(float r, float g, float b, std::uint8_t out[4]);

// Appends one scanline given as planar RGBE (length mantissas of R, G, B, then exponents):
// new-style RLE for lengths kMinRleLength..kMaxRleLength, flat interleaved bytes otherwise.
void appendScanline(const std::uint8_t* planar, int length, std::vector<std::uint8_t>& out);

} // namespace hdr::core::rgbe
