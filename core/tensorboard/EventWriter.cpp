#include "tensorboard/EventWriter.h"

#include "tensorboard/EventFiles.h"
#include "tensorboard/EventProto.h"
#include "tensorboard/RecordFraming.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace hdr::tensorboard {

namespace fs = std::filesystem;

namespace {

// Tells apart the files one process creates within the same second (TensorBoard's _global_uid).
std::atomic<std::int64_t> g_fileCounter{0};
constexpr int kNameAttempts = 1000;

std::string machineName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    return name;
}

// A host name goes into a file name: no path separators.
std::string fileNameSafe(std::string name)
{
    for (char& c : name) {
        if (c == '/' || c == '\0') {
            c = '_';
        }
    }
    return name;
}

core::Status ioFailure(const std::string& what, const fs::path& file)
{
    return core::fail(core::ErrorCode::IoError, what + ": " + std::strerror(errno), file.string());
}

core::Status checkTag(std::string_view tag)
{
    if (tag.empty()) {
        return core::fail(core::ErrorCode::InvalidArgument, "a TensorBoard tag must not be empty");
    }
    return {};
}

} // namespace

double currentWallTime()
{
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return double(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) / 1e6;
}

EventWriter::EventWriter(fs::path file, int fd, std::uint64_t size)
    : m_file(std::move(file))
    , m_fd(fd)
    , m_size(size)
{
}

EventWriter::EventWriter(EventWriter&& other) noexcept
    : m_file(std::move(other.m_file))
    , m_fd(std::exchange(other.m_fd, -1))
    , m_size(other.m_size)
    , m_broken(other.m_broken)
{
}

EventWriter& EventWriter::operator=(EventWriter&& other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_file = std::move(other.m_file);
        m_fd = std::exchange(other.m_fd, -1);
        m_size = other.m_size;
        m_broken = other.m_broken;
    }
    return *this;
}

EventWriter::~EventWriter()
{
    if (m_fd >= 0) {
        ::close(m_fd); // records are already in the kernel; only the disk sync is left out
    }
}

core::Result<EventWriter> EventWriter::create(const fs::path& logDir, WriterOptions options)
{
    std::error_code ec;
    fs::create_directories(logDir, ec);
    if (ec || !fs::is_directory(logDir)) {
        return core::fail(core::ErrorCode::IoError,
                          "cannot create the log folder" + (ec ? ": " + ec.message() : std::string()),
                          logDir.string());
    }
    const std::string host = fileNameSafe(options.hostname.empty() ? machineName() : options.hostname);
    const double wallTime = currentWallTime();
    for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
        const fs::path file = logDir / eventFileName(std::int64_t(wallTime),
                                                     host,
                                                     std::int64_t(::getpid()),
                                                     g_fileCounter.fetch_add(1),
                                                     fileNameSafe(options.filenameSuffix));
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {
            continue; // another writer took this name: the counter gives the next one
        }
        if (fd < 0) {
            return tl::unexpected<core::Error>(ioFailure("cannot create the event file", file).error());
        }
        EventWriter writer(file, fd, 0);
        if (auto written = writer.appendRecord(encodeFileVersionEvent(wallTime)); !written) {
            writer.close();
            fs::remove(file, ec);
            return tl::unexpected<core::Error>(written.error());
        }
        return writer;
    }
    return core::fail(core::ErrorCode::IoError, "no free event file name in the log folder", logDir.string());
}

core::Status EventWriter::appendRecord(std::string_view payload)
{
    if (m_fd < 0) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "the event file was already closed", m_file.string());
    }
    if (m_broken) {
        return core::fail(core::ErrorCode::IoError,
                          "an earlier write to the event file failed and could not be undone; start a new "
                          "writer",
                          m_file.string());
    }
    if (payload.size() > kDefaultMaxRecordBytes) {
        return core::fail(core::ErrorCode::LimitExceeded,
                          "the event is " + std::to_string(payload.size()) + " bytes, more than the " +
                              std::to_string(kDefaultMaxRecordBytes) + "-byte limit readers accept",
                          m_file.string());
    }
    const std::string record = frameRecord(payload);
    std::size_t done = 0;
    while (done < record.size()) {
        // One call for the whole record; the loop only continues after a short write.
        const ssize_t n = ::write(m_fd, record.data() + done, record.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int writeErrno = n < 0 ? errno : EIO;
            if (done > 0 && ::ftruncate(m_fd, off_t(m_size)) != 0) {
                m_broken = true;
            }
            errno = writeErrno;
            return ioFailure("writing to the event file failed", m_file);
        }
        done += std::size_t(n);
    }
    m_size += record.size();
    return {};
}

core::Status
EventWriter::addScalar(std::string_view tag, double value, std::int64_t step, std::optional<double> wallTime)
{
    const NamedScalar one{tag, value};
    return addScalars(std::span<const NamedScalar>(&one, 1), step, wallTime);
}

core::Status EventWriter::addScalars(std::span<const NamedScalar> values,
                                     std::int64_t step,
                                     std::optional<double> wallTime)
{
    std::vector<SummaryValueOut> out;
    out.reserve(values.size());
    for (const auto& v : values) {
        if (auto ok = checkTag(v.tag); !ok) {
            return ok;
        }
        out.push_back({v.tag, float(v.value), std::nullopt});
    }
    return appendRecord(encodeSummaryEvent(wallTime.value_or(currentWallTime()), step, out));
}

core::Status EventWriter::addImage(std::string_view tag,
                                   std::string_view encoded,
                                   int width,
                                   int height,
                                   int channels,
                                   std::int64_t step,
                                   std::optional<double> wallTime)
{
    if (auto ok = checkTag(tag); !ok) {
        return ok;
    }
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4 || encoded.empty()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "an image summary needs encoded bytes, a positive size and 1 to 4 channels",
                          std::string(tag));
    }
    const SummaryValueOut value{tag, std::nullopt, ImageContent{height, width, channels, encoded}};
    return appendRecord(encodeSummaryEvent(
        wallTime.value_or(currentWallTime()), step, std::span<const SummaryValueOut>(&value, 1)));
}

core::Status EventWriter::flush()
{
    if (m_fd < 0) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "the event file was already closed", m_file.string());
    }
    if (::fdatasync(m_fd) != 0) {
        return ioFailure("syncing the event file failed", m_file);
    }
    return {};
}

core::Status EventWriter::close()
{
    if (m_fd < 0) {
        return {};
    }
    const core::Status synced = flush();
    ::close(std::exchange(m_fd, -1));
    return synced;
}

} // namespace hdr::tensorboard
