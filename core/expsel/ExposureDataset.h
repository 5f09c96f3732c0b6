#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"
#include "metrics/ImageMetrics.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hdr::expsel {

// Training data for learned exposure selection, made from HDR files. One sample = a random crop
// of a scene, exposed N times (core/stacks synthesizeBrackets: sRGB camera, 8-bit, EVs
// base + (k − (N − 1)/2) · spacing with a random base offset), every pair fused with Mertens and
// ranked against the fusion of all N by the brute-force ranker (core/stacks ExposureSelection).
// The label is the best pair; the network sees N thumbnails (display-encoded, thumbSize²).
struct ExposureDataOptions {
    std::vector<std::filesystem::path> hdrFiles;
    int exposures = 5;      // N
    float evSpacing = 1.5f; // EV between neighbours
    float evJitter = 1.5f;  // base offset in [−jitter, jitter]
    int samplesPerScene = 12;
    int rankSize = 128; // longer side the ranker fuses at
    int thumbSize = 32;
    core::Metric metric = core::Metric::Ssim;
    std::uint64_t seed = 1;
    std::filesystem::path cacheFile; // statistics cache (JSON); empty: none

    core::Status validate() const;
    std::string cacheKey() const; // changes whenever anything that shapes the samples does
};

struct ExposureSample {
    std::string scene;
    std::vector<float> evs;
    std::vector<std::uint8_t> thumbnails; // N x 3 x S x S, display code values
    std::vector<double> pairScores;       // by pairIndex(i, j)
    int bestPair = 0;
};

int pairCount(int n);               // n(n − 1)/2
int pairIndex(int i, int j, int n); // i < j, lexicographic
std::pair<int, int> pairFromIndex(int k, int n);

// Builds the samples, or reads them from options.cacheFile when its key matches (the cache is
// rewritten atomically after a build). `built` says whether anything was computed.
core::Result<std::vector<ExposureSample>>
buildExposureDataset(const ExposureDataOptions& options, core::JobContext& ctx, bool* built = nullptr);

// N display-encoded frames (same size) -> N x 3 x S x S bytes, each frame box-averaged onto an
// S x S grid (aspect not kept: the network sees the whole frame).
std::vector<std::uint8_t> makeThumbnails(std::span<const core::ImageF> displayEncoded, int size);

} // namespace hdr::expsel
