// libFuzzer target for our Radiance RGBE parser: any byte string must give an image or a clean
// error, never a crash, undefined behaviour, a hang or an absurd allocation. What it accepts must
// survive a round trip through our encoder (same size, decodes again).

#include "common/Parallel.h"
#include "io/FormatReaders.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

using namespace hdr::core;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    setWorkerThreadCount(1); // deterministic, and ASan reports stay on one thread
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ReadOptions options;
    options.limits.maxDimension = 4096;
    options.limits.maxPixels = std::int64_t(4096) * 4096;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    auto image = decodeRgbe(bytes, options, "fuzz.hdr");
    if (!image || image->pixelCount() > 65536) { // round trips of big images only slow the fuzzer down
        return 0;
    }
    auto again = decodeRgbe(encodeRgbe(*image, image->metadata.attributes), options, "fuzz-reencoded.hdr");
    if (!again || again->width() != image->width() || again->height() != image->height() ||
        again->colorSpace.primaries != image->colorSpace.primaries) {
        std::abort(); // our writer produced something our reader refuses
    }
    return 0;
}
