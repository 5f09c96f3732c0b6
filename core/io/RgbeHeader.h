#pragma once

// Internal to core/io: the text header of Radiance RGBE (.hdr) files.
//
//   #?RADIANCE                      magic line ("#?" + program name; any name is accepted)
//   FORMAT=32-bit_rle_rgbe          or 32-bit_rle_xyze (CIE XYZ instead of RGB)
//   EXPOSURE=0.5                    pixels were multiplied by this (lines accumulate)
//   COLORCORR=1 1 1                 per-channel multipliers (accumulate like EXPOSURE)
//   PRIMARIES=rx ry gx gy bx by wx wy
//   VIEW=..., SOFTWARE=..., other NAME=value lines, "# comments", command-history lines
//   <empty line>
//   -Y 512 +X 1024                  resolution: major axis (one scanline per step), minor axis
//
// The resolution line names the order of the scanlines in the file: "-Y h +X w" is the usual
// top-to-bottom, left-to-right; "+Y" starts at the bottom, "-X" runs right to left, and an X first
// ("+X w -Y h") means each scanline is a column (transposed).

#include "image/ColorSpace.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

namespace hdr::core::rgbe {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024; // header + resolution line
constexpr std::size_t kMaxHeaderLine = 16 * 1024;  // one header line

struct Header {
    bool xyze = false;                              // FORMAT=32-bit_rle_xyze
    double exposure = 1.0;                          // product of every valid EXPOSURE= line
    std::array<double, 3> colorCorrection{1, 1, 1}; // product of every valid COLORCORR= line
    std::optional<Chromaticities> primaries;        // a usable PRIMARIES= line (degenerate ones are ignored)
    // "rgbe.<name>" for NAME=value lines (lower-case name, raw text, e.g. rgbe.exposure, rgbe.view),
    // "rgbe.history" for command lines, and key=value pairs found in "# key=value" comments.
    std::map<std::string, std::string> attributes;

    // Resolution line.
    bool rowsAreScanlines = true; // Y is the major axis (false: each scanline is a column)
    bool topFirst = true;         // -Y: Y decreases along its axis, so the top comes first
    bool leftFirst = true;        // +X: X increases along its axis
    std::int64_t width = 0;       // image width and height after orientation (range-checked by the caller)
    std::int64_t height = 0;
    std::size_t dataOffset = 0; // where the pixel data starts

    std::int64_t scanlineCount() const { return rowsAreScanlines ? height : width; }
    std::int64_t scanlineLength() const { return rowsAreScanlines ? width : height; }
};

// Parses the header and resolution line. Throws HdrError: UnsupportedFormat when the bytes do
// not start with "#?" or the FORMAT is not RGBE/XYZE, CorruptData for a malformed or over-long
// header or resolution line (sizes are range-checked here, limits by the caller).
Header parseHeader(std::span<const std::uint8_t> bytes, const std::string& where);

// Header text for writing, up to and including the resolution line ("-Y h +X w\n").
// `primaries`: written as PRIMARIES= unless Rec.709 (the de-facto default) or XYZ (FORMAT=xyze).
// `attributes`: see encodeRgbe in FormatReaders.h.
std::string formatHeader(int width,
                         int height,
                         const LinearColorSpace& colorSpace,
                         const std::map<std::string, std::string>& attributes);

} // namespace hdr::core::rgbe
