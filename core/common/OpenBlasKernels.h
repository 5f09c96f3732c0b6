#pragma once

// Which kernels OpenBLAS (libtorch's BLAS on Debian) should use on this CPU.
//
// Why: OpenBLAS picks its kernels from the CPU model once, in its library constructor. Debian 12's
// 0.3.21 does not know AMD's AVX-512 cores (Zen 4, Zen 5) and falls back to its Haswell (AVX2)
// kernels: on this project's 2-core AMD EPYC VM a 2048^3 fp32 matmul runs at 123 GFLOP/s with
// them and at 369 GFLOP/s with the SkylakeX (AVX-512) ones (measured 2026-12-05, PyTorch 1.13 on
// the same library). The UNet's attention and linear layers are such matmuls. OPENBLAS_CORETYPE is
// OpenBLAS's documented override; like OMP_WAIT_POLICY it must be in the environment before the
// library loads (common/ThreadingSetup.h does that for the programs).

#include <string>

namespace hdr::core {

struct CpuFeatures {
    bool amd = false;
    // The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    bool avx512f = false;
    bool avx512bw = false;
    bool avx512dq = false;
    bool avx512vl = false;
    bool avx512cd = false;
};

// This process's CPU (all false on other architectures).
CpuFeatures detectCpuFeatures();

// The OPENBLAS_CORETYPE that this CPU needs, or "" when OpenBLAS's own choice is already right
// (Intel cores it knows, CPUs without AVX-512) or no better one exists.
std::string openBlasCoreTypeFor(const CpuFeatures& cpu);

// The core OpenBLAS chose, as openblas_get_corename() says ("Haswell", "SkylakeX", ...), or ""
// when no OpenBLAS is loaded in this process.
std::string loadedOpenBlasCoreName();

// Whether libopenblas is loaded in this process (and so has already read its environment).
bool openBlasLoaded();

} // namespace hdr::core
