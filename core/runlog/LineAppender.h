#pragma once

#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hdr::runlog {

// Appends whole lines to a log file that other processes read while it grows (train_log.csv,
// train_log.jsonl, metrics.csv).
//  - Each line goes to the kernel with one write() of "line\n" and no buffering of ours, so a
//    reader in another process sees it at once and never sees half of it (a reader must still
//    tolerate a partial last line: a crash or a full disk can cut a write short).
//  - open() repairs what a killed writer left: bytes after the last '\n' (a partial line) are
//    cut off, so appending after a resume continues on a clean line boundary.
//  - A write that fails part-way is cut off again with ftruncate; if even that fails the appender
//    refuses further lines so the torn one stays last, where readers ignore it.
// The file is an append log, not an AtomicOutputFile, because readers must see it while training
// runs. Not thread-safe.
class LineAppender {
public:
    static core::Result<LineAppender> open(const std::filesystem::path& file);

    LineAppender(LineAppender&& other) noexcept;
    LineAppender& operator=(LineAppender&& other) noexcept;
    LineAppender(const LineAppender&) = delete;
    LineAppender& operator=(const LineAppender&) = delete;
    ~LineAppender();

    // `line` must not contain '\n' (InvalidArgument otherwise).
    core::Status append(std::string_view line);
    core::Status sync(); // fdatasync
    void close();

    std::uint64_t size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    const std::filesystem::path& file() const { return m_file; }
    // How many bytes open() cut off (a partial last line), for the trainer's log.
    std::uint64_t repairedBytes() const { return m_repaired; }

private:
    LineAppender(std::filesystem::path file, int fd, std::uint64_t size, std::uint64_t repaired);

    std::filesystem::path m_file;
    int m_fd = -1;
    std::uint64_t m_size = 0;
    std::uint64_t m_repaired = 0;
    bool m_broken = false;
};

// The first line of a text file (without '\n'), at most maxBytes long; empty when the file is
// empty or has no complete first line. IoError when it cannot be read, LimitExceeded when the
// line is longer than maxBytes.
core::Result<std::string> readFirstLine(const std::filesystem::path& file, std::size_t maxBytes);

} // namespace hdr::runlog
