#include "common/ThreadingSetup.h"

#include "common/Log.h"
#include "common/OpenBlasKernels.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__linux__)
#include <link.h>
#include <unistd.h>
#endif

namespace hdr::core {
namespace {

bool isSet(const char* name)
{
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0';
}

} // namespace

bool openMpRuntimeLoaded()
{
#if defined(__linux__)
    bool found = false;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            const char* slash = info->dlpi_name ? std::strrchr(info->dlpi_name, '/') : nullptr;
            const char* name = slash ? slash + 1 : (info->dlpi_name ? info->dlpi_name : "");
            // libgomp.so.1, pytorch.org's bundled libgomp-<hash>.so.1, libomp.so, libiomp5.so
            if (std::strncmp(name, "libgomp", 7) == 0 || std::strncmp(name, "libomp", 6) == 0 ||
                std::strncmp(name, "libiomp", 7) == 0) {
                *static_cast<bool*>(data) = true;
                return 1;
            }
            return 0;
        },
        &found);
    return found;
#else
    return false;
#endif
}

ThreadingSetup configureThreadingForApp(char** argv)
{
    ThreadingSetup setup;
    bool restartNeeded = false;
    // GOMP_SPINCOUNT is libgomp's finer control, KMP_BLOCKTIME the LLVM/Intel runtime's one.
    if (isSet("OMP_WAIT_POLICY") || isSet("GOMP_SPINCOUNT") || isSet("KMP_BLOCKTIME")) {
        setup.userChoseWaitPolicy = true;
    } else {
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        setup.setWaitPolicy = true;
        setup.runtimeWasLoaded = openMpRuntimeLoaded();
        restartNeeded = setup.runtimeWasLoaded;
    }
    if (!isSet("OPENBLAS_CORETYPE")) {
        setup.openBlasCoreType = openBlasCoreTypeFor(detectCpuFeatures());
        if (!setup.openBlasCoreType.empty()) {
            ::setenv("OPENBLAS_CORETYPE", setup.openBlasCoreType.c_str(), 1);
            restartNeeded = restartNeeded || openBlasLoaded();
        }
    }
#if defined(__linux__)
    if (restartNeeded && argv != nullptr && argv[0] != nullptr) {
        // Too late for the loaded libraries: start again with the variables in the environment,
        // which the new process inherits, so this happens at most once.
        ::execv("/proc/self/exe", argv);
        log(LogLevel::Warning,
            "hdr.threads",
            std::string("could not restart the program with OMP_WAIT_POLICY and OPENBLAS_CORETYPE set (") +
                std::strerror(errno) +
                "); libtorch's threads will busy-wait beside the image jobs: set OMP_WAIT_POLICY=PASSIVE "
                "in the environment to avoid it");
    }
#else
    (void)restartNeeded;
#endif
    return setup;
}

} // namespace hdr::core
