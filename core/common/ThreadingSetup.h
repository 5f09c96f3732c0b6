#pragma once

// Process-wide threading settings of the programs (hdrstudio, hdrstudio-cli), applied before any
// library starts threads.
//
// Why: libtorch runs its kernels on an OpenMP team (GNU libgomp on Debian and in the pytorch.org
// builds). After every parallel region libgomp's idle workers busy-wait (spin) for up to
// GOMP_SPINCOUNT iterations, 300 000 by default, which is milliseconds, before they sleep. During a
// generation those spinning workers hold the cores that the core's own pool (common/Parallel.h)
// needs for a fusion or merge job running beside it, and the job's threads in turn delay the
// team's barriers (docs/performance.md has the measurements). OMP_WAIT_POLICY=PASSIVE makes the
// workers sleep at once. libgomp reads its environment only when it is loaded (a constructor of
// the library), so setting it later has no effect: it must be in the environment before libgomp
// is loaded, which is when the program starts if it links libtorch directly.

#include <string>

namespace hdr::core {

struct ThreadingSetup {
    // The user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT was found and left alone.
    bool userChoseWaitPolicy = false;
    // OMP_WAIT_POLICY=PASSIVE was put into the environment for the OpenMP runtime to come.
    bool setWaitPolicy = false;
    // An OpenMP runtime was already loaded (and had read its environment) when this ran.
    bool runtimeWasLoaded = false;
    // OPENBLAS_CORETYPE put into the environment for this CPU (common/OpenBlasKernels.h), or "".
    std::string openBlasCoreType;
};

// Call first thing in main(). Puts OMP_WAIT_POLICY=PASSIVE into the environment unless the user
// chose a policy, and OPENBLAS_CORETYPE where OpenBLAS would pick slower kernels than the CPU runs
// (common/OpenBlasKernels.h) unless the user set one. If an OpenMP runtime or OpenBLAS is already
// loaded (the program links libtorch directly
// instead of loading it on demand), it re-executes the program (/proc/self/exe, same arguments)
// so that the runtime starts with the policy; that costs one more start-up. The variable is then
// inherited, so it happens at most once. Returns only when no restart was needed or it failed.
ThreadingSetup configureThreadingForApp(char** argv);

// Whether an OpenMP runtime (libgomp, LLVM libomp, Intel libiomp5) is loaded in this process.
bool openMpRuntimeLoaded();

} // namespace hdr::core
