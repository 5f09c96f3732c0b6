#include "tensorboard/EventProto.h"

#include "tensorboard/ProtoWire.h"

namespace hdr::tensorboard {

using proto::ProtoField;
using proto::ProtoReader;
using proto::ProtoWriter;
using proto::WireType;

namespace {

namespace EventField {
constexpr std::uint32_t WallTime = 1, Step = 2, FileVersion = 3, Summary = 5;
}
namespace ValueField {
constexpr std::uint32_t Tag = 1, SimpleValue = 2, OldHistogram = 3, Image = 4, Histo = 5, Audio = 6,
                        Tensor = 8, Metadata = 9;
}
namespace ImageField {
constexpr std::uint32_t Height = 1, Width = 2, Colorspace = 3, Encoded = 4;
}
constexpr std::uint32_t kSummaryValue = 1; // Summary.value
constexpr std::uint32_t kPluginData = 1;   // SummaryMetadata.plugin_data
constexpr std::uint32_t kPluginName = 1;   // PluginData.plugin_name

bool is(const ProtoField& f, std::uint32_t number, WireType type)
{
    return f.number == number && f.type == type;
}

ImageContent decodeImage(std::string_view bytes)
{
    ImageContent image;
    ProtoReader reader(bytes, "Summary.Image");
    ProtoField f;
    while (reader.next(f)) {
        if (is(f, ImageField::Height, WireType::Varint)) {
            image.height = f.asInt64();
        } else if (is(f, ImageField::Width, WireType::Varint)) {
            image.width = f.asInt64();
        } else if (is(f, ImageField::Colorspace, WireType::Varint)) {
            image.colorspace = f.asInt64();
        } else if (is(f, ImageField::Encoded, WireType::LengthDelimited)) {
            image.encoded = f.bytes;
        }
    }
    return image;
}

std::string_view decodePluginName(std::string_view metadata)
{
    std::string_view name;
    ProtoReader reader(metadata, "SummaryMetadata");
    ProtoField f;
    while (reader.next(f)) {
        if (is(f, kPluginData, WireType::LengthDelimited)) {
            ProtoReader plugin(f.bytes, "SummaryMetadata.PluginData");
            ProtoField p;
            while (plugin.next(p)) {
                if (is(p, kPluginName, WireType::LengthDelimited)) {
                    name = p.bytes;
                }
            }
        }
    }
    return name;
}

SummaryValueView decodeValue(std::string_view bytes)
{
    SummaryValueView value;
    ProtoReader reader(bytes, "Summary.Value");
    ProtoField f;
    while (reader.next(f)) {
        if (is(f, ValueField::Tag, WireType::LengthDelimited)) {
            value.tag = f.bytes;
        } else if (is(f, ValueField::SimpleValue, WireType::Fixed32)) {
            value.kind = ValueKind::SimpleValue;
            value.simpleValue = f.asFloat();
        } else if (is(f, ValueField::Image, WireType::LengthDelimited)) {
            value.kind = ValueKind::Image;
            value.image = decodeImage(f.bytes);
        } else if (is(f, ValueField::Tensor, WireType::LengthDelimited)) {
            value.kind = ValueKind::Tensor;
            value.tensor = f.bytes;
        } else if (is(f, ValueField::Metadata, WireType::LengthDelimited)) {
            value.pluginName = decodePluginName(f.bytes);
        } else if (f.number == ValueField::OldHistogram || f.number == ValueField::Histo ||
                   f.number == ValueField::Audio) {
            value.kind = ValueKind::Other; // histograms and audio: other dashboards
        }
    }
    return value;
}

} // namespace

std::string encodeFileVersionEvent(double wallTime)
{
    ProtoWriter event;
    event.doubleValue(EventField::WallTime, wallTime);
    event.bytes(EventField::FileVersion, kFileVersion);
    return event.take();
}

std::string encodeSummaryEvent(double wallTime, std::int64_t step, std::span<const SummaryValueOut> values)
{
    ProtoWriter summary;
    for (const auto& v : values) {
        ProtoWriter value;
        value.bytes(ValueField::Tag, v.tag);
        if (v.simpleValue) {
            value.floatValue(ValueField::SimpleValue, *v.simpleValue);
        } else if (v.image) {
            ProtoWriter image;
            image.int64(ImageField::Height, v.image->height);
            image.int64(ImageField::Width, v.image->width);
            image.int64(ImageField::Colorspace, v.image->colorspace);
            image.bytes(ImageField::Encoded, v.image->encoded);
            value.message(ValueField::Image, image);
        }
        summary.message(kSummaryValue, value);
    }
    ProtoWriter event;
    event.doubleValue(EventField::WallTime, wallTime);
    event.int64(EventField::Step, step);
    event.message(EventField::Summary, summary);
    return event.take();
}

EventHeader decodeEventHeader(std::string_view payload)
{
    EventHeader header;
    ProtoReader reader(payload, "Event");
    ProtoField f;
    while (reader.next(f)) {
        if (is(f, EventField::WallTime, WireType::Fixed64)) {
            header.wallTime = f.asDouble();
        } else if (is(f, EventField::Step, WireType::Varint)) {
            header.step = f.asInt64();
        } else if (is(f, EventField::FileVersion, WireType::LengthDelimited)) {
            header.fileVersion = f.bytes;
        } else if (is(f, EventField::Summary, WireType::LengthDelimited)) {
            header.hasSummary = true;
        }
    }
    return header;
}

void forEachSummaryValue(std::string_view payload, const std::function<void(const SummaryValueView&)>& visit)
{
    // `summary` is a singular message field, but protobuf merges repeated occurrences, which for
    // Summary means concatenating their values: visit every occurrence in order.
    ProtoReader reader(payload, "Event");
    ProtoField f;
    while (reader.next(f)) {
        if (!is(f, EventField::Summary, WireType::LengthDelimited)) {
            continue;
        }
        ProtoReader summary(f.bytes, "Summary");
        ProtoField v;
        while (summary.next(v)) {
            if (is(v, kSummaryValue, WireType::LengthDelimited)) {
                visit(decodeValue(v.bytes));
            }
        }
    }
}

} // namespace hdr::tensorboard
