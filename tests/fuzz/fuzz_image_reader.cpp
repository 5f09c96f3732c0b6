// libFuzzer target for readImage(): the bytes go to a temp file, which exercises format sniffing
// and every library-based reader (OpenEXR, libtiff, libpng, libjpeg) plus ours, with small limits.

#include "common/Parallel.h"
#include "io/ImageIO.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace hdr::core;

namespace {
std::string g_path;
}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    setWorkerThreadCount(1);
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    g_path = (dir / ("hdr-fuzz-image-" + std::to_string(::getpid()) + ".bin")).string();
    std::atexit([] { std::remove(g_path.c_str()); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::FILE* f = std::fopen(g_path.c_str(), "wb");
    if (!f) {
        std::abort();
    }
    if (size > 0 && std::fwrite(data, 1, size, f) != size) {
        std::abort();
    }
    std::fclose(f);
    ReadOptions options;
    options.limits.maxDimension = 4096;
    options.limits.maxPixels = std::int64_t(4096) * 4096;
    (void)readImage(g_path, options);
    return 0;
}
