#include "training/RunLock.h"

#include "runlog/IsoTime.h"
#include "runlog/RunFolder.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace hdr::training {

namespace fs = std::filesystem;

std::string thisHostName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0) {
        return "localhost";
    }
    return name;
}

bool processIsAlive(long pid)
{
    if (pid <= 0) {
        return false;
    }
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

std::optional<LockHolder> readLockHolder(const fs::path& lockFile)
{
    std::ifstream in(lockFile);
    if (!in) {
        return std::nullopt;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 4096) {
        return std::nullopt;
    }
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("pid") || !j["pid"].is_number_integer()) {
        return std::nullopt;
    }
    LockHolder h;
    h.pid = j["pid"].get<long>();
    h.host = j.value("host", "");
    h.started = j.value("started", "");
    return h;
}

namespace {

std::string describe(const LockHolder& h)
{
    return "process " + std::to_string(h.pid) + " on " + (h.host.empty() ? "an unknown host" : h.host) +
           (h.started.empty() ? "" : " (since " + h.started + ")");
}

// Writes our holder record into a fresh temporary file next to the lock; returns its path.
fs::path writeHolderFile(const fs::path& lockFile)
{
    nlohmann::json j = {{"pid", long(::getpid())},
                        {"host", thisHostName()},
                        {"started", runlog::isoTimestamp(std::chrono::system_clock::now())}};
    static int counter = 0;
    const fs::path temp =
        lockFile.parent_path() / ("." + lockFile.filename().string() + ".new-" + std::to_string(::getpid()) +
                                  "-" + std::to_string(++counter));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        core::throwError(core::ErrorCode::IoError,
                         std::string("Cannot create the lock file: ") + std::strerror(errno) + ".",
                         temp.string());
    }
    const std::string text = j.dump() + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(temp.c_str());
        core::throwError(core::ErrorCode::IoError, "Cannot write the lock file.", temp.string());
    }
    return temp;
}

// Tries to link the holder file to the lock name: true on success, false if the lock exists.
bool linkLock(const fs::path& holder, const fs::path& lockFile)
{
    if (::link(holder.c_str(), lockFile.c_str()) == 0) {
        return true;
    }
    if (errno == EEXIST) {
        return false;
    }
    core::throwError(core::ErrorCode::IoError,
                     std::string("Cannot create the lock: ") + std::strerror(errno) + ".",
                     lockFile.string());
}

double ageSeconds(const fs::path& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return 0;
    }
    return double(std::time(nullptr) - st.st_mtime);
}

} // namespace

RunLock::RunLock(fs::path file)
    : m_file(std::move(file))
{
}

RunLock::RunLock(RunLock&& other) noexcept
    : m_file(std::exchange(other.m_file, {}))
{
}

RunLock& RunLock::operator=(RunLock&& other) noexcept
{
    if (this != &other) {
        release();
        m_file = std::exchange(other.m_file, {});
    }
    return *this;
}

RunLock::~RunLock()
{
    release();
}

void RunLock::release() noexcept
{
    if (m_file.empty()) {
        return;
    }
    // Only our own lock: a lock taken over by someone else after we looked stale stays theirs.
    if (auto h = readLockHolder(m_file); h && h->pid == long(::getpid()) && h->host == thisHostName()) {
        ::unlink(m_file.c_str());
    }
    m_file.clear();
}

core::Result<RunLock> RunLock::acquire(const fs::path& runDir, std::string* takeoverNote)
{
    const fs::path lockFile = runlog::RunPaths(runDir).lock();
    return core::guarded(core::ErrorCode::IoError, lockFile.string(), [&]() -> RunLock {
        const fs::path holder = writeHolderFile(lockFile);
        struct RemoveHolder {
            fs::path p;
            ~RemoveHolder() { ::unlink(p.c_str()); }
        } cleanup{holder};

        for (int attempt = 0; attempt < 3; ++attempt) {
            if (linkLock(holder, lockFile)) {
                return RunLock(lockFile);
            }
            const auto current = readLockHolder(lockFile);
            const bool sameHost = current && current->host == thisHostName();
            bool stale = false;
            if (current) {
                if (!sameHost) {
                    core::throwError(core::ErrorCode::AlreadyExists,
                                     "The run folder is locked by " + describe(*current) +
                                         "; if that trainer has ended, delete the lock file.",
                                     lockFile.string());
                }
                if (current->pid == long(::getpid()) || processIsAlive(current->pid)) {
                    core::throwError(core::ErrorCode::AlreadyExists,
                                     "Another trainer is using this run folder: " + describe(*current) + ".",
                                     lockFile.string());
                }
                stale = true;
            } else if (fs::exists(lockFile)) {
                if (ageSeconds(lockFile) < 60) {
                    core::throwError(
                        core::ErrorCode::AlreadyExists,
                        "The run folder's lock file is unreadable and recent; another trainer may be "
                        "starting. Try again in a minute.",
                        lockFile.string());
                }
                stale = true;
            }
            if (!stale) {
                continue; // the lock vanished between link() and the read: try again
            }
            // Serialise takeovers: whoever creates lock.takeover replaces the stale lock.
            const fs::path gate = lockFile.string() + ".takeover";
            if (fs::exists(gate) && ageSeconds(gate) > 60) {
                ::unlink(gate.c_str()); // left by a trainer killed during a takeover
            }
            const int gateFd = ::open(gate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (gateFd < 0) {
                core::throwError(core::ErrorCode::AlreadyExists,
                                 "Another trainer is taking over this run folder's stale lock.",
                                 lockFile.string());
            }
            ::close(gateFd);
            struct RemoveGate {
                fs::path p;
                ~RemoveGate() { ::unlink(p.c_str()); }
            } gateCleanup{gate};
            // Under the gate: check again that the lock is the stale one we saw.
            const auto again = readLockHolder(lockFile);
            const bool unchanged = (!current && !again) || (current && again && again->pid == current->pid);
            if (!unchanged) {
                continue;
            }
            ::unlink(lockFile.c_str());
            if (linkLock(holder, lockFile)) {
                if (takeoverNote) {
                    *takeoverNote = current ? "Took over the stale lock of " + describe(*current) +
                                                  ", which no longer runs."
                                            : "Took over an unreadable stale lock file.";
                }
                return RunLock(lockFile);
            }
        }
        core::throwError(core::ErrorCode::AlreadyExists,
                         "Could not take the run folder's lock; another trainer keeps taking it.",
                         lockFile.string());
    });
}

} // namespace hdr::training
