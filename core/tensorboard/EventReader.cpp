#include "tensorboard/EventReader.h"

#include "tensorboard/EventScanner.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hdr::tensorboard {

namespace fs = std::filesystem;

namespace {

class FileSource final : public detail::ByteSource {
public:
    explicit FileSource(const fs::path& file)
        : m_file(file)
    {
        m_fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0) {
            core::throwError(core::ErrorCode::IoError,
                             std::string("cannot open the event file: ") + std::strerror(errno),
                             file.string());
        }
        struct stat info {};
        if (::fstat(m_fd, &info) != 0 || !S_ISREG(info.st_mode)) {
            ::close(m_fd);
            core::throwError(
                core::ErrorCode::IoError, "the event file is not a readable file", file.string());
        }
        m_size = std::uint64_t(info.st_size);
    }
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    ~FileSource() override { ::close(m_fd); }

    std::uint64_t size() const override { return m_size; }

    // Small reads (headers, scalar events) are served from a read-ahead window, so a file of a
    // million scalars costs a few hundred system calls instead of two million.
    void read(std::uint64_t offset, char* out, std::size_t size) override
    {
        if (size > kWindowBytes) {
            readDirect(offset, out, size);
            return;
        }
        if (offset < m_windowStart || offset + size > m_windowStart + m_window.size()) {
            const std::size_t length = std::size_t(std::min<std::uint64_t>(kWindowBytes, m_size - offset));
            m_window.resize(std::max(length, size));
            readDirect(offset, m_window.data(), m_window.size());
            m_windowStart = offset;
        }
        std::memcpy(out, m_window.data() + (offset - m_windowStart), size);
    }

private:
    static constexpr std::size_t kWindowBytes = std::size_t(1) << 20;

    void readDirect(std::uint64_t offset, char* out, std::size_t size)
    {
        while (size > 0) {
            const ssize_t got = ::pread(m_fd, out, size, off_t(offset));
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                core::throwError(core::ErrorCode::IoError,
                                 "reading the event file failed at byte " + std::to_string(offset) + ": " +
                                     (got < 0 ? std::strerror(errno) : "unexpected end of file"),
                                 m_file.string());
            }
            out += got;
            size -= std::size_t(got);
            offset += std::uint64_t(got);
        }
    }

    fs::path m_file;
    int m_fd = -1;
    std::uint64_t m_size = 0;
    std::vector<char> m_window;
    std::uint64_t m_windowStart = 0;
};

class MemorySource final : public detail::ByteSource {
public:
    explicit MemorySource(std::string_view bytes)
        : m_bytes(bytes)
    {
    }
    std::uint64_t size() const override { return m_bytes.size(); }
    void read(std::uint64_t offset, char* out, std::size_t size) override
    {
        std::memcpy(out, m_bytes.data() + offset, size); // the scanner only asks within size()
    }

private:
    std::string_view m_bytes;
};

// One poll's worth of reading, with the rule for the error that stopped it: reported after the
// records read before it, or on its own when there were none.
core::Result<EventBatch> scanOnce(detail::ByteSource& source,
                                  detail::ScanState& state,
                                  const ReaderOptions& options,
                                  std::string_view name)
{
    EventBatch batch;
    const std::uint64_t before = state.offset;
    if (auto stop = detail::scanRecords(source, state, options, name, batch)) {
        if (state.offset == before) {
            return tl::unexpected<core::Error>(std::move(*stop));
        }
        batch.problems.push_back(std::move(*stop));
    }
    return batch;
}

} // namespace

EventFileFollower::EventFileFollower(fs::path file, ReaderOptions options)
    : m_file(std::move(file))
    , m_options(options)
{
}

core::Result<EventBatch> EventFileFollower::poll()
{
    auto opened = core::guarded(
        core::ErrorCode::IoError, m_file.string(), [&] { return std::make_unique<FileSource>(m_file); });
    if (!opened) {
        return tl::unexpected<core::Error>(opened.error());
    }
    return scanOnce(**opened, m_state, m_options, m_file.string());
}

core::Result<std::vector<ImageRecord>> EventFileFollower::loadImages(std::uint64_t recordOffset) const
{
    return core::guarded(core::ErrorCode::IoError, m_file.string(), [&] {
        FileSource source(m_file);
        detail::ScanState state = m_state; // for the plugin each tag was declared with
        state.offset = recordOffset;
        ReaderOptions options = m_options;
        options.keepImageBytes = true;
        EventBatch batch;
        if (auto stop = detail::scanRecords(source, state, options, m_file.string(), batch, true)) {
            throw core::HdrError(std::move(*stop));
        }
        if (!batch.problems.empty()) {
            throw core::HdrError(batch.problems.front());
        }
        if (batch.eventsRead == 0) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "no complete record starts at byte offset " + std::to_string(recordOffset),
                             m_file.string());
        }
        return std::move(batch.images);
    });
}

core::Result<EventBatch> readEventFile(const fs::path& file, const ReaderOptions& options)
{
    EventFileFollower follower(file, options);
    return follower.poll();
}

core::Result<EventBatch>
readEventBytes(std::string_view bytes, std::string_view name, const ReaderOptions& options)
{
    MemorySource source(bytes);
    detail::ScanState state;
    return scanOnce(source, state, options, name);
}

} // namespace hdr::tensorboard
