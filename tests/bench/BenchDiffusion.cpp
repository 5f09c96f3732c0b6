// `hdrstudio-cli bench unet`: prints what core/diffusion/nets/NetBenchmark measures (no torch here).
#include "BenchDiffusion.h"

#include "BenchSupport.h"
#include "NetBenchmark.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace hdr::cli {
namespace {

// bf16 is only fast where the CPU multiplies it natively (AVX-512 BF16 or AMX); elsewhere oneDNN
// converts to fp32 and bf16 runs slower than fp32. Say which case this run measured.
std::string cpuBf16Support()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) == 0) {
            const bool avx512bf16 = line.find(" avx512_bf16") != std::string::npos;
            const bool amx = line.find(" amx_bf16") != std::string::npos;
            if (amx) return "AMX-BF16 (native bf16)";
            if (avx512bf16) return "AVX-512 BF16 (native bf16)";
            return "no AVX-512 BF16 or AMX: bf16 is converted to fp32 inside the kernels, so it saves "
                   "memory, not time";
        }
    }
    return "unknown (no /proc/cpuinfo)";
}

} // namespace

int benchDiffusion(const Args& args, int repeat)
{
    diffusion::NetBenchOptions options;
    options.iterations = repeat;
    options.arch = args.value("arch").value_or("sd15");
    if (options.arch != "sd15" && options.arch != "sdxl") {
        return usageError("--arch must be sd15 or sdxl");
    }
    const std::string dtype = args.value("dtype").value_or(args.flag("no-bf16") ? "fp32" : "both");
    if (dtype != "fp32" && dtype != "bf16" && dtype != "both") {
        return usageError("--dtype must be fp32, bf16 or both");
    }
    options.fp32 = dtype != "bf16";
    options.bf16 = dtype != "fp32";
    std::string numberError;
    const bool sdxl = options.arch == "sdxl";
    options.latentSize = static_cast<int64_t>(args.number("latent", numberError).value_or(sdxl ? 128 : 64));
    options.threads = static_cast<int>(args.number("threads", numberError).value_or(0));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    options.attention = args.value("attention").value_or("");
    options.channelsLast = !args.flag("nchw");
    options.vae = !args.flag("no-vae");
    options.unet = !args.flag("no-unet");
    options.vaeTileLatent = static_cast<int64_t>(args.number("vae-tile", numberError).value_or(0)) / 8;
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (!args.flag("skip-peer")) {
        options.peerScript = HDR_SOURCE_DIR "/tests/bench/torch_unet.py";
    }
    std::printf("bench unet: %s UNet step (latent %lldx%lld, batch %lld as with CFG, context 77x%d, random "
                "weights in the real shapes) and VAE decode; best of %d\n",
                sdxl ? "SDXL" : "SD1.5",
                static_cast<long long>(options.latentSize),
                static_cast<long long>(options.latentSize),
                static_cast<long long>(options.batch),
                sdxl ? 2048 : 768,
                repeat);
    TerminalJobContext job;
    const auto report = diffusion::runNetBenchmark(options, job);
    job.finish();
    if (!report) {
        return reportError(report.error());
    }
    std::printf(
        "threads %d; peak: matmul 2048^3 fp32 %.0f GFLOP/s, bf16 %.0f; conv 3x3 320ch fp32 %.0f, bf16 %.0f\n",
        report->threads,
        report->matmulGflopsF32,
        report->matmulGflopsBf16,
        report->convGflopsF32,
        report->convGflopsBf16);
    std::printf("CPU bf16 support: %s\n", cpuBf16Support().c_str());
    std::printf("BLAS: %s\n", blasKernels().c_str());
    std::printf("%-27s %-5s %9s %8s %9s %7s %7s %10s %8s %8s %12s\n",
                "pass",
                "dtype",
                "ours s",
                "GFLOP",
                "GFLOP/s",
                "%peak",
                "RSS GB",
                "PyTorch s",
                "ratio",
                "PT GB",
                "|diff|/max");
    for (const auto& row : report->rows) {
        const bool bf16 = row.dtype == "bf16";
        const double peak = std::max(bf16 ? report->matmulGflopsBf16 : report->matmulGflopsF32,
                                     bf16 ? report->convGflopsBf16 : report->convGflopsF32);
        const double rate = row.gflop / row.seconds;
        std::printf("%-27s %-5s %9.2f %8.0f %9.1f %6.0f%% %7.2f",
                    row.what.c_str(),
                    row.dtype.c_str(),
                    row.seconds,
                    row.gflop,
                    rate,
                    peak > 0 ? 100.0 * rate / peak : 0.0,
                    row.peakRssGb);
        if (row.torchSeconds > 0) {
            std::printf(" %10.2f %8.2f %8.2f %12.2e\n",
                        row.torchSeconds,
                        row.torchSeconds / row.seconds,
                        row.torchPeakRssGb,
                        row.maxDiffVsTorch);
        } else {
            std::printf(" %10s %8s %8s %12s\n", "-", "-", "-", "-");
        }
    }
    std::printf(
        "RSS = peak resident memory during the pass (weights + activations), ours and PyTorch's (PT)\n");
    std::printf("peer: %s; ratio = PyTorch time / our time (> 1: we are faster)\n",
                report->torchPeer.empty() ? "not run (--skip-peer)" : report->torchPeer.c_str());
    return 0;
}

} // namespace hdr::cli
