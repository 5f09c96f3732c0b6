// libFuzzer target for the torch-free PyTorch checkpoint reader (hdr_tensorfile): any byte string
// (zip archive or legacy stream) must give entries or a clean error, never a crash, undefined
// behaviour, a hang or an absurd allocation. What it accepts must be self-consistent: every
// storage lies inside the file and every tensor's elements inside its storage.
// Seeds: tests/data/pth/*.pth (torch.save output, zip and legacy).

#include "tensorfile/TorchCheckpoint.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

using namespace hdr::tensorfile;

namespace {

// The highest byte any element of the tensor touches, relative to its storage.
std::uint64_t reach(const TorchTensorEntry& e)
{
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < e.shape.size(); ++i) {
        if (e.shape[i] == 0) {
            return 0;
        }
        last += std::uint64_t(e.shape[i] - 1) * std::uint64_t(e.strides[i]);
    }
    return e.byteOffset + (last + 1) * hdr::diffusion::elementSize(e.dtype);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    TorchCheckpointLimits limits;
    limits.maxPickleValues = 1u << 16;
    limits.maxTensors = 4096;
    limits.maxCopyBytes = 1u << 20;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    auto file = TorchCheckpoint::fromBytes(bytes, limits);
    if (!file) {
        if (file.error().message.empty()) {
            std::abort(); // every error must say something
        }
        return 0;
    }
    const auto& f = **file;
    std::uint64_t total = 0;
    for (const auto& storage : f.storages()) {
        if (storage.fileOffset > f.fileSize() || storage.byteSize > f.fileSize() - storage.fileOffset) {
            std::abort(); // accepted a storage outside the file
        }
        const auto span = f.storageBytes(storage);
        if (!span.empty()) {
            total += std::uint64_t(span.front()) + std::uint64_t(span.back()); // touch both ends (ASan)
        }
    }
    for (const auto& entry : f.entries()) {
        if (entry.storage >= f.storages().size() || entry.shape.size() != entry.strides.size() ||
            f.find(entry.name) != &entry || reach(entry) > f.storages()[entry.storage].byteSize) {
            std::abort(); // accepted a tensor outside its storage
        }
        const auto span = f.bytes(entry);
        if (!span.empty() && span.size() != entry.byteSize()) {
            std::abort();
        }
        if (auto copy = f.contiguousCopy(entry)) {
            if (copy->size() != entry.byteSize()) {
                std::abort();
            }
            if (!copy->empty()) {
                total += std::uint64_t(copy->front()) + std::uint64_t(copy->back());
            }
        }
    }
    (void)total;
    return 0;
}
