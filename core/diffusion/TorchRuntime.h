#pragma once
// Process-wide libtorch settings. libtorch defaults to one intra-op thread on Debian's build, so
// every entry point (CLI, app, tests, benchmarks) calls configureTorch() once before inference.
#include <string>

namespace hdr::diffusion {

struct TorchRuntimeInfo {
    int intraOpThreads = 1;
    bool cpuHasBf16 = false; // AVX-512 BF16: bf16 matmul/conv is ~4x faster than fp32 there
    bool cudaAvailable = false;
    std::string parallelInfo; // at::get_parallel_info()
};

// threads <= 0: one per hardware thread. Safe to call more than once (later calls change the
// intra-op thread count only).
TorchRuntimeInfo configureTorch(int threads = 0);

} // namespace hdr::diffusion
