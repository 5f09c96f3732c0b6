#pragma once

#include "common/Error.h"

#include <filesystem>
#include <optional>
#include <string>

namespace hdr::training {

// Who holds a run folder's lock file (runlog::RunPaths::lock()): JSON {"pid", "host", "started"}.
struct LockHolder {
    long pid = 0;
    std::string host;
    std::string started; // ISO time
};

// One trainer per run folder. acquire() creates the lock file with its content in one step (a
// fully written temporary file hard-linked to the lock name, which fails if the name exists), so
// a reader never sees an empty lock. An existing lock is
//   - refused (AlreadyExists, naming the pid and host) while its process lives, or when it was
//     taken on another host (we cannot see that process: the message says to delete the file);
//   - taken over when it is stale: same host and the pid no longer exists (kill(pid, 0)), or an
//     unreadable lock older than a minute. `takeoverNote` then says whose lock was taken over.
// Two trainers taking over one stale lock at once are serialised by a second exclusive file
// ("lock.takeover"), so only one of them wins. The destructor removes the lock if it is still ours.
class RunLock {
public:
    static core::Result<RunLock> acquire(const std::filesystem::path& runDir,
                                         std::string* takeoverNote = nullptr);

    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();

    const std::filesystem::path& file() const { return m_file; }
    void release() noexcept;

private:
    explicit RunLock(std::filesystem::path file);
    std::filesystem::path m_file;
};

std::optional<LockHolder> readLockHolder(const std::filesystem::path& lockFile);
// kill(pid, 0) on this host: the process exists (EPERM counts as existing).
bool processIsAlive(long pid);
std::string thisHostName();

} // namespace hdr::training
