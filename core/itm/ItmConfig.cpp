#include "itm/ItmConfig.h"

namespace hdr::itm {

namespace {

core::Status bad(std::string message, std::string where)
{
    return core::fail(core::ErrorCode::InvalidArgument, std::move(message), std::move(where));
}

} // namespace

core::Status ItmNetConfig::validate() const
{
    if (baseChannels < 4 || baseChannels > 128) {
        return bad("The network's base channel count must be 4..128.", "base-channels");
    }
    if (dilations.empty() || dilations.size() > 16) {
        return bad("The network needs 1..16 dilated blocks.", "dilations");
    }
    for (int d : dilations) {
        if (d < 1 || d > 32) {
            return bad("Dilations must be 1..32.", "dilations");
        }
    }
    return {};
}

nlohmann::json ItmNetConfig::toJson() const
{
    return {{"base_channels", baseChannels}, {"dilations", dilations}};
}

core::Result<ItmNetConfig> ItmNetConfig::fromJson(const nlohmann::json& j)
{
    return core::guarded(core::ErrorCode::CorruptData, "net", [&] {
        ItmNetConfig c;
        c.baseChannels = j.at("base_channels").get<int>();
        c.dilations = j.at("dilations").get<std::vector<int>>();
        core::unwrap(c.validate());
        return c;
    });
}

core::Status ItmModelMeta::validate() const
{
    if (auto s = net.validate(); !s) {
        return s;
    }
    if (tile < 16 || tile % 4 != 0 || tile > 8192) {
        return bad("The inference tile must be a multiple of 4 in 16..8192 px.", "tile");
    }
    if (overlap < 0 || overlap * 2 >= tile) {
        return bad("The tile overlap must be in [0, tile / 2).", "overlap");
    }
    if (!(scaleHdr > 0)) {
        return bad("scale_hdr must be positive.", "scale-hdr");
    }
    if (!(alphaLoss >= 0 && alphaLoss <= 1)) {
        return bad("The loss weight alpha must be in [0, 1].", "alpha");
    }
    return {};
}

nlohmann::json ItmModelMeta::toJson() const
{
    return {{"architecture", "itm-resunet"},
            {"net", net.toJson()},
            {"tile", tile},
            {"overlap", overlap},
            {"scale_hdr", scaleHdr},
            {"alpha_loss", alphaLoss}};
}

core::Result<ItmModelMeta> ItmModelMeta::fromJson(const nlohmann::json& j)
{
    return core::guarded(core::ErrorCode::CorruptData, "checkpoint metadata", [&] {
        if (j.value("architecture", "") != "itm-resunet") {
            core::throwError(core::ErrorCode::UnsupportedFormat,
                             "The checkpoint is not an LDR-to-HDR (itm-resunet) model.");
        }
        ItmModelMeta m;
        m.net = core::unwrap(ItmNetConfig::fromJson(j.at("net")));
        m.tile = j.value("tile", m.tile);
        m.overlap = j.value("overlap", m.overlap);
        m.scaleHdr = j.value("scale_hdr", m.scaleHdr);
        m.alphaLoss = j.value("alpha_loss", m.alphaLoss);
        core::unwrap(m.validate());
        return m;
    });
}

core::Status ItmDataOptions::validate() const
{
    if (pairsDir.empty() && hdrFiles.empty()) {
        return bad("Training needs a pairs folder (ldr/ + hdr/) or HDR files to synthesise pairs from.",
                   "data");
    }
    if (minSize < 0 || maxSize < 0 || (maxSize > 0 && maxSize < tile)) {
        return bad("The size limits must be >= 0 and the maximum size at least one tile.", "max-size");
    }
    if (synthVariants < 1 || synthVariants > 64) {
        return bad("Synthesised variants per HDR file must be 1..64.", "variants");
    }
    if (!(validationFraction >= 0 && validationFraction < 1)) {
        return bad("The validation fraction must be in [0, 1).", "val-fraction");
    }
    if (tile < 16 || tile % 4 != 0 || tile > 2048) {
        return bad("The training tile must be a multiple of 4 in 16..2048 px.", "tile");
    }
    if (batchSize < 1 || batchSize > 1024 || batchesPerEpoch < 1) {
        return bad("Batch size must be 1..1024 and batches per epoch at least 1.", "batch");
    }
    if (!(scaleJitter >= 1 && scaleJitter <= 4)) {
        return bad("The scale jitter must be in [1, 4].", "scale-jitter");
    }
    return {};
}

nlohmann::json ItmDataOptions::toJson() const
{
    std::vector<std::string> files, valFiles;
    for (const auto& f : hdrFiles) {
        files.push_back(f.string());
    }
    for (const auto& f : validationHdrFiles) {
        valFiles.push_back(f.string());
    }
    return {{"pairs_dir", pairsDir.string()},
            {"hdr_files", files},
            {"validation_hdr_files", valFiles},
            {"min_size", minSize},
            {"max_size", maxSize},
            {"synth_variants", synthVariants},
            {"srgb_camera_only", srgbCameraOnly},
            {"validation_fraction", validationFraction},
            {"tile", tile},
            {"batch_size", batchSize},
            {"batches_per_epoch", batchesPerEpoch},
            {"scale_jitter", scaleJitter},
            {"seed", seed}};
}

} // namespace hdr::itm
