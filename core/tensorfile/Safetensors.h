#pragma once
// safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
// "__metadata__": {string: string}}, then the raw little-endian tensor bytes, offsets relative to
// the end of the header.
//
// The header is untrusted input: its size is bounded, it must be valid UTF-8 JSON of that shape,
// every byte range must lie inside the file, ranges must not overlap, and shape x dtype size must
// equal the range length. Every error names the tensor at fault.
//
// This part has no libtorch dependency (it is fuzzed on its own); SafetensorsTorch.h turns entries
// into tensors (zero-copy views of the mapping where alignment allows).
#include "common/Error.h"
#include "tensorfile/PrivateFileMapping.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

enum class TensorDType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

const char* nameOf(TensorDType dtype); // "F32", as written in the file
std::size_t elementSize(TensorDType dtype);

struct SafetensorsEntry {
    std::string name;
    TensorDType dtype = TensorDType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; // byte offsets relative to the start of the data section
    std::uint64_t end = 0;

    std::int64_t numel() const;
    std::uint64_t byteSize() const { return end - begin; }
};

struct SafetensorsLimits {
    std::uint64_t maxHeaderBytes = 100ull << 20; // real SDXL checkpoints have ~200 KB headers
    std::size_t maxTensors = 1u << 20;
    std::size_t maxRank = 8;
};

// Parses and validates a header (the JSON bytes, without the 8-byte length) for a data section of
// dataBytes bytes. Entries come back sorted by name.
core::Result<std::vector<SafetensorsEntry>>
parseSafetensorsHeader(std::string_view json,
                       std::uint64_t dataBytes,
                       std::map<std::string, std::string>* metadata,
                       const SafetensorsLimits& limits = {});

// A read-only memory mapping of a safetensors file (copy-on-write private pages, so a tensor view
// written by mistake never reaches the file).
class SafetensorsFile {
public:
    static core::Result<std::shared_ptr<SafetensorsFile>> open(const std::filesystem::path& path,
                                                               const SafetensorsLimits& limits = {});
    // Parses bytes already in memory (tests, fuzzing); the bytes are copied.
    static core::Result<std::shared_ptr<SafetensorsFile>> fromBytes(std::span<const std::byte> bytes,
                                                                    const SafetensorsLimits& limits = {});
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    const std::vector<SafetensorsEntry>& entries() const { return m_entries; }
    const SafetensorsEntry* find(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name) != nullptr; }
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    // The tensor's bytes inside the mapping (little-endian, row-major).
    std::span<const std::byte> bytes(const SafetensorsEntry& entry) const;
    std::uint64_t fileSize() const { return m_size; }

private:
    SafetensorsFile() = default;
    core::Status parse(const SafetensorsLimits& limits);

    std::filesystem::path m_path;
    tensorfile::PrivateFileMapping m_storage;
    std::byte* m_base = nullptr; // whole file: m_storage.data()
    std::uint64_t m_size = 0;
    std::uint64_t m_dataStart = 0;
    std::vector<SafetensorsEntry> m_entries;
    std::map<std::string, std::string> m_metadata;
};

} // namespace hdr::diffusion
