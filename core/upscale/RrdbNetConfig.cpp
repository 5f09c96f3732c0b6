#include "upscale/RrdbNetConfig.h"

#include <regex>

namespace hdr::diffusion {

using core::ErrorCode;

std::optional<std::string> basicsrNameOfOldEsrgan(const std::string& oldName, int64_t numBlock)
{
    static const std::regex block(R"(model\.1\.sub\.(\d+)\.RDB([123])\.conv([1-5])\.0\.(weight|bias))");
    static const std::regex plain(R"(model\.(\d+)\.(weight|bias))");
    static const std::regex trunk(R"(model\.1\.sub\.(\d+)\.(weight|bias))");
    std::smatch m;
    if (std::regex_match(oldName, m, block)) {
        return "body." + m[1].str() + ".rdb" + m[2].str() + ".conv" + m[3].str() + "." + m[4].str();
    }
    if (std::regex_match(oldName, m, trunk) && std::stoll(m[1].str()) == numBlock) {
        return "conv_body." + m[2].str();
    }
    if (std::regex_match(oldName, m, plain)) {
        static const std::map<std::string, std::string> convs{
            {"0", "conv_first"}, {"3", "conv_up1"}, {"6", "conv_up2"}, {"8", "conv_hr"}, {"10", "conv_last"}};
        if (const auto it = convs.find(m[1].str()); it != convs.end()) {
            return it->second + "." + m[2].str();
        }
    }
    return std::nullopt;
}

bool isOldEsrganLayout(const RrdbKeyShapes& keys)
{
    return keys.count("model.0.weight") != 0;
}

int64_t oldEsrganBlockCount(const RrdbKeyShapes& keys)
{
    int64_t count = 0;
    while (keys.count("model.1.sub." + std::to_string(count) + ".RDB1.conv1.0.weight")) {
        ++count;
    }
    return count;
}

core::Result<RrdbNetConfig> inferRrdbNetConfig(const RrdbKeyShapes& keys)
{
    const auto shape = [&](const std::string& key) -> const std::vector<int64_t>* {
        const auto it = keys.find(key);
        return it == keys.end() ? nullptr : &it->second;
    };
    const auto* first = shape("conv_first.weight");
    const auto* last = shape("conv_last.weight");
    const auto* grow = shape("body.0.rdb1.conv1.weight");
    if (!first || !last || !grow || first->size() != 4 || last->size() != 4 || grow->size() != 4 ||
        !shape("conv_body.weight") || !shape("conv_up1.weight") || !shape("conv_up2.weight") ||
        !shape("conv_hr.weight")) {
        return core::fail(
            ErrorCode::UnsupportedFormat,
            "this is not an ESRGAN / Real-ESRGAN RRDBNet (conv_first, body.*.rdb*, conv_body, conv_up1, "
            "conv_up2, conv_hr and conv_last are expected); other upscaler architectures are not "
            "supported");
    }
    RrdbNetConfig c;
    c.numFeat = (*first)[0];
    c.numGrowCh = (*grow)[0];
    c.outChannels = (*last)[0];
    const int64_t in = (*first)[1];
    // 3 / 12 / 48 input channels for x4 / x2 / x1 RGB networks (pixel-unshuffle by 1 / 2 / 4);
    // a 1-channel network gives 1 / 4 / 16.
    if (in == 48 || in == 16) {
        c.scale = 1;
        c.inChannels = in / 16;
    } else if (in == 12 || in == 4) {
        c.scale = 2;
        c.inChannels = in / 4;
    } else {
        c.scale = 4;
        c.inChannels = in;
    }
    c.numBlock = 0;
    while (shape("body." + std::to_string(c.numBlock) + ".rdb1.conv1.weight")) {
        ++c.numBlock;
    }
    if (c.numBlock == 0 || c.numFeat <= 0 || c.numGrowCh <= 0 || c.numFeat > 4096 || c.numGrowCh > 4096 ||
        c.numBlock > 1000) {
        return core::fail(ErrorCode::CorruptData, "the RRDBNet's tensor shapes are not consistent");
    }
    return c;
}

} // namespace hdr::diffusion
