// libFuzzer target for gain-map JPEGs (io/UltraHdr.h, gainmap/*): any byte string given to the
// container scan, MPF/XMP/ISO 21496-1 parsers and the gain-map decode must give an HDR image or a
// clean error, never a crash, undefined behaviour, a hang or an absurd allocation. The bytes are
// also fed to the XMP and ISO parsers directly. Small accepted images must survive a write with
// our Ultra HDR writer and decode again.

#include "common/Parallel.h"
#include "gainmap/GainMapXmp.h"
#include "gainmap/IsoGainMap.h"
#include "io/UltraHdr.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

using namespace hdr::core;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    setWorkerThreadCount(1); // deterministic, and ASan reports stay on one thread
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> bytes(data, size);
    (void)parseGainMapXmp(std::string_view(reinterpret_cast<const char*>(data), size));
    (void)decodeIsoGainMapMetadata(bytes);

    ReadOptions options;
    options.limits.maxDimension = 4096;
    options.limits.maxPixels = std::int64_t(2048) * 2048;
    auto contents = decodeGainMapJpeg(bytes, options, "fuzz.jpg");
    if (!contents) {
        return 0;
    }
    const bool small = contents->base.pixelCount() <= 65536;
    auto hdr = combineGainMapJpeg(std::move(*contents), size % 2 ? std::optional<float>(1.5f) : std::nullopt);
    if (!hdr || !small) {
        return 0;
    }
    // What we decoded must encode, and what we encode must decode (same size).
    auto encoded = encodeUltraHdr(*hdr, nullptr, {});
    if (!encoded) {
        std::abort();
    }
    auto again = decodeGainMapJpeg(*encoded, options, "fuzz-reencoded.jpg");
    if (!again || again->base.width() != hdr->width() || again->base.height() != hdr->height()) {
        std::abort();
    }
    return 0;
}
