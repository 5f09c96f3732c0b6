#include "common/AtomicFile.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace hdr::core {
namespace fs = std::filesystem;

namespace {
std::atomic<unsigned> g_tempCounter{0};
constexpr int kCreateAttempts = 64;

std::string errnoText(int err)
{
    return std::strerror(err);
}

fs::path folderOf(const fs::path& path)
{
    return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// The process umask without changing it: Linux reports it in /proc/self/status. The fallback
// (umask() can only be read by setting it) sets the most restrictive value for the moment, so a
// file another thread creates meanwhile is too private rather than too public.
mode_t currentUmask()
{
    if (std::FILE* status = std::fopen("/proc/self/status", "re")) {
        char line[256];
        unsigned value = 0;
        bool found = false;
        while (!found && std::fgets(line, sizeof(line), status)) {
            found = std::sscanf(line, "Umask: %o", &value) == 1;
        }
        std::fclose(status);
        if (found) {
            return mode_t(value & 0777);
        }
    }
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    const mode_t mask = ::umask(0777);
    ::umask(mask);
    return mask & 0777;
}

bool processExists(long pid)
{
    if (pid <= 0 || pid > long(std::numeric_limits<pid_t>::max())) {
        return false;
    }
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

// ".<name>.<kind>-<pid>-<n>" -> pid and kind; false for any other name. The last marker counts
// (a user's file may itself be called "x.tmp-1-2").
bool parseTemporaryName(const std::string& name, long& pid, std::string& kind)
{
    if (name.size() < 2 || name[0] != '.') {
        return false;
    }
    const auto tmp = name.rfind(".tmp-");
    const auto bak = name.rfind(".bak-");
    const auto at = tmp == std::string::npos ? bak : bak == std::string::npos ? tmp : std::max(tmp, bak);
    if (at == std::string::npos || at == 0) {
        return false;
    }
    const std::string tail = name.substr(at + 5);
    const auto dash = tail.find('-');
    if (dash == std::string::npos || dash == 0 || dash > 10 || dash + 1 == tail.size() ||
        tail.size() - dash - 1 > 10) {
        return false;
    }
    for (std::size_t i = 0; i < tail.size(); ++i) {
        if (i != dash && (tail[i] < '0' || tail[i] > '9')) {
            return false;
        }
    }
    pid = std::stol(tail.substr(0, dash));
    kind = at == tmp ? "tmp" : "bak";
    return true;
}
} // namespace

fs::path temporarySiblingPath(const fs::path& finalPath, const char* kind)
{
    const std::string name = "." + finalPath.filename().string() + "." + kind + "-" +
                             std::to_string(::getpid()) + "-" + std::to_string(g_tempCounter.fetch_add(1));
    return folderOf(finalPath) / name;
}

std::size_t removeStaleTemporaryFiles(const fs::path& folder, std::chrono::seconds maxAge)
{
    std::size_t removed = 0;
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    if (ec) {
        return 0;
    }
    const long self = long(::getpid());
    const auto now = std::chrono::system_clock::now();
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) {
            break;
        }
        long pid = 0;
        std::string kind;
        if (!parseTemporaryName(it->path().filename().string(), pid, kind) || pid == self) {
            continue;
        }
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
            continue;
        }
        // A "bak" file is a link to an old output and keeps that file's (old) time: only its
        // process's death makes it stale.
        const auto modified = std::chrono::system_clock::from_time_t(st.st_mtime);
        const bool old = kind == "tmp" && now - modified > maxAge;
        if ((old || !processExists(pid)) && ::unlink(it->path().c_str()) == 0) {
            ++removed;
        }
    }
    return removed;
}

void syncParentFolder(const fs::path& path) noexcept
{
    const int fd = ::open(folderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

Result<AtomicOutputFile> AtomicOutputFile::create(const fs::path& finalPath, bool overwrite)
{
    if (finalPath.empty() || finalPath.filename().empty()) {
        return fail(ErrorCode::InvalidArgument, "output path has no file name", finalPath.string());
    }
    std::error_code ec;
    const fs::path dir = folderOf(finalPath);
    if (!fs::is_directory(dir, ec)) {
        return fail(ErrorCode::IoError, "the output folder does not exist", dir.string());
    }
    if (!overwrite && fs::exists(fs::symlink_status(finalPath, ec))) {
        return fail(ErrorCode::AlreadyExists,
                    "output file already exists (pass --overwrite to replace it)",
                    finalPath.string());
    }
    removeStaleTemporaryFiles(dir);
    const fs::path anchored = finalPath.has_parent_path() ? finalPath : "." / finalPath;
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
        fs::path temp = temporarySiblingPath(anchored);
        const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST) {
                continue; // a leftover or a planted link: never reuse a name, take the next one
            }
            return fail(ErrorCode::IoError,
                        "cannot create a file in the output folder: " + errnoText(errno),
                        dir.string());
        }
        ::close(fd);
        const unsigned mode = 0666u & ~unsigned(currentUmask());
        return AtomicOutputFile(finalPath, std::move(temp), overwrite, mode);
    }
    return fail(ErrorCode::IoError,
                "cannot create a temporary file in the output folder: every name tried is taken",
                dir.string());
}

AtomicOutputFile::AtomicOutputFile(fs::path finalPath, fs::path tempPath, bool overwrite, unsigned finalMode)
    : m_final(std::move(finalPath))
    , m_temp(std::move(tempPath))
    , m_overwrite(overwrite)
    , m_finalMode(finalMode)
{
}

AtomicOutputFile::AtomicOutputFile(AtomicOutputFile&& other) noexcept
    : m_final(std::move(other.m_final))
    , m_temp(std::move(other.m_temp))
    , m_overwrite(other.m_overwrite)
    , m_committed(other.m_committed)
    , m_finalMode(other.m_finalMode)
{
    other.m_committed = true; // the moved-from object owns nothing
}

AtomicOutputFile& AtomicOutputFile::operator=(AtomicOutputFile&& other) noexcept
{
    if (this != &other) {
        discard();
        m_final = std::move(other.m_final);
        m_temp = std::move(other.m_temp);
        m_overwrite = other.m_overwrite;
        m_committed = other.m_committed;
        m_finalMode = other.m_finalMode;
        other.m_committed = true;
    }
    return *this;
}

AtomicOutputFile::~AtomicOutputFile()
{
    discard();
}

void AtomicOutputFile::discard() noexcept
{
    if (!m_committed && !m_temp.empty()) {
        ::unlink(m_temp.c_str()); // unlink never follows a link
    }
}

Status AtomicOutputFile::commit()
{
    if (m_committed) {
        return fail(ErrorCode::Internal, "output committed twice", m_final.string());
    }
    const int fd = ::open(m_temp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return fail(ErrorCode::IoError,
                    err == ELOOP ? std::string("the temporary output file was replaced by a link; not used")
                                 : "the temporary output file is gone: " + errnoText(err),
                    m_temp.string());
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail(ErrorCode::IoError, "the temporary output file is not a regular file", m_temp.string());
    }
    // Mode first, then the data and the mode reach the disk before the name points at them.
    if (::fchmod(fd, mode_t(m_finalMode)) != 0 || ::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return fail(
            ErrorCode::IoError, "could not flush the output to disk: " + errnoText(err), m_final.string());
    }
    ::close(fd);

    const unsigned flags = m_overwrite ? 0u : RENAME_NOREPLACE;
    if (::renameat2(AT_FDCWD, m_temp.c_str(), AT_FDCWD, m_final.c_str(), flags) != 0) {
        const int err = errno;
        if (err == EEXIST) {
            return fail(ErrorCode::AlreadyExists,
                        "output file appeared while writing; not replaced",
                        m_final.string());
        }
        if (err == EINVAL && !m_overwrite) {
            // Filesystem without RENAME_NOREPLACE: link() also refuses to replace.
            if (::link(m_temp.c_str(), m_final.c_str()) == 0) {
                ::unlink(m_temp.c_str());
                m_committed = true;
                syncParentFolder(m_final);
                return {};
            }
            if (errno == EEXIST) {
                return fail(ErrorCode::AlreadyExists,
                            "output file appeared while writing; not replaced",
                            m_final.string());
            }
        }
        return fail(ErrorCode::IoError,
                    "could not move the finished file into place: " + errnoText(err),
                    m_final.string());
    }
    m_committed = true;
    syncParentFolder(m_final);
    return {};
}

Status writeFileAtomically(const fs::path& path, std::span<const std::byte> bytes, bool overwrite)
{
    auto out = AtomicOutputFile::create(path, overwrite);
    if (!out) {
        return tl::unexpected(out.error());
    }
    const int fd = ::open(out->tempPath().c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return fail(ErrorCode::IoError, "cannot open the output file: " + errnoText(errno), path.string());
    }
    const std::byte* at = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, at, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            ::close(fd);
            return fail(
                ErrorCode::IoError, "writing the output file failed: " + errnoText(err), path.string());
        }
        at += n;
        left -= std::size_t(n);
    }
    if (::close(fd) != 0) {
        return fail(ErrorCode::IoError, "writing the output file failed: " + errnoText(errno), path.string());
    }
    return out->commit();
}

Result<std::vector<std::byte>> readFileBytes(const fs::path& path, std::size_t maxBytes)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        return fail(ErrorCode::IoError, "cannot open the file: " + ec.message(), path.string());
    }
    if (size > maxBytes) {
        return fail(ErrorCode::LimitExceeded,
                    "file is larger than the " + std::to_string(maxBytes >> 20) + " MiB this reader accepts",
                    path.string());
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        return fail(ErrorCode::IoError, "cannot open the file", path.string());
    }
    std::vector<std::byte> bytes(size);
    f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
    if (std::size_t(f.gcount()) != size) {
        return fail(ErrorCode::IoError, "the file could not be read completely", path.string());
    }
    return bytes;
}

} // namespace hdr::core
