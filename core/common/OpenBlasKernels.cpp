#include "common/OpenBlasKernels.h"

#include <cstring>

#if defined(__linux__)
#include <dlfcn.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace hdr::core {

CpuFeatures detectCpuFeatures()
{
    CpuFeatures cpu;
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(0, &eax, &ebx, &ecx, &edx)) {
        char vendor[13] = {};
        std::memcpy(vendor, &ebx, 4);
        std::memcpy(vendor + 4, &edx, 4);
        std::memcpy(vendor + 8, &ecx, 4);
        cpu.amd = std::strcmp(vendor, "AuthenticAMD") == 0;
    }
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 state (XCR0).
    cpu.avx512f = __builtin_cpu_supports("avx512f");
    cpu.avx512bw = __builtin_cpu_supports("avx512bw");
    cpu.avx512dq = __builtin_cpu_supports("avx512dq");
    cpu.avx512vl = __builtin_cpu_supports("avx512vl");
    cpu.avx512cd = __builtin_cpu_supports("avx512cd");
#endif
    return cpu;
}

std::string openBlasCoreTypeFor(const CpuFeatures& cpu)
{
    // Intel's AVX-512 cores are known to OpenBLAS by model (SkylakeX, CooperLake,
    // SapphireRapids): its own choice is as good or better. Only AMD's are missed.
    const bool skylakeXKernelsRun =
        cpu.avx512f && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl && cpu.avx512cd;
    return cpu.amd && skylakeXKernelsRun ? "SKYLAKEX" : "";
}

std::string loadedOpenBlasCoreName()
{
#if defined(__linux__)
    using CoreNameFn = char* (*)();
    auto fn = reinterpret_cast<CoreNameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    if (fn != nullptr) {
        const char* name = fn();
        return name != nullptr ? name : "";
    }
#endif
    return "";
}

bool openBlasLoaded()
{
#if defined(__linux__)
    // Every OpenBLAS build exports it; the reference BLAS and others do not.
    return dlsym(RTLD_DEFAULT, "openblas_get_corename") != nullptr;
#else
    return false;
#endif
}

} // namespace hdr::core
