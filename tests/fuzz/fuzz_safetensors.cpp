// libFuzzer target for the safetensors header parser (torch-free hdr_safetensors): any byte
// string, as a whole file or as a bare header, must give entries or a clean error, never a crash,
// undefined behaviour, a hang or an absurd allocation. What it accepts must be self-consistent:
// every tensor's byte range lies inside the data and matches its shape x dtype size.

#include "tensorfile/Safetensors.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

using namespace hdr::diffusion;

namespace {

void checkEntries(const std::vector<SafetensorsEntry>& entries, std::uint64_t dataBytes)
{
    for (const auto& entry : entries) {
        if (entry.begin > entry.end || entry.end > dataBytes) {
            std::abort(); // accepted a range outside the data
        }
        std::uint64_t count = 1;
        for (auto d : entry.shape) {
            if (d < 0) {
                std::abort();
            }
            count *= std::uint64_t(d);
        }
        if (count * elementSize(entry.dtype) != entry.byteSize() || std::uint64_t(entry.numel()) != count) {
            std::abort(); // shape x dtype disagrees with the range
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    SafetensorsLimits limits;
    limits.maxHeaderBytes = 1u << 20;
    limits.maxTensors = 4096;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    if (auto file = SafetensorsFile::fromBytes(bytes, limits)) {
        const auto& f = **file;
        std::uint64_t total = 0;
        for (const auto& entry : f.entries()) {
            const auto span = f.bytes(entry);
            if (span.size() != entry.byteSize() || f.find(entry.name) != &entry) {
                std::abort();
            }
            if (!span.empty()) {
                total += std::uint64_t(span.front()) + std::uint64_t(span.back()); // touch both ends (ASan)
            }
        }
        checkEntries(f.entries(), f.fileSize());
        (void)total;
    }
    // The same bytes as a bare header for a 1 MiB data section.
    std::map<std::string, std::string> metadata;
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    if (auto entries = parseSafetensorsHeader(json, 1u << 20, &metadata, limits)) {
        checkEntries(*entries, 1u << 20);
    }
    return 0;
}
