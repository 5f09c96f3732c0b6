#pragma once

// Translation alignment of a hand-held exposure bracket with Ward's median threshold bitmaps
// (G. Ward, "Fast, robust image registration for compositing high dynamic range photographs
// from hand-held exposures", JGT 2003), as OpenCV's AlignMTB does (../shared/reference/hdr.md §1.4:
// max_bits 6 → shifts up to ±63 px, exclude_range 4).
//
// Per image: grey = 255 · (0.299 R + 0.587 G + 0.114 B) of the display-encoded code values;
// threshold bitmap = grey > median(grey); exclusion bitmap = |grey − median| > excludeRange (pixels
// near the median flip with noise and are ignored). Starting at the coarsest of `maxBits`
// half-size levels (2x2 box averages), the shift is doubled at each finer level and refined by
// the best of the 9 neighbouring shifts, scoring popcount((tb_ref XOR tb_img) AND eb_ref AND eb_img).
// Translation only: rotation and lens distortion are not corrected.
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <span>
#include <vector>

namespace hdr::core {

struct MtbParams {
    int maxBits = 6;      // pyramid levels; the search reaches ±(2^maxBits − 1) px
    int excludeRange = 4; // grey levels around the median left out of the comparison
    Status validate() const;
};

// Shift that moves an image onto the reference: aligned(x, y) = image(x − dx, y − dy).
struct PixelShift {
    int dx = 0;
    int dy = 0;
    bool operator==(const PixelShift&) const = default;
};

// Shifts of every image relative to images[referenceIndex] (whose shift is 0, 0).
Result<std::vector<PixelShift>> computeMtbShifts(std::span<const ImageF> displayEncoded,
                                                 int referenceIndex,
                                                 const MtbParams& params,
                                                 JobContext& ctx);

// The image moved by `shift`; pixels that come from outside repeat the nearest edge pixel.
ImageF translateImage(const ImageF& image, PixelShift shift);

} // namespace hdr::core
