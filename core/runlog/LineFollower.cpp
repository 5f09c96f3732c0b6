#include "runlog/LineFollower.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hdr::runlog {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunkBytes = std::size_t(1) << 20;

class ReadOnlyFile {
public:
    explicit ReadOnlyFile(const fs::path& file)
        : m_fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC))
    {
    }
    ReadOnlyFile(const ReadOnlyFile&) = delete;
    ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
    ~ReadOnlyFile()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    int fd() const { return m_fd; }

private:
    int m_fd;
};

// Up to `size` bytes at `offset` (fewer at the end of the file).
std::size_t readAt(int fd, std::uint64_t offset, char* out, std::size_t size, const fs::path& file)
{
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd, out + got, size - got, off_t(offset + got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            core::throwError(core::ErrorCode::IoError,
                             std::string("cannot read the log file: ") + std::strerror(errno),
                             file.string());
        }
        if (n == 0) {
            break;
        }
        got += std::size_t(n);
    }
    return got;
}

} // namespace

LineFollower::LineFollower(fs::path file, LineFollowerOptions options)
    : m_file(std::move(file))
    , m_options(options)
{
}

core::Result<LineBatch> LineFollower::poll()
{
    return core::guarded(core::ErrorCode::IoError, m_file.string(), [&] {
        LineBatch batch;
        ReadOnlyFile file(m_file);
        if (file.fd() < 0) {
            if (errno != ENOENT) {
                core::throwError(core::ErrorCode::IoError,
                                 std::string("cannot open the log file: ") + std::strerror(errno),
                                 m_file.string());
            }
            // Not written yet (a brand-new run), or removed: start over when it comes back.
            batch.restarted = m_offset > 0;
            m_offset = 0;
            m_skippingLine = false;
            m_firstLine.clear();
            m_inode = m_device = 0;
            return batch;
        }
        struct stat info {};
        if (::fstat(file.fd(), &info) != 0 || !S_ISREG(info.st_mode)) {
            core::throwError(core::ErrorCode::IoError, "the log file is not a regular file", m_file.string());
        }
        const std::uint64_t size = std::uint64_t(info.st_size);

        bool replaced = m_offset > 0 && (std::uint64_t(info.st_ino) != m_inode ||
                                         std::uint64_t(info.st_dev) != m_device || size < m_offset);
        if (!replaced && m_offset > 0 && !m_firstLine.empty()) {
            std::string head(m_firstLine.size() + 1, '\0');
            const std::size_t got = readAt(file.fd(), 0, head.data(), head.size(), m_file);
            replaced = got != head.size() || head.compare(0, m_firstLine.size(), m_firstLine) != 0 ||
                       head.back() != '\n';
        }
        if (replaced) {
            batch.restarted = true;
            m_offset = 0;
            m_skippingLine = false;
            m_firstLine.clear();
        }
        m_inode = std::uint64_t(info.st_ino);
        m_device = std::uint64_t(info.st_dev);

        const std::uint64_t start = m_offset;
        std::uint64_t position = m_offset; // next byte to look at
        std::string line;                  // the line being assembled (starts at m_offset unless skipping)
        std::vector<char> chunk(
            std::min<std::uint64_t>(kChunkBytes, std::max<std::uint64_t>(size - start, 1)));
        while (position < size) {
            if (m_offset - start >= m_options.maxBytesPerPoll) { // inside an over-long line
                batch.caughtUp = false;
                break;
            }
            const std::size_t want = std::size_t(std::min<std::uint64_t>(chunk.size(), size - position));
            const std::size_t got = readAt(file.fd(), position, chunk.data(), want, m_file);
            if (got == 0) {
                break; // the file shrank under us: the next poll notices
            }
            std::size_t i = 0;
            while (i < got) {
                const char* begin = chunk.data() + i;
                const char* newline = static_cast<const char*>(std::memchr(begin, '\n', got - i));
                const std::size_t segment = newline ? std::size_t(newline - begin) : got - i;
                if (m_skippingLine) {
                    if (newline) {
                        m_skippingLine = false;
                        m_offset = position + i + segment + 1;
                    } else {
                        m_offset = position + got;
                    }
                } else if (line.size() + segment > m_options.maxLineBytes) {
                    batch.problems.push_back({core::ErrorCode::LimitExceeded,
                                              "a line longer than " + std::to_string(m_options.maxLineBytes) +
                                                  " bytes at byte " + std::to_string(m_offset) +
                                                  " was skipped",
                                              m_file.string()});
                    line.clear();
                    if (newline) {
                        m_offset = position + i + segment + 1;
                    } else {
                        m_skippingLine = true;
                        m_offset = position + got;
                    }
                } else {
                    line.append(begin, segment);
                    if (newline) {
                        if (m_offset == 0) {
                            m_firstLine = line;
                        }
                        m_offset = position + i + segment + 1;
                        if (!line.empty() && line.back() == '\r') {
                            line.pop_back();
                        }
                        if (!line.empty()) {
                            batch.lines.push_back(std::move(line));
                        }
                        line.clear();
                    }
                }
                i += segment + (newline ? 1 : 0);
                if (newline && m_offset - start >= m_options.maxBytesPerPoll && m_offset < size) {
                    batch.caughtUp = false;
                    return batch;
                }
            }
            position += got;
        }
        return batch;
    });
}

} // namespace hdr::runlog
