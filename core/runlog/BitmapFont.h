#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace hdr::runlog {

// A 5x7 pixel font drawn for the curve plots (our own glyphs), so they need no font library:
// printable ASCII; other bytes show as '?'. Each glyph row is 5 bits, bit 4 the leftmost pixel.
inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr int kGlyphAdvance = 6; // one column of spacing

const std::array<std::uint8_t, kGlyphHeight>& glyphFor(char c);

// Width and height in pixels of `text` drawn at `scale` (each font pixel a scale x scale block).
int textWidth(std::string_view text, int scale);
inline int textHeight(int scale)
{
    return kGlyphHeight * scale;
}

} // namespace hdr::runlog
