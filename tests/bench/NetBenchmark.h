#pragma once
// Torch-free entry point for `hdrstudio-cli bench unet`: times one UNet step (the CFG batch of
// 2) and one VAE decode of SD1.5 or SDXL with random weights in the real shapes, with the peak
// resident memory of each pass, measures the machine's matmul/conv throughput in the same run,
// and (SD1.5) runs the PyTorch peer tests/bench/torch_unet.py on the SAME weights and inputs
// (written as safetensors) for a ratio and an output cross-check.
#include "common/Error.h"
#include "common/JobContext.h"

#include <filesystem>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct NetBenchOptions {
    std::string arch = "sd15"; // sd15 | sdxl (SDXL: context 77x2048 and the text_time conditioning)
    int threads = 0;           // 0 = all hardware threads
    bool fp32 = true;
    bool bf16 = true;
    bool unet = true;
    bool vae = true;
    int64_t latentSize = 64; // 64 = 512x512 images (SDXL's native size is 128)
    int64_t batch = 2;       // CFG batch
    int iterations = 1;      // best of
    std::string attention;   // "", "baddbmm" or "chunked" (default: the library's Auto choice)
    bool channelsLast = true;
    int64_t vaeTileLatent = 0;        // > 0: tiled VAE decode (tiles of this many latent pixels)
    std::filesystem::path peerScript; // torch_unet.py; empty = no PyTorch comparison
    std::filesystem::path workDir;    // where the weights for the peer are written (GBs)
};

struct NetBenchRow {
    std::string what;  // "unet step 64x64 b2", "vae decode 512x512"
    std::string dtype; // "fp32" / "bf16"
    double seconds = 0;
    double gflop = 0;           // conv + linear + attention matmuls of the pass
    double torchSeconds = -1;   // PyTorch peer, < 0 when not run
    double maxDiffVsTorch = -1; // max |ours - PyTorch| / max |PyTorch| of the outputs
    double peakRssGb = -1;      // peak resident memory while building and running this pass
    double torchPeakRssGb = -1; // the same for the PyTorch peer
};

struct NetBenchReport {
    int threads = 0;
    double matmulGflopsF32 = 0, matmulGflopsBf16 = 0; // 2048^3 at::mm
    double convGflopsF32 = 0, convGflopsBf16 = 0;     // 3x3 320->320 conv, 64x64, batch 2, NHWC
    std::vector<NetBenchRow> rows;
    std::string torchPeer; // peer's torch version, or why it did not run
};

core::Result<NetBenchReport> runNetBenchmark(const NetBenchOptions& options, core::JobContext& job);

} // namespace hdr::diffusion
