#include "diffusion/TorchCheckpointTorch.h"

#include "tensorfile/TorchCheckpoint.h"

#include <cstring>
#include <fstream>

namespace hdr::diffusion {

core::Result<TensorMap> loadTorchCheckpoint(const std::filesystem::path& path)
{
    auto checkpoint = tensorfile::TorchCheckpoint::open(path);
    if (!checkpoint) {
        return tl::unexpected(checkpoint.error());
    }
    return core::guarded(core::ErrorCode::CorruptData, path.string(), [&] {
        TensorMap out;
        for (const auto& entry : (*checkpoint)->entries()) {
            const auto bytes = core::unwrap((*checkpoint)->contiguousCopy(entry));
            at::Tensor t = at::empty(entry.shape, at::TensorOptions().dtype(scalarTypeOf(entry.dtype)));
            if (std::size_t(t.nbytes()) != bytes.size()) {
                core::throwError(
                    core::ErrorCode::CorruptData, "the tensor's bytes do not match its shape", entry.name);
            }
            if (!bytes.empty()) {
                std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
            }
            out.emplace(entry.name, std::move(t));
        }
        return out;
    });
}

core::Result<TensorMap> loadTensorFile(const std::filesystem::path& path)
{
    // safetensors starts with an 8-byte little-endian header length followed by '{'.
    std::ifstream in(path, std::ios::binary);
    char head[9] = {};
    in.read(head, 9);
    if (in.gcount() == 9 && head[8] == '{') {
        return loadSafetensors(path);
    }
    return loadTorchCheckpoint(path);
}

} // namespace hdr::diffusion
