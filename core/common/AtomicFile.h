#pragma once

#include "common/Error.h"

#include <cstddef>
#include <filesystem>
#include <span>

namespace hdr::core {

// Every write of a user's file goes through this: the writer fills tempPath() (a hidden file in
// the same directory, so the rename stays on one filesystem), then commit() syncs and renames it
// over the final path in one step. A reader never sees a half-written file, and a failed or
// cancelled write leaves the previous file untouched. Destroying an uncommitted object removes
// the temp file. Without `overwrite`, an existing output is refused up front and again at commit
// (RENAME_NOREPLACE), so a file created meanwhile is not clobbered either.
class AtomicOutputFile {
public:
    static Result<AtomicOutputFile> create(const std::filesystem::path& finalPath, bool overwrite);

    AtomicOutputFile(AtomicOutputFile&& other) noexcept;
    AtomicOutputFile& operator=(AtomicOutputFile&& other) noexcept;
    AtomicOutputFile(const AtomicOutputFile&) = delete;
    AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;
    ~AtomicOutputFile();

    const std::filesystem::path& tempPath() const { return m_temp; }
    const std::filesystem::path& finalPath() const { return m_final; }
    Status commit();

private:
    AtomicOutputFile(std::filesystem::path finalPath, std::filesystem::path tempPath, bool overwrite);
    void discard() noexcept;

    std::filesystem::path m_final;
    std::filesystem::path m_temp;
    bool m_overwrite = false;
    bool m_committed = false;
};

// Convenience for in-memory encoders: writes `bytes` atomically.
Status
writeFileAtomically(const std::filesystem::path& path, std::span<const std::byte> bytes, bool overwrite);

// Reads a whole file, refusing files larger than maxBytes with LimitExceeded.
Result<std::vector<std::byte>> readFileBytes(const std::filesystem::path& path, std::size_t maxBytes);

} // namespace hdr::core
