// `hdrstudio-bench itm`: training throughput of the LDR -> HDR network, in this process with
// libtorch: the step core/training's loop runs for core/itm's task (zero_grad, forward, hybrid
// loss, backward, loss.item(), Adam step; ItmTask.cpp, Trainer.cpp), against
// tests/bench/peer_itm.py, the same network written in PyTorch, with the same initial weights, the
// same random batches, the same Adam settings and the same thread count. Batches are made up front
// on both sides: ItmTask's tile cropping is not timed. The first step's loss on both sides (same
// weights, same batch) checks that the two networks compute the same function.
#include "BenchItm.h"

#include "BenchSupport.h"

#ifdef HDR_WITH_DIFFUSION
#include "diffusion/SafetensorsTorch.h"
#endif
#include "itm/ItmConfig.h"
#include "itm/ItmNetwork.h"

#include <nlohmann/json.hpp>
#include <torch/optim/adam.h>

#include <ATen/Parallel.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;

int benchItm(const Args& args)
{
    std::string numberError;
    const int batch = int(args.number("batch", numberError).value_or(8));
    const int tile = int(args.number("tile", numberError).value_or(64));
    const int steps = int(args.number("steps", numberError).value_or(30));
    const int threadsWanted = int(args.number("threads", numberError).value_or(0));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (batch < 1 || batch > 256 || tile < 8 || tile > 1024 || tile % 4 != 0 || steps < 1) {
        return usageError("bench itm: --batch 1..256, --tile a multiple of 4 in 8..1024, --steps >= 1");
    }
    at::set_num_threads(threadsWanted > 0 ? threadsWanted
                                          : int(std::max(1u, std::thread::hardware_concurrency())));
    const int threads = at::get_num_threads();
    const itm::ItmModelMeta meta; // the trainer's defaults: alpha 0.5, scale_hdr 1, the default net
    const double lr = 1e-3;       // TrainingOptions::lr; Adam, weight decay 0, constant over the run
    const int warmup = 2;         // untimed steps first (allocator, oneDNN primitives), on both sides
    const int pool = 4;           // distinct batches, cycled

    torch::manual_seed(1);
    itm::ItmNet net(meta.net);
    std::vector<torch::Tensor> inputs, targets;
    for (int i = 0; i < pool; ++i) {
        // Linear LDR in [0, 1] (a share of the pixels above the highlight threshold, where the
        // network predicts), positive HDR targets.
        inputs.push_back(torch::rand({batch, 3, tile, tile}));
        targets.push_back(torch::rand({batch, 3, tile, tile}) * 4.0);
    }
    std::int64_t parameters = 0;
    for (const auto& p : net->parameters()) {
        parameters += p.numel();
    }

    // Hand the initial weights and the batches to the peer (before training changes them).
    const fs::path tmp = fs::temp_directory_path() / ("hdr-bench-itm-" + std::to_string(::getpid()));
    struct Cleanup {
        fs::path dir;
        ~Cleanup()
        {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{tmp};
    std::string peerFiles;
#ifdef HDR_WITH_DIFFUSION
    fs::create_directories(tmp);
    {
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        for (const auto& p : net->named_parameters()) {
            tensors.emplace_back(p.key(), p.value().detach().contiguous());
        }
        if (auto ok = diffusion::writeSafetensors(tmp / "weights.safetensors", tensors, {}, true); !ok) {
            return reportError(ok.error());
        }
        tensors.clear();
        for (int i = 0; i < pool; ++i) {
            tensors.emplace_back("input." + std::to_string(i), inputs[std::size_t(i)]);
            tensors.emplace_back("target." + std::to_string(i), targets[std::size_t(i)]);
        }
        if (auto ok = diffusion::writeSafetensors(tmp / "data.safetensors", tensors, {}, true); !ok) {
            return reportError(ok.error());
        }
    }
    peerFiles = " --weights " + shellQuoted((tmp / "weights.safetensors").string()) + " --data " +
                shellQuoted((tmp / "data.safetensors").string());
#endif

    std::printf("bench itm: LDR -> HDR network (base %d channels, dilations", meta.net.baseChannels);
    for (int d : meta.net.dilations) {
        std::printf(" %d", d);
    }
    std::printf("; %.1f k parameters), batch %d of %dx%d tiles, hybrid loss alpha %.2f, Adam lr %g; "
                "%d warm-up + %d timed steps; threads %d\n",
                double(parameters) / 1e3,
                batch,
                tile,
                tile,
                double(meta.alphaLoss),
                lr,
                warmup,
                steps,
                threads);
    std::printf("CPU: %s; load average before: %s\n", cpuModel().c_str(), loadAverage().c_str());
    std::fflush(stdout);

    // Ours: the trainer's step.
    net->train();
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(lr).weight_decay(0.0));
    double firstLoss = std::nan(""), lastLoss = std::nan("");
    auto step = [&](int i) {
        optimizer.zero_grad();
        const auto loss = itm::hybridLoss(
            net->forward(inputs[std::size_t(i % pool)]), targets[std::size_t(i % pool)], meta.alphaLoss);
        loss.backward();
        lastLoss = loss.item<double>();
        optimizer.step();
    };
    for (int i = 0; i < warmup; ++i) {
        step(i);
        if (i == 0) {
            firstLoss = lastLoss;
        }
    }
    const double oursS = secondsOf([&] {
        for (int i = 0; i < steps; ++i) {
            step(warmup + i);
        }
    });
    const double oursRate = steps / oursS;

    double peerRate = std::nan(""), peerFirst = std::nan(""), peerLast = std::nan("");
    std::string peerInfo = "not run (--skip-peer)";
    if (!args.flag("skip-peer")) {
        std::string failure, dilations;
        for (int d : meta.net.dilations) {
            dilations += (dilations.empty() ? "" : ",") + std::to_string(d);
        }
        const auto peer = runPeerJson(
            "/usr/bin/python3 " HDR_SOURCE_DIR "/tests/bench/peer_itm.py --batch " + std::to_string(batch) +
                " --tile " + std::to_string(tile) + " --steps " + std::to_string(steps) + " --warmup " +
                std::to_string(warmup) + " --pool " + std::to_string(pool) + " --threads " +
                std::to_string(threads) + " --lr " + fixed(lr, 6) + " --alpha " + fixed(meta.alphaLoss, 6) +
                " --base " + std::to_string(meta.net.baseChannels) + " --dilations " + dilations + peerFiles,
            &failure);
        if (peer.is_object() && peer.contains("seconds")) {
            peerRate = steps / peer.value("seconds", std::nan(""));
            peerFirst = peer.value("first_loss", std::nan(""));
            peerLast = peer.value("last_loss", std::nan(""));
            peerInfo = "PyTorch " + peer.value("torch", std::string("?")) + " (tests/bench/peer_itm.py, " +
                       std::to_string(peer.value("threads", 0)) + " threads, " +
                       std::to_string(peer.value("parameters", 0)) + " parameters, " +
                       (peer.value("same_weights", false) ? "our weights and batches"
                                                          : "its own weights and batches") +
                       ")";
        } else {
            peerInfo = "peer failed: " + failure;
        }
    }

    TextTable table({"training step",
                     "ours steps/s",
                     "PyTorch steps/s",
                     "ratio",
                     "ours ms/step",
                     "PT ms/step",
                     "loss@1 ours",
                     "loss@1 PT",
                     "loss@end ours",
                     "loss@end PT"});
    table.addRow(
        {"batch " + std::to_string(batch) + " x " + std::to_string(tile) + "x" + std::to_string(tile),
         fixed(oursRate, 2),
         fixed(peerRate, 2),
         fixed(ratioOf(1.0 / peerRate, 1.0 / oursRate), 2),
         fixed(1e3 / oursRate, 1),
         fixed(1e3 / peerRate, 1),
         fixed(firstLoss, 6),
         fixed(peerFirst, 6),
         fixed(lastLoss, 6),
         fixed(peerLast, 6)});
    std::printf("\n");
    table.print();
    std::printf("peer: %s; ratio = our steps/s / PyTorch steps/s (> 1: we are faster); loss@1: the first "
                "step's loss (same weights and batch: equal when the networks are the same)\n",
                peerInfo.c_str());
    std::printf("load average after: %s\n", loadAverage().c_str());
    if (args.flag("json")) {
        const nlohmann::json report = {{"batch", batch},
                                       {"tile", tile},
                                       {"steps", steps},
                                       {"warmup", warmup},
                                       {"threads", threads},
                                       {"parameters", parameters},
                                       {"ours_steps_per_s", oursRate},
                                       {"peer_steps_per_s", peerRate},
                                       {"ratio", ratioOf(1.0 / peerRate, 1.0 / oursRate)},
                                       {"ours_first_loss", firstLoss},
                                       {"peer_first_loss", peerFirst},
                                       {"ours_last_loss", lastLoss},
                                       {"peer_last_loss", peerLast},
                                       {"peer", peerInfo}};
        std::printf("%s\n", report.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
