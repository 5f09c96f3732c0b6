#pragma once

#include "image/Image.h"

#include <memory>
#include <vector>

namespace hdr::core {

// Box-filtered 2x reductions of a scene-linear image, averaged in linear light (so a zoomed-out
// view shows the right average radiance, not aliasing). Level 0 is the image itself (shared).
// Odd sizes round up; edge pixels average what exists. Non-finite samples are skipped in the
// average so one NaN does not blacken a whole block at low zoom.
class MipPyramid {
public:
    explicit MipPyramid(std::shared_ptr<const ImageF> image, int minSize = 16);

    int levelCount() const { return int(m_levels.size()); }
    const ImageF& level(int i) const { return *m_levels[std::size_t(i)]; }
    const ImageF& base() const { return *m_levels.front(); }
    std::shared_ptr<const ImageF> baseShared() const { return m_levels.front(); }
    // The coarsest level whose resolution still covers `scale` (display pixels per image pixel).
    int levelForScale(double scale) const;

private:
    std::vector<std::shared_ptr<const ImageF>> m_levels;
};

ImageF downsample2x(const ImageF& image);

} // namespace hdr::core
