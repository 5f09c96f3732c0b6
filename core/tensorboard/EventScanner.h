#pragma once

// Internal to hdr_tensorboard: the record loop shared by file and in-memory reading.

#include "common/Error.h"
#include "tensorboard/EventReader.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace hdr::tensorboard::detail {

// Random access to the bytes of an event file. read() fills exactly `size` bytes or throws
// core::HdrError (IoError).
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::uint64_t size() const = 0;
    virtual void read(std::uint64_t offset, char* out, std::size_t size) = 0;
};

// Consumes complete records from state.offset on and appends what they hold to `batch` (see
// EventFileFollower for the rules). `stopAfterOne` reads a single record. Returns the error that
// stopped it (damaged length, oversized record), if any; state.offset then stays at that record.
std::optional<core::Error> scanRecords(ByteSource& source,
                                       ScanState& state,
                                       const ReaderOptions& options,
                                       std::string_view name,
                                       EventBatch& batch,
                                       bool stopAfterOne = false);

} // namespace hdr::tensorboard::detail
