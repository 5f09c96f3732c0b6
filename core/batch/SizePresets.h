#pragma once
// Stage-1 sizes: explicit "WxH" entries and two named groups, drawn one per image from its seed.
//   sdxl: the ~1 megapixel aspect buckets SDXL was trained on (Podell et al., "SDXL", 2023,
//         appendix: multi-aspect training): 1024x1024, 1152x896, 896x1152, 1216x832, 832x1216,
//         1344x768, 768x1344, 1536x640, 640x1536.
//   sd15: the SD 1.5 sizes around its 512x512 training size: 512x512, 512x768, 768x512,
//         640x512, 512x640.
#include "common/Error.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::batch {

struct ImageSize {
    int width = 0, height = 0;
    bool operator==(const ImageSize&) const = default;
};

const std::vector<ImageSize>& sdxlBuckets();
const std::vector<ImageSize>& sd15Presets();

// "1024x768" (multiples of 8, 64..8192) -> the size; InvalidArgument naming the entry otherwise.
core::Result<ImageSize> parseImageSize(std::string_view text);
// The entries with the groups expanded, in order (duplicates kept: they weigh the draw).
core::Result<std::vector<ImageSize>> expandSizes(const std::vector<std::string>& entries);
// One of `sizes` (not empty) for an image seed.
ImageSize drawSize(const std::vector<ImageSize>& sizes, std::uint64_t imageSeed);

std::string formatImageSize(const ImageSize& size); // "1024x768"

} // namespace hdr::batch
