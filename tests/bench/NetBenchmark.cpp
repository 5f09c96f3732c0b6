#include "NetBenchmark.h"

#include "diffusion/SafetensorsTorch.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/nets/Attention.h"
#include "diffusion/nets/AutoencoderKL.h"
#include "diffusion/nets/UNet2DConditionModel.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>

namespace hdr::diffusion {
namespace {

using Clock = std::chrono::steady_clock;

template <typename Fn> double bestSeconds(int iterations, Fn&& fn)
{
    double best = 1e30;
    for (int i = 0; i < std::max(iterations, 1); ++i) {
        const auto t0 = Clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

double matmulGflops(at::ScalarType type)
{
    const int64_t n = 2048;
    const at::Tensor a = at::randn({n, n}).to(type), b = at::randn({n, n}).to(type);
    at::Tensor c = at::mm(a, b); // warm-up
    const double s = bestSeconds(3, [&] { c = at::mm(a, b); });
    return 2.0 * n * n * n / s / 1e9;
}

double convGflops(at::ScalarType type)
{
    const auto opts = at::TensorOptions().dtype(type);
    const at::Tensor x = at::randn({2, 320, 64, 64}).to(type).contiguous(at::MemoryFormat::ChannelsLast);
    const at::Tensor w =
        at::randn({320, 320, 3, 3}, opts).mul_(0.02).contiguous(at::MemoryFormat::ChannelsLast);
    at::Tensor y = at::conv2d(x, w, {}, 1, 1);
    const double s = bestSeconds(3, [&] { y = at::conv2d(x, w, {}, 1, 1); });
    return 2.0 * y.numel() * 320 * 9 / s / 1e9;
}

std::string dtypeName(at::ScalarType t)
{
    return t == at::kBFloat16 ? "bf16" : "fp32";
}

std::vector<std::pair<std::string, at::Tensor>> namedTensors(torch::nn::Module& module)
{
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& p : module.named_parameters()) {
        out.emplace_back(p.key(), p.value().contiguous());
    }
    return out;
}

nlohmann::json peerConfig(const UNetConfig& u, const VaeConfig& v)
{
    std::vector<bool> downAttn, upAttn;
    for (const auto& t : u.downBlockTypes) {
        downAttn.push_back(t.rfind("CrossAttn", 0) == 0);
    }
    for (const auto& t : u.upBlockTypes) {
        upAttn.push_back(t.rfind("CrossAttn", 0) == 0);
    }
    return {{"unet",
             {{"block_out_channels", u.blockOutChannels},
              {"norm_num_groups", u.normNumGroups},
              {"norm_eps", u.normEps},
              {"heads", u.attentionHeads},
              {"transformer_layers", u.transformerLayersPerBlock},
              {"cross_attention_dim", u.crossAttentionDim},
              {"linear_projection", u.useLinearProjection},
              {"layers_per_block", u.layersPerBlock},
              {"down_attn", downAttn},
              {"up_attn", upAttn}}},
            {"vae",
             {{"block_out_channels", v.blockOutChannels},
              {"norm_num_groups", v.normNumGroups},
              {"layers_per_block", v.layersPerBlock}}}};
}

// Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS, so each pass's
// peak is its own (weights + activations), not the largest of the run so far.
void resetPeakRss()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}

double peakRssGb()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stod(line.substr(6)) / (1024.0 * 1024.0); // kB
        }
    }
    return -1;
}

std::string runCommand(const std::string& command)
{
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        return output;
    }
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        output.append(buffer, n);
    }
    pclose(pipe);
    return output;
}

} // namespace

core::Result<NetBenchReport> runNetBenchmark(const NetBenchOptions& options, core::JobContext& job)
{
    return core::guarded(core::ErrorCode::Internal, "bench unet", [&]() -> NetBenchReport {
        const TorchRuntimeInfo runtime = configureTorch(options.threads);
        c10::InferenceMode inference;
        NetBenchReport report;
        if (options.attention == "baddbmm" || options.attention == "chunked") {
            setDefaultAttentionBackend(options.attention == "baddbmm" ? AttentionBackend::Baddbmm
                                                                      : AttentionBackend::Chunked);
        }
        report.threads = runtime.intraOpThreads;
        job.setProgress(0.0, "Peak throughput");
        report.matmulGflopsF32 = matmulGflops(at::kFloat);
        report.convGflopsF32 = convGflops(at::kFloat);
        if (options.bf16) {
            report.matmulGflopsBf16 = matmulGflops(at::kBFloat16);
            report.convGflopsBf16 = convGflops(at::kBFloat16);
        }

        std::vector<at::ScalarType> types;
        if (options.fp32) {
            types.push_back(at::kFloat);
        }
        if (options.bf16) {
            types.push_back(at::kBFloat16);
        }
        if (options.arch != "sd15" && options.arch != "sdxl") {
            throw core::HdrError(core::ErrorCode::InvalidArgument,
                                 "unknown architecture '" + options.arch + "' (sd15 or sdxl)");
        }
        const bool sdxl = options.arch == "sdxl";
        // The peer mirrors SD1.5 only: SDXL's fp32 weights (10 GB) held by the peer's loader twice
        // beside ours do not fit a 16-24 GB machine; the SD1.5 ratio stands for the kernels.
        const bool peer = !options.peerScript.empty() && !sdxl;
        if (!options.peerScript.empty() && sdxl) {
            report.torchPeer = "not run for SDXL (see the SD1.5 ratio)";
        }
        const auto dir = options.workDir.empty() ? std::filesystem::temp_directory_path() / "hdr_bench_unet"
                                                 : options.workDir;
        if (peer) {
            std::filesystem::create_directories(dir);
        }
        auto write = [&](const std::string& name,
                         const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
            auto ok = writeSafetensors(dir / name, tensors, {}, true);
            if (!ok) {
                throw core::HdrError(ok.error());
            }
        };

        const UNetConfig unetConfig = sdxl ? UNetConfig::sdxlBase() : UNetConfig::sd15();
        VaeConfig vaeConfig = sdxl ? VaeConfig::sdxl() : VaeConfig::sd15();
        vaeConfig.forceUpcast = false; // the bf16 row measures bf16
        at::manual_seed(0);
        const int64_t s = options.latentSize;
        const at::Tensor sample = at::randn({options.batch, 4, s, s});
        const at::Tensor timestep = at::full({}, 500.0);
        const at::Tensor context = at::randn({options.batch, 77, unetConfig.crossAttentionDim});
        const at::Tensor latents = at::randn({1, 4, s, s});
        std::optional<AddedCond> added;
        if (unetConfig.hasTextTime()) {
            const auto pixels = static_cast<float>(s * 8);
            const int64_t pooledDim =
                unetConfig.projectionClassEmbeddingsDim - 6 * unetConfig.additionTimeEmbedDim;
            added =
                AddedCond{at::randn({options.batch, pooledDim}),
                          at::tensor({pixels, pixels, 0.f, 0.f, pixels, pixels}).repeat({options.batch, 1})};
        }
        if (peer) {
            write("inputs.safetensors",
                  {{"sample", sample}, {"timestep", timestep}, {"context", context}, {"latents", latents}});
            std::ofstream(dir / "config.json") << peerConfig(unetConfig, vaeConfig).dump();
        }

        std::map<std::string, at::Tensor> ours;
        auto addRow = [&](const std::string& what, at::ScalarType type, double seconds, int64_t flopCount) {
            NetBenchRow row;
            row.what = what;
            row.dtype = dtypeName(type);
            row.seconds = seconds;
            row.gflop = static_cast<double>(flopCount) / 1e9;
            row.peakRssGb = peakRssGb();
            report.rows.push_back(row);
        };
        const std::string unetName = options.arch + " unet " + std::to_string(s) + "x" + std::to_string(s) +
                                     " b" + std::to_string(options.batch);
        const std::string vaeName = options.arch +
                                    (options.vaeTileLatent > 0 ? " vae tiled " : " vae decode ") +
                                    std::to_string(s * 8) + "x" + std::to_string(s * 8);
        if (options.unet) {
            for (at::ScalarType type : types) {
                core::throwIfCancelled(job);
                job.setProgress(0.1, "UNet " + dtypeName(type));
                // Every dtype draws the same fp32 values (same seed), rounded to its type, so no
                // fp32 master copy has to stay in memory beside the model being measured.
                UNet2DConditionModel unet(unetConfig, at::TensorOptions().dtype(type));
                initRandomWeights(*unet, 1);
                if (peer && type == types.front()) {
                    write("unet.safetensors", namedTensors(*unet));
                }
                unet->setChannelsLast(options.channelsLast);
                resetPeakRss(); // from here: the weights plus the pass's activations
                at::Tensor out;
                flops::start();
                const double seconds = bestSeconds(options.iterations, [&] {
                    out = unet->forward(sample, timestep, context, added ? &*added : nullptr);
                });
                const int64_t count = flops::stop() / std::max(options.iterations, 1);
                addRow(unetName, type, seconds, count);
                ours["unet." + dtypeName(type)] = out.to(at::kFloat);
            }
        }
        if (options.vae) {
            for (at::ScalarType type : types) {
                core::throwIfCancelled(job);
                job.setProgress(0.5, "VAE " + dtypeName(type));
                AutoencoderKL vae(vaeConfig, at::TensorOptions().dtype(type));
                initRandomWeights(*vae, 2);
                if (peer && type == types.front()) {
                    write("vae.safetensors", namedTensors(*vae));
                }
                vae->setChannelsLast(options.channelsLast);
                resetPeakRss();
                at::Tensor out;
                flops::start();
                const double seconds = bestSeconds(options.iterations, [&] {
                    out = options.vaeTileLatent > 0
                              ? vae->decodeTiled(
                                    latents, VaeTiling::withQuarterOverlap(options.vaeTileLatent), job)
                              : vae->decode(latents, &job);
                });
                const int64_t count = flops::stop() / std::max(options.iterations, 1);
                addRow(vaeName, type, seconds, count);
                ours["vae." + dtypeName(type)] = out;
            }
        }

        if (peer) {
            core::throwIfCancelled(job);
            job.setProgress(0.7, "PyTorch peer");
            std::string dtypes;
            for (at::ScalarType type : types) {
                dtypes += (dtypes.empty() ? "" : ",") + dtypeName(type);
            }
            std::string command = "/usr/bin/python3 '" + options.peerScript.string() + "' --config '" +
                                  (dir / "config.json").string() + "' --inputs '" +
                                  (dir / "inputs.safetensors").string() + "' --dtypes " + dtypes +
                                  " --threads " + std::to_string(report.threads) + " --iterations " +
                                  std::to_string(options.iterations) + " --out '" +
                                  (dir / "torch_out.safetensors").string() + "'";
            if (options.unet) {
                command += " --unet '" + (dir / "unet.safetensors").string() + "'";
            }
            if (options.vae) {
                command += " --vae '" + (dir / "vae.safetensors").string() + "'";
            }
            const std::string output = runCommand(command + " 2>&1");
            const size_t line = output.rfind("{\"torch\"");
            const nlohmann::json result = line == std::string::npos
                                              ? nlohmann::json()
                                              : nlohmann::json::parse(output.substr(line), nullptr, false);
            if (!result.is_object()) {
                report.torchPeer = "peer failed: " + output.substr(0, 400);
            } else {
                report.torchPeer = "torch " + result.value("torch", std::string("?"));
                auto torchOut = loadSafetensors(dir / "torch_out.safetensors");
                for (auto& row : report.rows) {
                    const std::string net = row.what.find("unet") != std::string::npos ? "unet" : "vae";
                    if (result.contains(net) && result[net].contains(row.dtype)) {
                        row.torchSeconds = result[net][row.dtype].get<double>();
                    }
                    const std::string rssKey = net + "_rss_gb";
                    if (result.contains(rssKey) && result[rssKey].contains(row.dtype)) {
                        row.torchPeakRssGb = result[rssKey][row.dtype].get<double>();
                    }
                    const std::string key = net + "." + row.dtype;
                    if (torchOut && torchOut->count(key) && ours.count(key)) {
                        const at::Tensor theirs = torchOut->at(key);
                        row.maxDiffVsTorch = (ours[key] - theirs).abs().max().item<double>() /
                                             std::max(theirs.abs().max().item<double>(), 1e-30);
                    }
                }
            }
            std::error_code ec;
            for (const char* f : {"unet.safetensors",
                                  "vae.safetensors",
                                  "inputs.safetensors",
                                  "torch_out.safetensors",
                                  "config.json"}) {
                std::filesystem::remove(dir / f, ec);
            }
        }
        job.setProgress(1.0, "Done");
        return report;
    });
}

} // namespace hdr::diffusion
