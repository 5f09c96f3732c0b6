// `hdrstudio-bench esrgan`: ESRGAN x4 inference, ours (core/upscale: RrdbNet loaded by
// loadEsrganModel, the path `hdrstudio-cli upscale` takes) against BasicSR's RRDBNet in PyTorch
// (tests/bench/peer_esrgan.py) on the SAME weights file and input, whole image, best of --repeat;
// seconds, peak resident memory, output cross-check. Second table: Real-ESRGAN tiled upscale
// (upscaleDisplayImage, the batch workflow's stage 3) per input size, each in a child process of
// this tool (`esrgan --child SIZE`), whose peak RSS shows whether memory stays bounded.
#include "BenchEsrgan.h"

#include "BenchSupport.h"

#include "diffusion/SafetensorsTorch.h"
#include "diffusion/TorchRuntime.h"
#include "image/Image.h"
#include "upscale/EsrganModel.h"
#include "upscale/RrdbNet.h"
#include "upscale/UpscaleRequest.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;
namespace {

std::vector<std::pair<std::string, at::Tensor>> namedTensors(torch::nn::Module& module)
{
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& p : module.named_parameters()) {
        out.emplace_back(p.key(), p.value().detach().contiguous());
    }
    return out;
}

std::string scientific(double v)
{
    if (!std::isfinite(v)) {
        return "-";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2e", v);
    return buf;
}

// --tiled-sizes "256,512,1024" (0 or "none": no tiled table).
std::vector<int> parseSizes(const std::string& text, std::string& error)
{
    std::vector<int> sizes;
    if (text == "none" || text == "0") {
        return sizes;
    }
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        try {
            const int v = std::stoi(item);
            if (v < 16 || v > 8192) {
                throw std::out_of_range(item);
            }
            sizes.push_back(v);
        } catch (const std::exception&) {
            error = "--tiled-sizes takes sizes in px (16..8192) separated by commas, e.g. 256,512,1024";
        }
    }
    return sizes;
}

// The child: one tiled stage-3 upscale of a SIZE x SIZE random picture; prints a JSON line.
int runTiledChild(int size, const fs::path& weights, int tile, int threads)
{
    core::ImageF image(size, size, 3);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    for (std::int64_t i = 0; i < image.pixelCount() * 3; ++i) {
        image.data()[i] = unit(rng);
    }
    diffusion::UpscaleSettings settings;
    settings.model = weights;
    settings.tile = tile;
    settings.threads = threads;
    const double baseGb = currentRssGb(); // libraries, the input picture; no model, no libtorch pool yet
    resetPeakRss();
    const double t0 = monotonicSeconds();
    auto up = diffusion::upscaleDisplayImage(image, settings, core::nullJobContext());
    const double seconds = monotonicSeconds() - t0;
    if (!up) {
        return reportError(up.error());
    }
    const nlohmann::json out = {{"size", size},
                                {"tile", tile},
                                {"seconds", seconds},
                                {"base_rss_gb", baseGb},
                                {"peak_rss_gb", peakRssGb()},
                                {"out_width", up->display.width()},
                                {"out_height", up->display.height()},
                                {"method", up->method}};
    std::printf("%s\n", out.dump().c_str());
    return kExitOk;
}

} // namespace

int benchEsrgan(const Args& args, int repeat)
{
    std::string numberError;
    const int size = int(args.number("size", numberError).value_or(256));
    const int tile = int(args.number("tile", numberError).value_or(128));
    const int threadsWanted = int(args.number("threads", numberError).value_or(0));
    const int child = int(args.number("child", numberError).value_or(0));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (size < 16 || size > 4096 || size % 4 != 0) {
        return usageError("bench esrgan: --size must be a multiple of 4 in 16..4096");
    }
    if (tile < 0 || tile > 4096) {
        return usageError("bench esrgan: --tile must be 0..4096 (0: whole image)");
    }
    if (child > 0) {
        if (!args.value("weights")) {
            return usageError("bench esrgan --child needs --weights");
        }
        return runTiledChild(child, *args.value("weights"), tile, threadsWanted);
    }
    std::string sizesError;
    // Default: half, once and twice --size (128, 256, 512 by default; 256, 512, 1024 with --size 512).
    const std::string halfSize = std::to_string(std::max(16, size / 2 / 4 * 4));
    const std::vector<int> tiledSizes =
        parseSizes(args.value("tiled-sizes")
                       .value_or(halfSize + "," + std::to_string(size) + "," + std::to_string(2 * size)),
                   sizesError);
    if (!sizesError.empty()) {
        return usageError(sizesError);
    }
    const bool json = args.flag("json");

    const diffusion::TorchRuntimeInfo runtime = diffusion::configureTorch(threadsWanted);
    const int threads = runtime.intraOpThreads;
    const fs::path tmp = fs::temp_directory_path() / ("hdr-bench-esrgan-" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    const fs::path weights = tmp / "esrgan_x4.safetensors", input = tmp / "input.safetensors",
                   peerOut = tmp / "peer_out.safetensors";
    struct Cleanup {
        fs::path dir;
        ~Cleanup()
        {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{tmp};

    // The weights: the real x4 shapes, random values (LeCun normal, biases +-0.1), written in the
    // BasicSR key layout, as a Real-ESRGAN .safetensors file would be.
    diffusion::RrdbNetConfig config; // 3 -> 3, x4, 64 features, 23 blocks, growth 32
    {
        c10::InferenceMode guard;
        diffusion::RrdbNet random(config, at::TensorOptions().dtype(at::kFloat));
        diffusion::initRandomWeights(*random, 1);
        if (auto ok = diffusion::writeSafetensors(weights, namedTensors(*random), {}, true); !ok) {
            return reportError(ok.error());
        }
    }
    at::manual_seed(0);
    const at::Tensor image = at::rand({1, 3, size, size});
    if (auto ok = diffusion::writeSafetensors(input, {{"image", image}}, {}, true); !ok) {
        return reportError(ok.error());
    }

    // Ours: the file through the loader `upscale` uses, whole image, inference mode.
    auto model = diffusion::loadEsrganModel(weights);
    if (!model) {
        return reportError(model.error());
    }
    std::printf(
        "bench esrgan: RRDBNet x4 (%lld features, %lld blocks, growth %lld; %.1f M parameters, random "
        "weights, %s layout) on %dx%d -> %dx%d, whole image; best of %d; threads %d\n",
        static_cast<long long>(model->info.config.numFeat),
        static_cast<long long>(model->info.config.numBlock),
        static_cast<long long>(model->info.config.numGrowCh),
        double(model->info.parameters) / 1e6,
        model->info.layout.c_str(),
        size,
        size,
        size * 4,
        size * 4,
        repeat,
        threads);
    std::printf("CPU: %s; load average before: %s\n", cpuModel().c_str(), loadAverage().c_str());
    std::fflush(stdout);
    double oursS = 0, oursPeakGb = 0, oursBaseGb = 0;
    at::Tensor ours;
    {
        c10::InferenceMode guard;
        oursBaseGb = currentRssGb();
        resetPeakRss();
        oursS = bestOf(repeat, [&] {
            ours = at::Tensor(); // the previous output is released first, as in the peer
            ours = model->net->forward(image);
        });
        oursPeakGb = peakRssGb();
    }
    model->net = diffusion::RrdbNet(nullptr); // free our weights before the peer runs

    if (!args.flag("skip-peer")) {
        std::printf("ours done (%.1f s per pass); the PyTorch peer takes about %.0f min more, then the "
                    "tiled runs\n",
                    oursS,
                    oursS * repeat / 60.0);
        std::fflush(stdout);
    }

    // The peer: same weights file, same input, same threads.
    double peerS = std::nan(""), peerPeakGb = std::nan(""), peerBaseGb = std::nan(""), diff = std::nan("");
    std::string peerInfo = "not run (--skip-peer)";
    if (!args.flag("skip-peer")) {
        std::string failure;
        const auto peer =
            runPeerJson("/usr/bin/python3 " HDR_SOURCE_DIR "/tests/bench/peer_esrgan.py --weights " +
                            shellQuoted(weights.string()) + " --input " + shellQuoted(input.string()) +
                            " --repeat " + std::to_string(repeat) + " --threads " + std::to_string(threads) +
                            " --out " + shellQuoted(peerOut.string()),
                        &failure);
        if (peer.is_object() && peer.contains("seconds")) {
            peerS = peer.value("seconds", std::nan(""));
            peerPeakGb = peer.value("peak_rss_gb", std::nan(""));
            peerBaseGb = peer.value("base_rss_gb", std::nan(""));
            peerInfo = "PyTorch " + peer.value("torch", std::string("?")) + " (tests/bench/peer_esrgan.py, " +
                       std::to_string(peer.value("threads", 0)) + " threads)";
            if (auto theirs = diffusion::loadSafetensors(peerOut); theirs && theirs->count("image")) {
                const at::Tensor t = theirs->at("image");
                diff = (ours - t).abs().max().item<double>() / std::max(t.abs().max().item<double>(), 1e-30);
            }
        } else {
            peerInfo = "peer failed: " + failure;
        }
    }

    const std::string pass = "x4 " + std::to_string(size) + "x" + std::to_string(size) + " whole image";
    TextTable table({"pass",
                     "ours s",
                     "PyTorch s",
                     "ratio",
                     "ours RSS GB",
                     "PT RSS GB",
                     "ours +GB",
                     "PT +GB",
                     "|diff|/max"});
    table.addRow({pass,
                  fixed(oursS, 2),
                  fixed(peerS, 2),
                  fixed(ratioOf(peerS, oursS), 2),
                  fixed(oursPeakGb, 2),
                  fixed(peerPeakGb, 2),
                  fixed(oursPeakGb - oursBaseGb, 2),
                  fixed(peerPeakGb - peerBaseGb, 2),
                  scientific(diff)});
    std::printf("\n");
    table.print();
    std::printf("RSS GB: the process's peak resident memory during the passes; +GB: that peak above the RSS "
                "before the passes (weights already loaded: activations and output)\n");
    std::printf("peer: %s; ratio = PyTorch time / our time (> 1: we are faster)\n", peerInfo.c_str());
    std::fflush(stdout);
    ours = at::Tensor();

    // Tiled stage-3 upscale, one child process per size: the process's whole peak.
    nlohmann::json tiledReport = nlohmann::json::array();
    if (!tiledSizes.empty()) {
        std::printf("\ntiled stage-3 upscale (Real-ESRGAN tiling: tile %d, tile pad 10, pre pad 10; "
                    "upscaleDisplayImage, model loaded from the file), one child process per size:\n",
                    tile);
        std::fflush(stdout);
        TextTable tiled(
            {"input", "output", "tiles", "seconds", "peak RSS GB", "above start GB", "output MB"});
        const fs::path self = selfExecutable();
        for (int s : tiledSizes) {
            std::string failure;
            const auto r = runPeerJson(shellQuoted(self.string()) + " esrgan --child " + std::to_string(s) +
                                           " --weights " + shellQuoted(weights.string()) + " --tile " +
                                           std::to_string(tile) + " --threads " + std::to_string(threads),
                                       &failure);
            if (!r.is_object()) {
                tiled.addRow({std::to_string(s) + "x" + std::to_string(s), "failed: " + failure});
                continue;
            }
            const int ow = r.value("out_width", 0), oh = r.value("out_height", 0);
            const int perSide = tile > 0 ? (s + 10 + tile - 1) / tile : 1; // the pre pad (right, bottom) too
            const double peak = r.value("peak_rss_gb", std::nan("")),
                         base = r.value("base_rss_gb", std::nan(""));
            const double outputMb = double(ow) * oh * 3 * 4 / (1024.0 * 1024.0);
            tiled.addRow({std::to_string(s) + "x" + std::to_string(s),
                          std::to_string(ow) + "x" + std::to_string(oh),
                          std::to_string(perSide * perSide),
                          fixed(r.value("seconds", std::nan("")), 1),
                          fixed(peak, 2),
                          fixed(peak - base, 2),
                          fixed(outputMb, 0)});
            tiledReport.push_back(r);
        }
        tiled.print();
        std::printf("peak RSS: the child's whole peak (libraries, input, weights, tile activations, output "
                    "copies); above start: the peak minus its RSS before the upscale call; output MB: one "
                    "float RGB copy of the result\n");
    }
    std::printf("load average after: %s\n", loadAverage().c_str());
    if (json) {
        const nlohmann::json report = {{"size", size},
                                       {"repeat", repeat},
                                       {"threads", threads},
                                       {"parameters", model->info.parameters},
                                       {"ours_s", oursS},
                                       {"peer_s", peerS},
                                       {"ratio", ratioOf(peerS, oursS)},
                                       {"ours_peak_rss_gb", oursPeakGb},
                                       {"ours_base_rss_gb", oursBaseGb},
                                       {"peer_peak_rss_gb", peerPeakGb},
                                       {"peer_base_rss_gb", peerBaseGb},
                                       {"max_diff_rel", diff},
                                       {"peer", peerInfo},
                                       {"tile", tile},
                                       {"tiled", tiledReport}};
        std::printf("%s\n", report.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
