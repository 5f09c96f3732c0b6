#include "itm/ItmDataset.h"

#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "itm/LdrSynthesis.h"
#include "stacks/ExposureSelection.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace hdr::itm {

namespace fs = std::filesystem;

namespace {

bool isImageFile(const fs::path& p)
{
    std::error_code ec;
    return fs::is_regular_file(p, ec) && core::formatFromExtension(p) != core::FileFormat::Unknown;
}

std::map<std::string, fs::path> filesByStem(const fs::path& dir)
{
    std::map<std::string, fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (isImageFile(e.path())) {
            out.emplace(e.path().stem().string(), e.path());
        }
    }
    return out;
}

std::uint64_t hashName(const std::string& s)
{
    std::uint64_t h = 1469598103934665603ull; // FNV-1a
    for (unsigned char c : s) {
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

// Applies the size rule; returns an empty optional reason when the image is kept (downscaled).
std::string sizeRule(core::ImageF& image, const ItmDataOptions& o)
{
    const int shorter = std::min(image.width(), image.height());
    if (o.minSize > 0 && shorter < o.minSize) {
        return "shorter side " + std::to_string(shorter) + " px is below the minimum " +
               std::to_string(o.minSize) + " px (--min-size)";
    }
    image = core::downscaleToMaxSize(image, o.maxSize);
    if (std::min(image.width(), image.height()) < o.tile) {
        return "smaller than one training tile";
    }
    return {};
}

core::Status addSynthesised(const fs::path& file,
                            const ItmDataOptions& o,
                            std::vector<ItmPair>& out,
                            std::vector<std::string>& skipped)
{
    auto scene = core::readImage(file);
    if (!scene) {
        skipped.push_back(file.filename().string() + ": " + scene.error().describe());
        return {};
    }
    if (auto reason = sizeRule(*scene, o); !reason.empty()) {
        skipped.push_back(file.filename().string() + ": " + reason);
        return {};
    }
    for (int v = 0; v < o.synthVariants; ++v) {
        const std::uint64_t seed =
            hashName(file.filename().string()) ^ (o.seed * 0x9E3779B97F4A7C15ull) ^ std::uint64_t(v);
        auto pair =
            synthesisePair(*scene, seed, o.srgbCameraOnly ? CameraCurves::SrgbOnly : CameraCurves::All);
        if (!pair) {
            return tl::unexpected(pair.error());
        }
        out.push_back({file.stem().string() + "#" + std::to_string(v),
                       std::move(pair->ldrLinear),
                       std::move(pair->hdr)});
    }
    return {};
}

} // namespace

core::Result<ItmDataset> loadItmDataset(const ItmDataOptions& o, core::JobContext& ctx)
{
    if (auto s = o.validate(); !s) {
        return tl::unexpected(s.error());
    }
    return core::guarded(core::ErrorCode::IoError, o.pairsDir.string(), [&] {
        ItmDataset data;
        std::vector<ItmPair> pairs;
        if (!o.pairsDir.empty()) {
            const auto ldr = filesByStem(o.pairsDir / "ldr");
            const auto hdr = filesByStem(o.pairsDir / "hdr");
            if (ldr.empty() || hdr.empty()) {
                core::throwError(core::ErrorCode::IoError,
                                 "The pairs folder needs ldr/ and hdr/ subfolders with images.",
                                 o.pairsDir.string());
            }
            for (const auto& [stem, ldrPath] : ldr) {
                core::throwIfCancelled(ctx);
                const auto match = hdr.find(stem);
                if (match == hdr.end()) {
                    data.skipped.push_back(ldrPath.filename().string() +
                                           ": no HDR file with this name in hdr/");
                    continue;
                }
                core::ReadOptions ro;
                auto l = core::readImage(ldrPath, ro);
                auto h = core::readImage(match->second, ro);
                if (!l || !h) {
                    data.skipped.push_back(stem + ": " + (!l ? l.error() : h.error()).describe());
                    continue;
                }
                if (l->width() != h->width() || l->height() != h->height()) {
                    data.skipped.push_back(stem + ": the LDR and HDR sizes differ");
                    continue;
                }
                auto lc = core::withChannels(*l, 3);
                auto hc = core::withChannels(*h, 3);
                if (auto reason = sizeRule(lc, o); !reason.empty()) {
                    data.skipped.push_back(stem + ": " + reason);
                    continue;
                }
                (void)sizeRule(hc, o);
                for (std::int64_t i = 0; i < hc.pixelCount() * 3; ++i) {
                    float& v = hc.data()[i];
                    v = std::isfinite(v) && v > 0 ? v : 0.0f;
                }
                pairs.push_back({stem, std::move(lc), std::move(hc)});
            }
        }
        for (std::size_t i = 0; i < o.hdrFiles.size(); ++i) {
            core::throwIfCancelled(ctx);
            ctx.setProgress(double(i) / double(o.hdrFiles.size()), "Synthesising pairs");
            core::unwrap(addSynthesised(o.hdrFiles[i], o, pairs, data.skipped));
        }
        if (!o.validationHdrFiles.empty()) {
            for (const auto& f : o.validationHdrFiles) {
                core::unwrap(addSynthesised(f, o, data.validation, data.skipped));
            }
            data.train = std::move(pairs);
        } else {
            const std::size_t every =
                o.validationFraction > 0
                    ? std::max<std::size_t>(2, std::size_t(std::lround(1.0 / o.validationFraction)))
                    : 0;
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                const bool held = every > 0 && i % every == every - 1;
                (held ? data.validation : data.train).push_back(std::move(pairs[i]));
            }
        }
        if (data.train.empty()) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "No training pairs are left after the size rule (--min-size, --max-size).",
                             o.pairsDir.string());
        }
        return data;
    });
}

core::ImageF logToneMap(const core::ImageF& hdr, float peak)
{
    core::ImageF out(hdr.width(), hdr.height(), 3);
    const float norm = 1.0f / std::log1p(std::max(peak, 1e-6f));
    const int c = hdr.channels();
    for (std::int64_t i = 0; i < hdr.pixelCount(); ++i) {
        for (int k = 0; k < 3; ++k) {
            const float x = hdr.data()[i * c + k];
            const float v = std::isfinite(x) && x > 0 ? std::min(1.0f, std::log1p(x) * norm) : 0.0f;
            out.data()[i * 3 + k] = core::srgbDecode(v);
        }
    }
    return out;
}

core::ImageF vizTriptych(const core::ImageF& input, const core::ImageF& prediction, const core::ImageF& truth)
{
    float peak = 1.0f;
    for (std::int64_t i = 0; i < truth.pixelCount() * truth.channels(); ++i) {
        if (std::isfinite(truth.data()[i])) {
            peak = std::max(peak, truth.data()[i]);
        }
    }
    const int w = truth.width(), h = truth.height();
    core::ImageF out(w * 3, h, 3);
    int panel = 0;
    for (const auto* img : {&input, &prediction, &truth}) {
        const auto mapped = logToneMap(*img, peak);
        for (int y = 0; y < h; ++y) {
            std::copy(
                mapped.row(y), mapped.row(y) + std::size_t(w) * 3, out.row(y) + std::size_t(panel) * w * 3);
        }
        ++panel;
    }
    return out;
}

} // namespace hdr::itm
