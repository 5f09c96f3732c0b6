#include "diffusion/TorchRuntime.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <fstream>
#include <mutex>
#include <thread>

namespace hdr::diffusion {
namespace {

bool cpuFlagPresent(const std::string& flag)
{
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) == 0) {
            return line.find(" " + flag) != std::string::npos;
        }
    }
    return false;
}

} // namespace

TorchRuntimeInfo configureTorch(int threads)
{
    static std::once_flag interop;
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int n = threads > 0 ? threads : hw;
    std::call_once(interop, [] {
        // Inter-op threads can only be set before first use; we run one graph at a time.
        try {
            at::set_num_interop_threads(1);
        } catch (...) {
        }
    });
    at::set_num_threads(n);
    TorchRuntimeInfo info;
    info.intraOpThreads = at::get_num_threads();
    info.cpuHasBf16 = cpuFlagPresent("avx512_bf16");
    info.cudaAvailable = at::hasCUDA();
    info.parallelInfo = at::get_parallel_info();
    return info;
}

} // namespace hdr::diffusion
