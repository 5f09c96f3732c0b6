#include "runlog/LineAppender.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hdr::runlog {

namespace fs = std::filesystem;

namespace {

std::string errnoText()
{
    return std::strerror(errno);
}

// Offset just after the last '\n' of the file (0 when there is none), scanning backwards.
std::uint64_t endOfLastLine(int fd, std::uint64_t size, const fs::path& file)
{
    std::vector<char> block(64 * 1024);
    std::uint64_t end = size;
    while (end > 0) {
        const std::uint64_t start = end > block.size() ? end - block.size() : 0;
        const std::size_t length = std::size_t(end - start);
        std::size_t got = 0;
        while (got < length) {
            const ssize_t n = ::pread(fd, block.data() + got, length - got, off_t(start + got));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                core::throwError(
                    core::ErrorCode::IoError, "cannot read the log file: " + errnoText(), file.string());
            }
            got += std::size_t(n);
        }
        for (std::size_t i = length; i > 0; --i) {
            if (block[i - 1] == '\n') {
                return start + i;
            }
        }
        end = start;
    }
    return 0;
}

} // namespace

LineAppender::LineAppender(fs::path file, int fd, std::uint64_t size, std::uint64_t repaired)
    : m_file(std::move(file))
    , m_fd(fd)
    , m_size(size)
    , m_repaired(repaired)
{
}

LineAppender::LineAppender(LineAppender&& other) noexcept
    : m_file(std::move(other.m_file))
    , m_fd(std::exchange(other.m_fd, -1))
    , m_size(other.m_size)
    , m_repaired(other.m_repaired)
    , m_broken(other.m_broken)
{
}

LineAppender& LineAppender::operator=(LineAppender&& other) noexcept
{
    if (this != &other) {
        close();
        m_file = std::move(other.m_file);
        m_fd = std::exchange(other.m_fd, -1);
        m_size = other.m_size;
        m_repaired = other.m_repaired;
        m_broken = other.m_broken;
    }
    return *this;
}

LineAppender::~LineAppender()
{
    close();
}

void LineAppender::close()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

core::Result<LineAppender> LineAppender::open(const fs::path& file)
{
    return core::guarded(core::ErrorCode::IoError, file.string(), [&] {
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            core::throwError(
                core::ErrorCode::IoError, "cannot open the log file: " + errnoText(), file.string());
        }
        try {
            struct stat info {};
            if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
                core::throwError(
                    core::ErrorCode::IoError, "the log file is not a regular file", file.string());
            }
            const std::uint64_t size = std::uint64_t(info.st_size);
            const std::uint64_t complete = endOfLastLine(fd, size, file);
            if (complete != size && ::ftruncate(fd, off_t(complete)) != 0) {
                core::throwError(core::ErrorCode::IoError,
                                 "cannot cut off the partial last line a stopped run left: " + errnoText(),
                                 file.string());
            }
            if (::lseek(fd, 0, SEEK_END) < 0) {
                core::throwError(
                    core::ErrorCode::IoError, "cannot seek in the log file: " + errnoText(), file.string());
            }
            return LineAppender(file, fd, complete, size - complete);
        } catch (...) {
            ::close(fd);
            throw;
        }
    });
}

core::Status LineAppender::append(std::string_view line)
{
    if (m_fd < 0) {
        return core::fail(core::ErrorCode::IoError, "the log file is closed", m_file.string());
    }
    if (m_broken) {
        return core::fail(core::ErrorCode::IoError,
                          "an earlier write to the log file failed and could not be undone; reopen the run",
                          m_file.string());
    }
    if (line.find('\n') != std::string_view::npos) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "a log line cannot contain a newline", m_file.string());
    }
    std::string record;
    record.reserve(line.size() + 1);
    record.append(line);
    record.push_back('\n');
    std::size_t written = 0;
    while (written < record.size()) {
        const ssize_t n =
            ::pwrite(m_fd, record.data() + written, record.size() - written, off_t(m_size + written));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const std::string reason = n < 0 ? errnoText() : "no space written";
            if (::ftruncate(m_fd, off_t(m_size)) != 0) {
                m_broken = true;
            }
            return core::fail(
                core::ErrorCode::IoError, "cannot append to the log file: " + reason, m_file.string());
        }
        written += std::size_t(n);
    }
    m_size += record.size();
    return {};
}

core::Status LineAppender::sync()
{
    if (m_fd >= 0 && ::fdatasync(m_fd) != 0) {
        return core::fail(
            core::ErrorCode::IoError, "cannot sync the log file: " + errnoText(), m_file.string());
    }
    return {};
}

core::Result<std::string> readFirstLine(const fs::path& file, std::size_t maxBytes)
{
    return core::guarded(core::ErrorCode::IoError, file.string(), [&]() -> std::string {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            core::throwError(core::ErrorCode::IoError, "cannot open the file: " + errnoText(), file.string());
        }
        std::string buffer(maxBytes + 1, '\0');
        std::size_t got = 0;
        while (got < buffer.size()) {
            const ssize_t n = ::pread(fd, buffer.data() + got, buffer.size() - got, off_t(got));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                ::close(fd);
                core::throwError(
                    core::ErrorCode::IoError, "cannot read the file: " + errnoText(), file.string());
            }
            if (n == 0) {
                break;
            }
            got += std::size_t(n);
            if (std::find(buffer.begin(), buffer.begin() + std::ptrdiff_t(got), '\n') !=
                buffer.begin() + std::ptrdiff_t(got)) {
                break;
            }
        }
        ::close(fd);
        buffer.resize(got);
        const std::size_t newline = buffer.find('\n');
        if (newline == std::string::npos) {
            if (got > maxBytes) {
                core::throwError(core::ErrorCode::LimitExceeded,
                                 "the first line is longer than " + std::to_string(maxBytes) + " bytes",
                                 file.string());
            }
            return {};
        }
        buffer.resize(newline);
        if (!buffer.empty() && buffer.back() == '\r') {
            buffer.pop_back();
        }
        return buffer;
    });
}

} // namespace hdr::runlog
