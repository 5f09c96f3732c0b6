#pragma once
// PyTorch checkpoints (.pth / .pt, what torch.save writes), read without libtorch and without
// running pickle code. Two layouts (torch/serialization.py):
//  - zip (torch >= 1.6): <archive>/data.pkl, the raw little-endian storages <archive>/data/<key>,
//    <archive>/version and optionally <archive>/byteorder; entries are stored uncompressed.
//  - legacy (torch < 1.6): pickled magic number, protocol version and sys_info, the main pickle,
//    a pickled list of storage keys, then per key an int64 element count and the raw bytes.
// The pickles run in a weights-only machine (TorchPickleHooks.h): containers, numbers, strings and
// tensors, and refusals naming any other Python object. The tensors nested in dicts and lists are
// flattened to dotted names ({'params_ema': {'conv_first.weight': t}} -> "params_ema.conv_first.weight",
// list items by index, a bare tensor as ""). Every storage must fit in the file and every tensor
// in its storage; errors name the file and the tensor, storage or zip entry at fault.
#include "common/Error.h"
#include "tensorfile/PrivateFileMapping.h"
#include "tensorfile/Safetensors.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::tensorfile {

struct PickleValue;

enum class TorchCheckpointFormat { Zip, Legacy };

struct TorchStorage {
    std::string key;      // "data/0" (zip) or the legacy root key
    std::string location; // "cpu", "cuda:0": where torch.save found it (the bytes are the same)
    diffusion::TensorDType dtype = diffusion::TensorDType::F32;
    std::uint64_t fileOffset = 0; // of its first byte in the file
    std::uint64_t byteSize = 0;   // element count x element size, as the pickle declares
};

struct TorchTensorEntry {
    std::string name;
    diffusion::TensorDType dtype = diffusion::TensorDType::F32;
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides; // in elements; a transposed view has non-row-major strides
    std::int64_t storageOffset = 0;    // in elements, as torch reports it
    std::size_t storage = 0;           // index into TorchCheckpoint::storages()
    std::uint64_t byteOffset = 0;      // of element [0, ..., 0] from the start of the storage
    bool requiresGrad = false;
    bool isParameter = false; // saved as torch.nn.Parameter

    std::int64_t numel() const;
    std::uint64_t byteSize() const; // numel x element size (the size of a contiguous copy)
    bool isContiguous() const;      // row-major strides (size-1 dimensions may have any stride)
};

struct TorchCheckpointLimits {
    std::uint64_t maxPickleBytes = 1ull << 30;
    std::size_t maxPickleValues = 1u << 22; // objects the pickle may build (~100 bytes each)
    std::size_t maxTensors = 1u << 20;
    std::size_t maxRank = 16;
    std::size_t maxNesting = 64;             // containers inside containers
    std::size_t maxNameBytes = 4096;         // one flattened name
    std::uint64_t maxCopyBytes = 1ull << 36; // contiguousCopy of one tensor
};

class TorchCheckpoint {
public:
    static core::Result<std::shared_ptr<TorchCheckpoint>> open(const std::filesystem::path& path,
                                                               const TorchCheckpointLimits& limits = {});
    // Parses bytes already in memory (tests, fuzzing); the bytes are copied.
    static core::Result<std::shared_ptr<TorchCheckpoint>> fromBytes(std::span<const std::byte> bytes,
                                                                    const TorchCheckpointLimits& limits = {});
    ~TorchCheckpoint();
    TorchCheckpoint(const TorchCheckpoint&) = delete;
    TorchCheckpoint& operator=(const TorchCheckpoint&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    TorchCheckpointFormat format() const { return m_format; }
    // Sorted by name.
    const std::vector<TorchTensorEntry>& entries() const { return m_entries; }
    const TorchTensorEntry* find(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name) != nullptr; }
    // The string keys of the top-level dict in file order ("params_ema", "params"), empty when the
    // checkpoint is not a dict. A loader picks its sub-dict and strips "<key>." from entry names.
    const std::vector<std::string>& topLevelKeys() const { return m_topLevelKeys; }
    const std::vector<TorchStorage>& storages() const { return m_storages; }
    std::span<const std::byte> storageBytes(const TorchStorage& storage) const;
    // A contiguous tensor's bytes inside the mapping (little-endian, row-major); empty when the
    // tensor is not contiguous (see contiguousCopy) or has no elements.
    std::span<const std::byte> bytes(const TorchTensorEntry& entry) const;
    // Any tensor's elements gathered into row-major order.
    core::Result<std::vector<std::byte>> contiguousCopy(const TorchTensorEntry& entry) const;
    std::uint64_t fileSize() const { return m_size; }

private:
    TorchCheckpoint() = default;
    core::Status parse(const TorchCheckpointLimits& limits);
    void parseZip(const TorchCheckpointLimits& limits);
    void parseLegacy(const TorchCheckpointLimits& limits);
    // Flattens the tensors under the pickle's result into m_entries (sorted) and m_topLevelKeys.
    void collect(const PickleValue& root, std::size_t arenaSize, const TorchCheckpointLimits& limits);

    std::filesystem::path m_path;
    PrivateFileMapping m_storage;
    std::byte* m_base = nullptr; // whole file: m_storage.data()
    std::uint64_t m_size = 0;
    TorchCheckpointFormat m_format = TorchCheckpointFormat::Zip;
    std::uint64_t m_maxCopyBytes = 0;
    std::vector<TorchStorage> m_storages;
    std::vector<TorchTensorEntry> m_entries;
    std::vector<std::string> m_topLevelKeys;
};

} // namespace hdr::tensorfile
