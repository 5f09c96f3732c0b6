#pragma once
// The read path both tensor-file readers share (SafetensorsFile, TorchCheckpoint): the whole file
// mapped with private copy-on-write pages, so a tensor view written by mistake never reaches the
// file, and the same bytes held in memory for tests and fuzzing.
#include "common/Error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::tensorfile {

class PrivateFileMapping {
public:
    PrivateFileMapping() = default;
    ~PrivateFileMapping();
    PrivateFileMapping(const PrivateFileMapping&) = delete;
    PrivateFileMapping& operator=(const PrivateFileMapping&) = delete;

    // Maps a regular file of at least `minimumSize` bytes; a smaller one is CorruptData with
    // `tooSmall` as the message (the file's size appended).
    core::Status map(const std::filesystem::path& path, std::uint64_t minimumSize, std::string_view tooSmall);
    // Holds a copy of `bytes` instead.
    void copy(std::span<const std::byte> bytes);

    std::byte* data() const { return m_base; }
    std::uint64_t size() const { return m_size; }

private:
    std::byte* m_base = nullptr;
    std::uint64_t m_size = 0;
    bool m_mapped = false; // false: m_base points into m_owned
    std::vector<std::byte> m_owned;
};

// An error of the parser, located in the file: "path: where" (or the path alone).
core::Error locatedIn(core::Error error, const std::filesystem::path& path);

// The entry called `name` in `entries`, sorted by name; nullptr if there is none.
template <typename Entry> const Entry* findByName(const std::vector<Entry>& entries, std::string_view name)
{
    std::size_t lo = 0, hi = entries.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (entries[mid].name < name) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < entries.size() && entries[lo].name == name ? &entries[lo] : nullptr;
}

} // namespace hdr::tensorfile
