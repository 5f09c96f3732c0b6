#pragma once

#include "common/Error.h"
#include "tensorboard/RecordFraming.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::tensorboard {

// What the dashboards read from event files: scalars (legacy simple_value, or the "scalars"
// plugin's one-element tensors that PyTorch new_style and TensorFlow 2 write) and images (legacy
// Summary.Image, or the "images" plugin's string tensors). Text, histograms, audio, graphs and
// other plugins are skipped without error.
struct ScalarPoint {
    std::string tag;
    std::int64_t step = 0;
    double wallTime = 0;
    double value = 0;
};

struct ImageRecord {
    std::string tag;
    std::int64_t step = 0;
    double wallTime = 0;
    std::string encoded; // PNG bytes as written; empty when ReaderOptions::keepImageBytes is off
    std::int64_t width = 0;
    std::int64_t height = 0;
    std::int64_t channels = 0;      // Summary.Image colorspace (1..4); 0 when the writer did not say
    int sample = 0;                 // index within one event (the images plugin can hold several)
    std::uint64_t recordOffset = 0; // byte offset of the record: readImagesAt() loads it again
};

struct ReaderOptions {
    // Larger records are refused (LimitExceeded) rather than read: a hostile length field must
    // not make us allocate it. The default, 256 MiB, is also the writer's limit.
    std::uint64_t maxRecordBytes = kDefaultMaxRecordBytes;
    // Scalars + images one event may yield; an event with more is skipped as hostile.
    std::uint64_t maxOutputsPerEvent = 100000;
    // Stop a poll once this many bytes of records were consumed (0: no limit), so a UI can load
    // a huge file in slices; EventBatch::caughtUp says whether the end was reached.
    std::uint64_t maxBytesPerPoll = 0;
    // Off: image records carry everything but their bytes (load them lazily with readImagesAt).
    bool keepImageBytes = true;
};

struct EventBatch {
    std::vector<ScalarPoint> scalars;
    std::vector<ImageRecord> images;
    // Records that could not be read, each an error naming the file and byte offset: skipped ones
    // (bad payload checksum, malformed protobuf, too many values), and last the error that
    // stopped this poll, if one did after some records were read.
    std::vector<core::Error> problems;
    std::uint64_t eventsRead = 0;
    bool caughtUp = false; // the poll stopped at the end of the complete records
};

namespace detail {
// Where a follower stands: the end of the last consumed record, and what earlier records said
// that later ones rely on.
struct ScanState {
    std::uint64_t offset = 0;
    std::string fileVersion;
    // TensorFlow's writers send a tag's SummaryMetadata (which plugin owns it) only with its first
    // value (tensorboard summary/writer: "strip metadata from values with tags seen before").
    std::map<std::string, std::string, std::less<>> pluginByTag;
};
} // namespace detail

// Reads a growing event file incrementally. Each poll() reads the complete records after the
// last one it consumed and returns what they hold.
//  - An incomplete last record (the writer is still writing it, or crashed mid-write) is not an
//    error: it is left for the next poll.
//  - A record whose length checksum matches but whose payload checksum or protobuf is bad is
//    skipped and reported in EventBatch::problems; reading continues after it, since its length
//    is known to be right.
//  - A damaged length (length checksum mismatch) or a length over maxRecordBytes stops the
//    reader, since nothing after it can be located. A poll that read records before that point
//    returns them with the error last in EventBatch::problems; a poll that could read nothing
//    returns the error itself (CorruptData or LimitExceeded, naming file and byte offset). The
//    reader stays at that record, so every later poll returns the same error.
//  - A file shorter than what was already read (replaced or truncated) is a CorruptData error.
// The file is opened for each poll, so no descriptor is held between polls.
class EventFileFollower {
public:
    explicit EventFileFollower(std::filesystem::path file, ReaderOptions options = {});

    core::Result<EventBatch> poll();

    // The images of the record at `recordOffset` (an ImageRecord::recordOffset from an earlier
    // poll), bytes included: the lazy half of ReaderOptions::keepImageBytes = false.
    core::Result<std::vector<ImageRecord>> loadImages(std::uint64_t recordOffset) const;

    const std::filesystem::path& file() const { return m_file; }
    std::uint64_t offset() const { return m_state.offset; }                // end of the last record consumed
    const std::string& fileVersion() const { return m_state.fileVersion; } // "brain.Event:2" once read

private:
    std::filesystem::path m_file;
    ReaderOptions m_options;
    detail::ScanState m_state;
};

// The whole file in one go (one poll from the start).
core::Result<EventBatch> readEventFile(const std::filesystem::path& file, const ReaderOptions& options = {});

// The same reading over bytes already in memory; `name` stands in for the file name in errors.
core::Result<EventBatch>
readEventBytes(std::string_view bytes, std::string_view name, const ReaderOptions& options = {});

} // namespace hdr::tensorboard
