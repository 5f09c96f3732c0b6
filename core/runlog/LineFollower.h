#pragma once

#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hdr::runlog {

struct LineFollowerOptions {
    // A line longer than this is skipped and reported (a hostile or broken file must not make
    // us buffer it).
    std::size_t maxLineBytes = std::size_t(1) << 20;
    // Stop a poll after this many bytes so a huge log loads in slices (LineBatch::caughtUp).
    std::uint64_t maxBytesPerPoll = std::uint64_t(32) << 20;
};

struct LineBatch {
    std::vector<std::string> lines; // complete lines, without '\n' (and a trailing '\r'); empty ones dropped
    std::vector<core::Error> problems;
    // The file was replaced or shrank since the last poll (e.g. metrics.csv rewritten with more
    // columns): reading started again from its first line, and `lines` holds the whole file.
    bool restarted = false;
    bool caughtUp = true; // the poll reached the end of the complete lines
};

// Reads the complete lines a growing text file gains between polls. A partial last line (being
// written, or left by a killed writer) is not consumed: it is read again once its '\n' arrives,
// or dropped if the writer cuts it off. A missing file is an empty batch (a run that has not
// written it yet). The file is opened for each poll, so no descriptor is held between polls.
class LineFollower {
public:
    explicit LineFollower(std::filesystem::path file, LineFollowerOptions options = {});

    core::Result<LineBatch> poll();

    const std::filesystem::path& file() const { return m_file; }
    std::uint64_t offset() const { return m_offset; }

private:
    std::filesystem::path m_file;
    LineFollowerOptions m_options;
    std::uint64_t m_offset = 0;  // just after the last line consumed (or skipped)
    bool m_skippingLine = false; // inside an over-long line: drop bytes up to its '\n'
    std::uint64_t m_device = 0;  // identity of the file read so far, to notice a replacement
    std::uint64_t m_inode = 0;
    std::string m_firstLine; // to notice a rewrite that kept the inode
};

} // namespace hdr::runlog
