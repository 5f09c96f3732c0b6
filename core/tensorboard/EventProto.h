#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hdr::tensorboard {

// Encoding and decoding of TensorBoard's Event and Summary messages, field numbers as in
// tensorboard compat/proto/event.proto and summary.proto (see docs reference hdr.md §4.3):
//   Event         wall_time 1 (double), step 2 (int64), file_version 3 (string), summary 5
//   Summary       value 1 (repeated Summary.Value)
//   Summary.Value tag 1, oneof {simple_value 2 (float), image 4, histo 5, audio 6, tensor 8, ...},
//                 metadata 9 (SummaryMetadata: plugin_data 1 { plugin_name 1 })
//   Summary.Image height 1, width 2, colorspace 3, encoded_image_string 4
// Decoding views the payload (no copies); fields we do not use are skipped, and malformed wire
// data throws core::HdrError (CorruptData).

inline constexpr std::string_view kFileVersion = "brain.Event:2";

struct ImageContent {
    std::int64_t height = 0;
    std::int64_t width = 0;
    std::int64_t colorspace = 0; // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    std::string_view encoded;    // PNG (or any image the browser can decode) bytes
};

// --- writing -----------------------------------------------------------------------------------

struct SummaryValueOut {
    std::string_view tag;
    std::optional<float> simpleValue; // exactly one of simpleValue / image is set
    std::optional<ImageContent> image;
};

// Event{wall_time, file_version}: the first record of every event file.
std::string encodeFileVersionEvent(double wallTime);
// Event{wall_time, step, summary{values...}}.
std::string encodeSummaryEvent(double wallTime, std::int64_t step, std::span<const SummaryValueOut> values);

// --- reading -----------------------------------------------------------------------------------

struct EventHeader {
    double wallTime = 0;
    std::int64_t step = 0;
    std::string_view fileVersion; // empty unless this is a file-version event
    bool hasSummary = false;
};

// Which member of Summary.Value's oneof the wire held last (protobuf: the last one wins).
enum class ValueKind { None, SimpleValue, Image, Tensor, Other };

struct SummaryValueView {
    std::string_view tag;
    ValueKind kind = ValueKind::None;
    float simpleValue = 0;
    ImageContent image;
    std::string_view tensor;     // raw TensorProto bytes (decode with SummaryTensor.h)
    std::string_view pluginName; // metadata.plugin_data.plugin_name; empty when absent
};

EventHeader decodeEventHeader(std::string_view payload);

// Calls `visit` for every Summary.Value of the event, in wire order. Streams instead of returning
// a vector, so a record packed with tiny values cannot multiply into a huge allocation.
void forEachSummaryValue(std::string_view payload, const std::function<void(const SummaryValueView&)>& visit);

} // namespace hdr::tensorboard
