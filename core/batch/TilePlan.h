#pragma once
// Overlapping tiles over an image and their blend weights (stage 3's tiled refinement).
//
// Along each axis of length L with tile T and overlap O: one tile when L <= T; otherwise
// n = 1 + ceil((L - T) / (T - O)) tiles of length T starting at s_i = round(i (L - T) / (n - 1)),
// so the first starts at 0, the last ends at L and neighbours overlap by at least O.
// Weights along the axis: tile i's raw weight is 1, times a ramp f over its overlap with each
// neighbour (rising from the previous tile's end, falling towards the next one's start), at pixel
// centres t = (x + 1/2 - start of the overlap) / overlap length, in (0, 1):
//   cosine: f(t) = (1 - cos(pi t)) / 2        linear: f(t) = t
// then divided by the sum of all raw weights at that pixel. Where two tiles overlap, f(t) + f(1-t)
// = 1 already, so this only matters where three tiles meet (an overlap above half a tile). The 2-D
// weight of a tile is the product of its column and row weights, so the weights of all tiles sum
// to one at every pixel (to float rounding) and blending tiles that agree reproduces them: no seam.
#include "common/Error.h"
#include "image/Image.h"

#include <optional>
#include <string_view>
#include <vector>

namespace hdr::batch {

enum class TileBlend { Cosine, Linear };
std::optional<TileBlend> tileBlendFromName(std::string_view name);
const char* nameOf(TileBlend blend);

struct Tile {
    int x = 0, y = 0, width = 0, height = 0;
    int column = 0, row = 0;
};

class TilePlan {
public:
    // InvalidArgument for sizes < 1, tileSize < 8 or overlap outside [0, tileSize).
    static core::Result<TilePlan> make(int width, int height, int tileSize, int overlap, TileBlend blend);

    int width() const { return m_width; }
    int height() const { return m_height; }
    const std::vector<Tile>& tiles() const { return m_tiles; } // row by row
    int columns() const { return int(m_columns.size()); }
    int rows() const { return int(m_rows.size()); }

    // Weight of `tile` at (x, y) inside the tile (0 <= x < tile.width).
    float weight(const Tile& tile, int x, int y) const;

    // out += weight * tilePixels over the tile's area (tilePixels: tile.width x tile.height, same
    // channels as out; out: width() x height()). Start from a zeroed image.
    core::Status accumulate(const Tile& tile, const core::ImageF& tilePixels, core::ImageF& out) const;

private:
    struct Span {
        int start = 0, length = 0;
        std::vector<float> weights;
    };
    static std::vector<Span> planAxis(int length, int tileSize, int overlap, TileBlend blend);

    int m_width = 0, m_height = 0;
    std::vector<Span> m_columns, m_rows;
    std::vector<Tile> m_tiles;
};

} // namespace hdr::batch
