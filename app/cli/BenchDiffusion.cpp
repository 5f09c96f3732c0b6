// `hdrstudio-cli bench unet`: prints what core/diffusion/nets/NetBenchmark measures (no torch here).
#include "app/cli/BenchDiffusion.h"

#include "diffusion/nets/NetBenchmark.h"

#include <cstdio>

namespace hdr::cli {

int benchDiffusion(const Args& args, int repeat)
{
    diffusion::NetBenchOptions options;
    options.iterations = repeat;
    options.bf16 = !args.flag("no-bf16");
    std::string numberError;
    options.latentSize = static_cast<int64_t>(args.number("latent", numberError).value_or(64));
    options.threads = static_cast<int>(args.number("threads", numberError).value_or(0));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    options.attention = args.value("attention").value_or("");
    options.channelsLast = !args.flag("nchw");
    options.vae = !args.flag("no-vae");
    if (!args.flag("skip-peer")) {
        options.peerScript = HDR_SOURCE_DIR "/tests/bench/torch_unet.py";
    }
    std::printf("bench unet: SD1.5-size UNet step (latent %lldx%lld, batch %lld, context 77x768, random "
                "weights) and VAE decode; best of %d\n",
                static_cast<long long>(options.latentSize),
                static_cast<long long>(options.latentSize),
                static_cast<long long>(options.batch),
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
    std::printf("%-22s %-5s %9s %8s %9s %7s %10s %8s %12s\n",
                "pass",
                "dtype",
                "ours s",
                "GFLOP",
                "GFLOP/s",
                "%peak",
                "PyTorch s",
                "ratio",
                "|diff|/max");
    for (const auto& row : report->rows) {
        const bool bf16 = row.dtype == "bf16";
        const double peak = std::max(bf16 ? report->matmulGflopsBf16 : report->matmulGflopsF32,
                                     bf16 ? report->convGflopsBf16 : report->convGflopsF32);
        const double rate = row.gflop / row.seconds;
        std::printf("%-22s %-5s %9.2f %8.0f %9.1f %6.0f%%",
                    row.what.c_str(),
                    row.dtype.c_str(),
                    row.seconds,
                    row.gflop,
                    rate,
                    peak > 0 ? 100.0 * rate / peak : 0.0);
        if (row.torchSeconds > 0) {
            std::printf(" %10.2f %8.2f %12.2e\n",
                        row.torchSeconds,
                        row.torchSeconds / row.seconds,
                        row.maxDiffVsTorch);
        } else {
            std::printf(" %10s %8s %12s\n", "-", "-", "-");
        }
    }
    std::printf("peer: %s; ratio = PyTorch time / our time (> 1: we are faster)\n",
                report->torchPeer.empty() ? "not run (--skip-peer)" : report->torchPeer.c_str());
    return 0;
}

} // namespace hdr::cli
