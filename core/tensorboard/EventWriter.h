#pragma once

#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hdr::tensorboard {

struct WriterOptions {
    std::string filenameSuffix; // appended to the file name, as PyTorch's filename_suffix
    std::string hostname;       // for the file name; empty: this machine's name
};

struct NamedScalar {
    std::string_view tag;
    double value = 0;
};

// Writes a TensorBoard event file that TensorBoard, PyTorch's readers and our EventFileFollower
// read: <logDir>/events.out.tfevents.<unix seconds>.<hostname>.<pid>.<counter><suffix>, starting
// with Event{file_version: "brain.Event:2"}.
//
// Visibility and crashes: every add*() frames its event as one TFRecord and hands it to the kernel
// with a single write() before returning, with no buffering of our own, so a reader in another
// process sees it at once. flush() additionally syncs the file to disk (fdatasync). A crash can
// therefore only leave an incomplete record at the end of the file, which readers wait on or
// ignore; a failed write (disk full) is cut off again with ftruncate, and if even that fails the
// writer refuses further records so the torn one stays last.
// The file is an append log, not written through core::AtomicOutputFile, because the dashboard
// must see it while training runs; a new writer never appends to an existing file.
//
// Scalars are stored as simple_value (float32, PyTorch's default), which every TensorBoard reads;
// doubles outside float range become ±inf. Not thread-safe: use from one thread at a time.
class EventWriter {
public:
    static core::Result<EventWriter> create(const std::filesystem::path& logDir, WriterOptions options = {});

    EventWriter(EventWriter&& other) noexcept;
    EventWriter& operator=(EventWriter&& other) noexcept;
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;
    ~EventWriter();

    // wallTime: seconds since the Unix epoch; now when not given.
    core::Status addScalar(std::string_view tag,
                           double value,
                           std::int64_t step,
                           std::optional<double> wallTime = std::nullopt);
    // Several scalars of one step in one event (one record, one write).
    core::Status addScalars(std::span<const NamedScalar> values,
                            std::int64_t step,
                            std::optional<double> wallTime = std::nullopt);
    // `encoded` is an already-encoded PNG of width x height with `channels` (1 gray, 2 gray+alpha,
    // 3 RGB, 4 RGBA), stored as a legacy Summary.Image as PyTorch's add_image does.
    core::Status addImage(std::string_view tag,
                          std::string_view encoded,
                          int width,
                          int height,
                          int channels,
                          std::int64_t step,
                          std::optional<double> wallTime = std::nullopt);

    core::Status flush(); // fdatasync: what was added survives a power loss
    core::Status close(); // flush and close; later adds fail

    const std::filesystem::path& file() const { return m_file; }

private:
    EventWriter(std::filesystem::path file, int fd, std::uint64_t size);
    core::Status appendRecord(std::string_view payload);

    std::filesystem::path m_file;
    int m_fd = -1;
    std::uint64_t m_size = 0; // bytes of complete records in the file
    bool m_broken = false;    // a torn record could not be cut off: refuse to write after it
};

// Seconds since the Unix epoch, with microseconds, as TensorBoard's wall_time.
double currentWallTime();

} // namespace hdr::tensorboard
