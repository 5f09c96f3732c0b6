#include "expsel/ExposureDataset.h"

#include "common/AtomicFile.h"
#include "io/ImageIO.h"
#include "stacks/ExposureSelection.h"
#include "stacks/SyntheticBrackets.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

namespace hdr::expsel {

namespace fs = std::filesystem;

core::Status ExposureDataOptions::validate() const
{
    auto bad = [](std::string m, std::string w) {
        return core::fail(core::ErrorCode::InvalidArgument, std::move(m), std::move(w));
    };
    if (hdrFiles.empty()) {
        return bad("Exposure-selection data needs HDR files.", "hdr");
    }
    if (exposures < 3 || exposures > 9) {
        return bad("The number of exposures must be 3..9.", "exposures");
    }
    if (!(evSpacing > 0 && evSpacing <= 4) || !(evJitter >= 0 && evJitter <= 6)) {
        return bad("EV spacing must be in (0, 4] and the jitter in [0, 6].", "ev-spacing");
    }
    if (samplesPerScene < 1 || samplesPerScene > 1000 || rankSize < 16 || thumbSize < 8 || thumbSize > 256) {
        return bad("Samples per scene 1..1000, rank size >= 16 and thumbnail size 8..256.", "samples");
    }
    if (metric != core::Metric::Ssim && metric != core::Metric::Psnr) {
        return bad("The ranking metric must be ssim or psnr.", "metric");
    }
    return {};
}

std::string ExposureDataOptions::cacheKey() const
{
    nlohmann::json j;
    std::vector<std::string> files;
    for (const auto& f : hdrFiles) {
        std::error_code ec;
        files.push_back(f.filename().string() + ":" + std::to_string(fs::file_size(f, ec)));
    }
    j = {{"v", 1},
         {"files", files},
         {"n", exposures},
         {"spacing", evSpacing},
         {"jitter", evJitter},
         {"per_scene", samplesPerScene},
         {"rank", rankSize},
         {"thumb", thumbSize},
         {"metric", core::nameOf(metric)},
         {"seed", seed}};
    return j.dump();
}

int pairCount(int n)
{
    return n * (n - 1) / 2;
}

int pairIndex(int i, int j, int n)
{
    // Pairs (0,1) (0,2) ... (0,n−1) (1,2) ...: row i starts after i rows of decreasing length.
    return i * n - i * (i + 1) / 2 + (j - i - 1);
}

std::pair<int, int> pairFromIndex(int k, int n)
{
    for (int i = 0; i < n - 1; ++i) {
        const int row = n - 1 - i;
        if (k < row) {
            return {i, i + 1 + k};
        }
        k -= row;
    }
    return {0, 1};
}

std::vector<std::uint8_t> makeThumbnails(std::span<const core::ImageF> frames, int size)
{
    std::vector<std::uint8_t> out;
    out.reserve(frames.size() * 3 * std::size_t(size) * std::size_t(size));
    for (const auto& f : frames) {
        for (int ch = 0; ch < 3; ++ch) {
            for (int ty = 0; ty < size; ++ty) {
                const int y0 = ty * f.height() / size, y1 = std::max(y0 + 1, (ty + 1) * f.height() / size);
                for (int tx = 0; tx < size; ++tx) {
                    const int x0 = tx * f.width() / size, x1 = std::max(x0 + 1, (tx + 1) * f.width() / size);
                    double sum = 0;
                    for (int y = y0; y < y1; ++y) {
                        for (int x = x0; x < x1; ++x) {
                            sum += f.pixel(x, y)[ch];
                        }
                    }
                    const double v = sum / double((y1 - y0) * (x1 - x0));
                    out.push_back(std::uint8_t(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)));
                }
            }
        }
    }
    return out;
}

namespace {

core::ImageF crop(const core::ImageF& image, int x0, int y0, int w, int h)
{
    core::ImageF out(w, h, 3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float* p = image.pixel(x0 + x, y0 + y);
            float* q = out.pixel(x, y);
            for (int k = 0; k < 3; ++k) {
                q[k] = std::isfinite(p[k]) && p[k] > 0 ? p[k] : 0.0f;
            }
        }
    }
    return out;
}

float medianLuminance(const core::ImageF& image)
{
    std::vector<float> lum;
    for (std::int64_t i = 0; i < image.pixelCount(); ++i) {
        const float* p = image.data() + i * image.channels();
        lum.push_back(0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]);
    }
    std::nth_element(lum.begin(), lum.begin() + std::ptrdiff_t(lum.size() / 2), lum.end());
    return std::max(lum[lum.size() / 2], 1e-6f);
}

nlohmann::json toJson(const ExposureSample& s)
{
    return {{"scene", s.scene},
            {"evs", s.evs},
            {"thumbs", s.thumbnails},
            {"scores", s.pairScores},
            {"best", s.bestPair}};
}

ExposureSample fromJson(const nlohmann::json& j)
{
    ExposureSample s;
    s.scene = j.at("scene").get<std::string>();
    s.evs = j.at("evs").get<std::vector<float>>();
    s.thumbnails = j.at("thumbs").get<std::vector<std::uint8_t>>();
    s.pairScores = j.at("scores").get<std::vector<double>>();
    s.bestPair = j.at("best").get<int>();
    return s;
}

std::vector<ExposureSample> readCache(const ExposureDataOptions& o)
{
    std::ifstream in(o.cacheFile);
    if (!in) {
        return {};
    }
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || j.value("key", "") != o.cacheKey()) {
        return {};
    }
    std::vector<ExposureSample> out;
    try {
        for (const auto& s : j.at("samples")) {
            out.push_back(fromJson(s));
        }
    } catch (const std::exception&) {
        return {};
    }
    return out;
}

} // namespace

core::Result<std::vector<ExposureSample>>
buildExposureDataset(const ExposureDataOptions& o, core::JobContext& ctx, bool* built)
{
    if (auto s = o.validate(); !s) {
        return tl::unexpected(s.error());
    }
    if (built) {
        *built = false;
    }
    if (!o.cacheFile.empty()) {
        if (auto cached = readCache(o); !cached.empty()) {
            return cached;
        }
    }
    return core::guarded(core::ErrorCode::IoError, "exposure dataset", [&] {
        std::vector<ExposureSample> samples;
        const int n = o.exposures;
        for (std::size_t f = 0; f < o.hdrFiles.size(); ++f) {
            auto scene = core::unwrap(core::readImage(o.hdrFiles[f]));
            // Ranking happens at rankSize; crops are taken from a copy twice that size.
            const auto small = core::downscaleToMaxSize(scene, o.rankSize * 2);
            std::mt19937_64 rng(o.seed * 1315423911ull + f);
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            for (int s = 0; s < o.samplesPerScene; ++s) {
                core::throwIfCancelled(ctx);
                ctx.setProgress((double(f) + double(s) / o.samplesPerScene) / double(o.hdrFiles.size()),
                                "Ranking exposure pairs");
                const double frac = 0.5 + 0.5 * unit(rng);
                const int w = std::max(16, int(small.width() * frac)),
                          h = std::max(16, int(small.height() * frac));
                const int x0 = int(unit(rng) * (small.width() - w + 1)) % (small.width() - w + 1);
                const int y0 = int(unit(rng) * (small.height() - h + 1)) % (small.height() - h + 1);
                const auto region = crop(small, x0, y0, w, h);
                // Centre the bracket on the exposure that puts the median at 18 % grey, jittered.
                const float centre =
                    std::log2(0.18f / medianLuminance(region)) + float((2.0 * unit(rng) - 1.0) * o.evJitter);
                core::BracketParams bp;
                bp.evs.clear();
                for (int k = 0; k < n; ++k) {
                    bp.evs.push_back(centre + (float(k) - float(n - 1) / 2.0f) * o.evSpacing);
                }
                bp.seed = rng();
                auto frames = core::unwrap(core::synthesizeBrackets(region, bp, core::nullJobContext()));
                std::vector<core::ImageF> signals;
                for (auto& fr : frames) {
                    signals.push_back(std::move(fr.signal));
                }
                core::ExposureSelectionParams rp;
                rp.metric = o.metric;
                rp.maxSize = o.rankSize;
                const auto ranking =
                    core::unwrap(core::rankExposurePairs(signals, rp, core::nullJobContext()));
                ExposureSample sample;
                sample.scene = o.hdrFiles[f].filename().string();
                sample.evs = bp.evs;
                sample.pairScores.assign(std::size_t(pairCount(n)), 0.0);
                for (const auto& p : ranking) {
                    sample.pairScores[std::size_t(pairIndex(p.first, p.second, n))] = p.score;
                }
                sample.bestPair = pairIndex(ranking.front().first, ranking.front().second, n);
                sample.thumbnails = makeThumbnails(signals, o.thumbSize);
                samples.push_back(std::move(sample));
            }
        }
        if (!o.cacheFile.empty()) {
            nlohmann::json j = {{"key", o.cacheKey()}, {"samples", nlohmann::json::array()}};
            for (const auto& s : samples) {
                j["samples"].push_back(toJson(s));
            }
            const std::string text = j.dump();
            core::unwrap(core::writeFileAtomically(
                o.cacheFile, std::as_bytes(std::span(text.data(), text.size())), true));
        }
        if (built) {
            *built = true;
        }
        return samples;
    });
}

} // namespace hdr::expsel
