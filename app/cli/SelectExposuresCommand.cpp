// hdrstudio-cli select-exposures: which two frames of a bracket reproduce the full-stack fusion?
#include "EngineCommands.h"
#include "commandline/CliCommon.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "stacks/ExposureSelection.h"
#ifdef HDR_WITH_TRAINING
#include "expsel/ExposureSelector.h"
#include "hdr/ExposureFusion.h"
#endif

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "select-exposures",
    "IN... [options]",
    "Ranks every pair of exposures by how closely their Mertens fusion matches the fusion of all.",
    "Inputs are display-referred photos (JPEG/PNG/TIFF) of one bracket, same size.",
    {
        {"metric", "M", "ssim | psnr (default ssim)"},
        {"max-size", "PX", "search at this longer side (default 512; 0 = full size)"},
        {"json", "", "print JSON"},
#if defined(HDR_WITH_TRAINING) || defined(HDR_ENGINE_HAS_TRAINING)
        {"model",
         "FILE",
         "pick the pair with a trained selector (exposure-model train) and report the quality lost "
         "against the best pair and the compute saved against fusing all"},
#endif
    },
    2,
    -1};

#ifdef HDR_WITH_TRAINING
double millisecondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The learned selector: one network pass and one two-frame fusion instead of the n(n - 1)/2 + 1
// fusions of the brute-force search. The search still runs afterwards, to report what was lost.
int selectWithModel(const std::string& modelPath,
                    const std::vector<core::ImageF>& stack,
                    const std::vector<std::string>& files,
                    const core::ExposureSelectionParams& p,
                    const std::string& metric,
                    bool json)
{
    auto model = expsel::ExposureSelectorModel::load(modelPath);
    if (!model) {
        return reportError(model.error());
    }
    // The network saw brackets ordered darkest to brightest.
    std::vector<double> brightness;
    for (const auto& img : stack) {
        const auto n = img.pixelCount() * img.channels();
        brightness.push_back(std::accumulate(img.data(), img.data() + n, 0.0) /
                             double(std::max<std::int64_t>(1, n)));
    }
    std::vector<int> order(stack.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return brightness[std::size_t(a)] < brightness[std::size_t(b)];
    });
    std::vector<core::ImageF> small;
    for (int i : order) {
        small.push_back(core::downscaleToMaxSize(stack[std::size_t(i)], p.maxSize));
    }

    const auto t0 = std::chrono::steady_clock::now();
    auto probs = model->pairProbabilities(small);
    if (!probs) {
        return reportError(probs.error());
    }
    const int k = int(std::max_element(probs->begin(), probs->end()) - probs->begin());
    const auto [si, sj] = expsel::pairFromIndex(k, int(small.size()));
    const core::ImageF pairFrames[2] = {small[std::size_t(si)], small[std::size_t(sj)]};
    if (auto fused = core::fuseMertens(pairFrames, p.fusion, core::nullJobContext()); !fused) {
        return reportError(fused.error());
    }
    const double modelMs = millisecondsSince(t0);
    const auto t1 = std::chrono::steady_clock::now();
    if (auto all = core::fuseMertens(small, p.fusion, core::nullJobContext()); !all) {
        return reportError(all.error());
    }
    const double allMs = millisecondsSince(t1);
    const auto t2 = std::chrono::steady_clock::now();
    TerminalJobContext ctx;
    auto ranking = core::rankExposurePairs(stack, p, ctx);
    ctx.finish();
    if (!ranking) {
        return reportError(ranking.error());
    }
    const double searchMs = millisecondsSince(t2);
    const int first = std::min(order[std::size_t(si)], order[std::size_t(sj)]);
    const int second = std::max(order[std::size_t(si)], order[std::size_t(sj)]);
    double chosenScore = 0;
    for (const auto& s : *ranking) {
        if (s.first == first && s.second == second) {
            chosenScore = s.score;
        }
    }
    const auto& best = ranking->front();
    const double lost = best.score - chosenScore;
    const double saved = allMs > 0 ? 100.0 * (1.0 - modelMs / allMs) : 0.0;
    if (json) {
        nlohmann::json out = {{"chosen", {files[std::size_t(first)], files[std::size_t(second)]}},
                              {"probability", (*probs)[std::size_t(k)]},
                              {"score", chosenScore},
                              {"best", {files[std::size_t(best.first)], files[std::size_t(best.second)]}},
                              {"best_score", best.score},
                              {"quality_lost", lost},
                              {"metric", metric},
                              {"model_ms", modelMs},
                              {"fuse_all_ms", allMs},
                              {"search_ms", searchMs},
                              {"compute_saved_percent", saved}};
        std::printf("%s\n", out.dump(2).c_str());
    } else {
        std::printf("model picks   %s + %s (p = %.2f)\n",
                    files[std::size_t(first)].c_str(),
                    files[std::size_t(second)].c_str(),
                    double((*probs)[std::size_t(k)]));
        std::printf("%-6s        %.5f vs the best pair's %.5f (%s + %s): %.5f lost\n",
                    metric.c_str(),
                    chosenScore,
                    best.score,
                    files[std::size_t(best.first)].c_str(),
                    files[std::size_t(best.second)].c_str(),
                    lost);
        std::printf("compute       network + 2-frame fusion %.1f ms vs fusing all %zu frames %.1f ms (%.0f "
                    "%% saved); "
                    "brute-force search %.1f ms\n",
                    modelMs,
                    stack.size(),
                    allMs,
                    saved,
                    searchMs);
    }
    return kExitOk;
}
#endif

} // namespace

int runSelectExposures(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
#if defined(HDR_ENGINE_HAS_TRAINING) && !defined(HDR_WITH_TRAINING)
    if (args.value("model")) { // the learned selector runs in the engine plugin (EngineCommands.h)
        return runEngineCommand("select-exposures", argv);
    }
#endif
    core::ExposureSelectionParams p;
    const std::string metric = args.value("metric").value_or("ssim");
    auto m = core::metricFromString(metric);
    if (!m || (*m != core::Metric::Ssim && *m != core::Metric::Psnr)) {
        return usageError("--metric must be ssim or psnr");
    }
    p.metric = *m;
    std::string err;
    p.maxSize = int(args.number("max-size", err).value_or(512));
    if (!err.empty()) {
        return usageError(err);
    }
    core::ReadOptions ro;
    ro.applyIcc = false;
    std::vector<core::ImageF> stack;
    for (const auto& path : args.positional()) {
        auto img = core::readImage(path, ro);
        if (!img) {
            return reportError(img.error());
        }
        for (std::int64_t i = 0; i < img->pixelCount() * img->channels(); ++i) {
            img->data()[i] = core::srgbEncode(img->data()[i]); // back to the stored signal
        }
        stack.push_back(std::move(*img));
    }
#ifdef HDR_WITH_TRAINING
    if (auto modelPath = args.value("model")) {
        return selectWithModel(*modelPath, stack, args.positional(), p, metric, args.flag("json"));
    }
#endif
    TerminalJobContext ctx;
    auto ranking = core::rankExposurePairs(stack, p, ctx);
    if (!ranking) {
        return reportError(ranking.error());
    }
    ctx.finish();
    const auto& files = args.positional();
    if (args.flag("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : *ranking) {
            out.push_back({{"first", files[std::size_t(s.first)]},
                           {"second", files[std::size_t(s.second)]},
                           {metric, s.score}});
        }
        std::printf("%s\n", out.dump(2).c_str());
    } else {
        for (const auto& s : *ranking) {
            std::printf("%-8s %.5f  %s + %s\n",
                        metric.c_str(),
                        s.score,
                        files[std::size_t(s.first)].c_str(),
                        files[std::size_t(s.second)].c_str());
        }
    }
    return kExitOk;
}

} // namespace hdr::cli
