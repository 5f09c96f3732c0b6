#include "batch/SizePresets.h"

#include "batch/SplitMix64.h"

#include <charconv>

namespace hdr::batch {
namespace {

bool parseDimension(std::string_view text, int& out)
{
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

} // namespace

const std::vector<ImageSize>& sdxlBuckets()
{
    static const std::vector<ImageSize> sizes{{1024, 1024},
                                              {1152, 896},
                                              {896, 1152},
                                              {1216, 832},
                                              {832, 1216},
                                              {1344, 768},
                                              {768, 1344},
                                              {1536, 640},
                                              {640, 1536}};
    return sizes;
}

const std::vector<ImageSize>& sd15Presets()
{
    static const std::vector<ImageSize> sizes{{512, 512}, {512, 768}, {768, 512}, {640, 512}, {512, 640}};
    return sizes;
}

core::Result<ImageSize> parseImageSize(std::string_view text)
{
    const auto x = text.find_first_of("xX");
    ImageSize size;
    if (x == std::string_view::npos || !parseDimension(text.substr(0, x), size.width) ||
        !parseDimension(text.substr(x + 1), size.height)) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "The size '" + std::string(text) + "' is not WxH, sdxl or sd15.");
    }
    for (int v : {size.width, size.height}) {
        if (v < 64 || v > 8192 || v % 8 != 0) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "The size '" + std::string(text) +
                                  "' needs sides that are multiples of 8 from 64 to 8192.");
        }
    }
    return size;
}

core::Result<std::vector<ImageSize>> expandSizes(const std::vector<std::string>& entries)
{
    std::vector<ImageSize> out;
    for (const std::string& entry : entries) {
        if (entry == "sdxl") {
            out.insert(out.end(), sdxlBuckets().begin(), sdxlBuckets().end());
        } else if (entry == "sd15") {
            out.insert(out.end(), sd15Presets().begin(), sd15Presets().end());
        } else {
            auto size = parseImageSize(entry);
            if (!size) return tl::unexpected(size.error());
            out.push_back(*size);
        }
    }
    return out;
}

ImageSize drawSize(const std::vector<ImageSize>& sizes, std::uint64_t imageSeed)
{
    if (sizes.empty()) return {};
    SplitMix64 rng = streamFor(imageSeed, "size");
    return sizes[std::size_t(rng.below(sizes.size()))];
}

std::string formatImageSize(const ImageSize& size)
{
    return std::to_string(size.width) + "x" + std::to_string(size.height);
}

} // namespace hdr::batch
