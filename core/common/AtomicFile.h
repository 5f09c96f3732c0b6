#pragma once

#include "common/Error.h"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace hdr::core {

// Every write of a user's file goes through this: create() makes a hidden temporary file next to
// the final path (same folder, so the rename stays on one filesystem), the writer fills
// tempPath(), then commit() flushes it to disk, renames it over the final path in one step and
// flushes the folder, so the new name survives a power cut too. A reader never sees a
// half-written file, and a failed, cancelled or killed write leaves the previous file untouched.
// Destroying an uncommitted object removes the temporary file. Without `overwrite`, an existing
// output is refused up front and again at commit (RENAME_NOREPLACE), so a file created meanwhile
// is not clobbered either.
//
// The temporary file is ".<name>.tmp-<pid>-<n>", created with O_CREAT | O_EXCL | O_NOFOLLOW and
// mode 0600: a link planted at that name is never followed (another name is tried), and nobody
// else can read the data while it is written. commit() gives it the mode a new file gets under
// the process umask, and refuses a temporary that is no longer a regular file. Writers open
// tempPath() by name after create(), so in a folder where others may delete our files (not
// sticky, writable by them) they could still swap it in between; output folders are the user's.
//
// Temporary files of processes that were killed before they committed are removed by the next
// create() in the same folder (removeStaleTemporaryFiles).
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
    AtomicOutputFile(std::filesystem::path finalPath,
                     std::filesystem::path tempPath,
                     bool overwrite,
                     unsigned finalMode);
    void discard() noexcept;

    std::filesystem::path m_final;
    std::filesystem::path m_temp;
    bool m_overwrite = false;
    bool m_committed = false;
    unsigned m_finalMode = 0644;
};

// Convenience for in-memory encoders: writes `bytes` atomically.
Status
writeFileAtomically(const std::filesystem::path& path, std::span<const std::byte> bytes, bool overwrite);

// Reads a whole file, refusing files larger than maxBytes with LimitExceeded.
Result<std::vector<std::byte>> readFileBytes(const std::filesystem::path& path, std::size_t maxBytes);

// A fresh hidden name next to finalPath in the temporary pattern: ".<name>.<kind>-<pid>-<n>",
// kind "tmp" (data being written) or "bak" (OutputSet's link to a file it is replacing); n is
// unique within this process. Only the name: nothing is created.
std::filesystem::path temporarySiblingPath(const std::filesystem::path& finalPath, const char* kind = "tmp");

// Removes the files in `folder` named in the temporary pattern whose process no longer exists
// (kill(pid, 0) says so), and "tmp" ones older than maxAge whatever their process (a pid may be
// reused). Never the current process's own, never anything but regular files and links (a link is
// removed, not followed). Returns how many were removed. Caveat: a process in another PID
// namespace or on another host sharing the folder looks dead; its pending write then fails at
// commit with a clear error instead of completing.
std::size_t removeStaleTemporaryFiles(const std::filesystem::path& folder,
                                      std::chrono::seconds maxAge = std::chrono::hours(24));

// fsync() of the folder holding `path`, so that a rename or unlink in it is durable. Best effort:
// some filesystems cannot sync folders; the data itself was synced before.
void syncParentFolder(const std::filesystem::path& path) noexcept;

} // namespace hdr::core
