#include "tensorboard/EventScanner.h"

#include "tensorboard/EventProto.h"
#include "tensorboard/RecordFraming.h"
#include "tensorboard/SummaryTensor.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <iterator>
#include <new>
#include <string>
#include <vector>

namespace hdr::tensorboard::detail {

namespace {

constexpr std::string_view kScalarsPlugin = "scalars";
constexpr std::string_view kImagesPlugin = "images";

std::string recordAt(std::uint64_t offset, std::string_view name)
{
    return "Record at byte offset " + std::to_string(offset) + " of " +
           std::filesystem::path(name).filename().string();
}

std::string_view pluginOf(const SummaryValueView& value, ScanState& state)
{
    if (!value.pluginName.empty()) {
        const auto it = state.pluginByTag.find(value.tag);
        if (it == state.pluginByTag.end()) {
            state.pluginByTag.emplace(std::string(value.tag), std::string(value.pluginName));
        } else if (it->second != value.pluginName) {
            it->second = std::string(value.pluginName);
        }
        return value.pluginName;
    }
    const auto it = state.pluginByTag.find(value.tag);
    return it == state.pluginByTag.end() ? std::string_view() : std::string_view(it->second);
}

// One record's event, all or nothing: outputs are collected aside and appended to `batch` only
// when the whole event decoded; anything malformed throws core::HdrError.
void decodeRecord(std::string_view payload,
                  std::uint64_t recordOffset,
                  ScanState& state,
                  const ReaderOptions& options,
                  EventBatch& batch)
{
    const EventHeader header = decodeEventHeader(payload);
    if (!header.fileVersion.empty()) {
        state.fileVersion = std::string(header.fileVersion);
    }
    if (!header.hasSummary) {
        return;
    }
    std::vector<ScalarPoint> scalars;
    std::vector<ImageRecord> images;
    std::uint64_t outputs = 0;
    const auto countOutput = [&] {
        if (++outputs > options.maxOutputsPerEvent) {
            core::throwError(core::ErrorCode::LimitExceeded,
                             "the event holds more than " + std::to_string(options.maxOutputsPerEvent) +
                                 " values");
        }
    };
    const auto addImage = [&](std::string_view tag,
                              std::int64_t width,
                              std::int64_t height,
                              std::int64_t channels,
                              std::string_view encoded,
                              std::int64_t sample) {
        countOutput();
        ImageRecord image;
        image.tag = std::string(tag);
        image.step = header.step;
        image.wallTime = header.wallTime;
        if (options.keepImageBytes) {
            image.encoded = std::string(encoded);
        }
        image.width = width;
        image.height = height;
        image.channels = channels;
        image.sample = int(std::min<std::int64_t>(sample, INT_MAX));
        image.recordOffset = recordOffset;
        images.push_back(std::move(image));
    };

    forEachSummaryValue(payload, [&](const SummaryValueView& value) {
        // Only tensors need the plugin; a value that declares one is remembered whatever it is.
        const std::string_view plugin = value.kind == ValueKind::Tensor || !value.pluginName.empty()
                                            ? pluginOf(value, state)
                                            : std::string_view();
        switch (value.kind) {
        case ValueKind::SimpleValue:
            countOutput();
            scalars.push_back(
                {std::string(value.tag), header.step, header.wallTime, double(value.simpleValue)});
            break;
        case ValueKind::Image:
            addImage(value.tag,
                     value.image.width,
                     value.image.height,
                     value.image.colorspace,
                     value.image.encoded,
                     0);
            break;
        case ValueKind::Tensor:
            if (plugin == kScalarsPlugin) {
                const auto number = decodeScalarTensor(value.tensor);
                if (!number) {
                    core::throwError(core::ErrorCode::CorruptData,
                                     "the scalar \"" + std::string(value.tag) +
                                         "\" is not a one-element numeric tensor");
                }
                countOutput();
                scalars.push_back({std::string(value.tag), header.step, header.wallTime, *number});
            } else if (plugin == kImagesPlugin) {
                const bool isImages = forEachImageInTensor(
                    value.tensor,
                    [&](std::int64_t width,
                        std::int64_t height,
                        std::string_view encoded,
                        std::int64_t index) { addImage(value.tag, width, height, 0, encoded, index); });
                if (!isImages) {
                    core::throwError(core::ErrorCode::CorruptData,
                                     "the image \"" + std::string(value.tag) +
                                         "\" is not a string tensor [width, height, images...]");
                }
            }
            break; // text, histograms, hparams, ...: other dashboards
        case ValueKind::Other:
        case ValueKind::None: break;
        }
    });
    batch.scalars.insert(batch.scalars.end(),
                         std::make_move_iterator(scalars.begin()),
                         std::make_move_iterator(scalars.end()));
    batch.images.insert(
        batch.images.end(), std::make_move_iterator(images.begin()), std::make_move_iterator(images.end()));
}

} // namespace

std::optional<core::Error> scanRecords(ByteSource& source,
                                       ScanState& state,
                                       const ReaderOptions& options,
                                       std::string_view name,
                                       EventBatch& batch,
                                       bool stopAfterOne)
{
    const auto error = [&](core::ErrorCode code, std::string message) {
        return core::Error{code, std::move(message), std::string(name)};
    };
    // state.offset moves past a record only once it was read in full, so an exception (a read
    // error, no memory) leaves the reader at the first record it could not finish.
    try {
        const std::uint64_t size = source.size();
        if (size < state.offset) {
            return error(core::ErrorCode::CorruptData,
                         "The event file " + std::filesystem::path(name).filename().string() +
                             " is shorter than what was already read from it (truncated or replaced); "
                             "reopen the run.");
        }
        std::uint64_t consumed = 0;
        std::string header(kRecordHeaderBytes, '\0');
        std::string body;
        for (;;) {
            const std::uint64_t offset = state.offset;
            const std::uint64_t remaining = size - offset;
            if (remaining < kRecordHeaderBytes) {
                batch.caughtUp = true; // nothing left, or a header still being written
                return std::nullopt;
            }
            source.read(offset, header.data(), kRecordHeaderBytes);
            const RecordHeader record = parseRecordHeader(header);
            if (!record.lengthChecksumOk) {
                return error(core::ErrorCode::CorruptData,
                             recordAt(offset, name) +
                                 " has a damaged length field (checksum mismatch), so the records after it "
                                 "cannot be located; the file is corrupt from there on.");
            }
            if (record.payloadBytes > options.maxRecordBytes) {
                return error(core::ErrorCode::LimitExceeded,
                             recordAt(offset, name) + " claims " + std::to_string(record.payloadBytes) +
                                 " bytes, more than the limit of " + std::to_string(options.maxRecordBytes) +
                                 " bytes for one record.");
            }
            const std::uint64_t afterHeader = remaining - kRecordHeaderBytes;
            if (afterHeader < kRecordFooterBytes || afterHeader - kRecordFooterBytes < record.payloadBytes) {
                batch.caughtUp = true; // the last record is incomplete: the writer is still at it
                return std::nullopt;
            }
            body.resize(std::size_t(record.payloadBytes) + kRecordFooterBytes);
            source.read(offset + kRecordHeaderBytes, body.data(), body.size());
            const std::string_view payload(body.data(), std::size_t(record.payloadBytes));
            const std::string_view footer(body.data() + payload.size(), kRecordFooterBytes);
            state.offset = offset + kRecordOverheadBytes + record.payloadBytes;
            consumed += kRecordOverheadBytes + record.payloadBytes;

            if (!payloadChecksumOk(payload, footer)) {
                batch.problems.push_back(
                    error(core::ErrorCode::CorruptData,
                          recordAt(offset, name) + " has a bad checksum (damaged data); it was skipped."));
            } else {
                try {
                    decodeRecord(payload, offset, state, options, batch);
                    ++batch.eventsRead;
                } catch (const core::HdrError& e) {
                    batch.problems.push_back(error(
                        e.error().code, recordAt(offset, name) + " was skipped: " + e.error().message + "."));
                } catch (const std::bad_alloc&) {
                    batch.problems.push_back(
                        error(core::ErrorCode::LimitExceeded,
                              recordAt(offset, name) + " was skipped: not enough memory to decode it."));
                }
            }
            if (stopAfterOne || (options.maxBytesPerPoll != 0 && consumed >= options.maxBytesPerPoll)) {
                batch.caughtUp = state.offset == size;
                return std::nullopt;
            }
        }
    } catch (const core::HdrError& e) {
        return e.error();
    } catch (const std::bad_alloc&) {
        return error(core::ErrorCode::LimitExceeded,
                     recordAt(state.offset, name) + " could not be read: not enough memory.");
    }
}

} // namespace hdr::tensorboard::detail
