#include "tensorboard/SummaryTensor.h"

#include "common/Error.h"
#include "tensorboard/ProtoWire.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <string>

namespace hdr::tensorboard {

using proto::ProtoField;
using proto::ProtoReader;
using proto::WireType;

namespace {

namespace TensorField {
constexpr std::uint32_t DType = 1, Shape = 2, Content = 4, FloatVal = 5, DoubleVal = 6, IntVal = 7,
                        StringVal = 8, Int64Val = 10, BoolVal = 11, HalfVal = 13, UInt32Val = 16,
                        UInt64Val = 17;
}
constexpr std::uint32_t kShapeDim = 2, kShapeUnknownRank = 3, kDimSize = 1;

// How many entries a repeated numeric field had in total, and the first one's raw bits.
struct NumberList {
    std::uint64_t count = 0;
    std::uint64_t first = 0;

    void add(std::uint64_t raw)
    {
        if (count++ == 0) {
            first = raw;
        }
    }
};

// One occurrence of a repeated numeric field: packed (a length-delimited blob) or a single entry.
void collect(NumberList& list, const ProtoField& f, WireType elementType)
{
    if (f.type == elementType) {
        list.add(f.value);
        return;
    }
    if (f.type != WireType::LengthDelimited) {
        return; // any other wire type: protobuf treats the field as unknown
    }
    if (elementType == WireType::Varint) {
        ProtoReader packed(f.bytes, "TensorProto packed list");
        while (!packed.atEnd()) {
            list.add(packed.readVarint());
        }
        return;
    }
    const std::size_t width = elementType == WireType::Fixed64 ? 8 : 4;
    if (f.bytes.size() % width != 0) {
        core::throwError(core::ErrorCode::CorruptData,
                         "TensorProto is malformed: a packed list of " + std::to_string(width) +
                             "-byte numbers has " + std::to_string(f.bytes.size()) + " bytes");
    }
    for (std::size_t at = 0; at < f.bytes.size(); at += width) {
        std::uint64_t raw = 0;
        for (std::size_t i = 0; i < width; ++i) {
            raw |= std::uint64_t(std::uint8_t(f.bytes[at + i])) << (8 * i);
        }
        list.add(raw);
    }
}

enum class Interpretation { Float32, Float64, Signed, Unsigned, Bool, Half, BFloat16 };

struct DTypeLayout {
    NumberList* list;  // the *_val field TensorFlow uses for this dtype
    std::size_t width; // bytes per element in tensor_content
    Interpretation interpretation;
};

double halfToDouble(std::uint16_t bits)
{
    const int exponent = (bits >> 10) & 0x1F;
    const int mantissa = bits & 0x3FF;
    double magnitude = 0;
    if (exponent == 0) {
        magnitude = std::ldexp(double(mantissa), -24); // zero and subnormals
    } else if (exponent == 31) {
        magnitude = mantissa ? NAN : INFINITY;
    } else {
        magnitude = std::ldexp(double(mantissa + 1024), exponent - 25);
    }
    return (bits & 0x8000) ? -magnitude : magnitude;
}

double interpret(std::uint64_t raw, const DTypeLayout& layout)
{
    const unsigned bits = unsigned(layout.width * 8);
    const std::uint64_t low = bits >= 64 ? raw : raw & ((std::uint64_t(1) << bits) - 1);
    switch (layout.interpretation) {
    case Interpretation::Float32: return std::bit_cast<float>(std::uint32_t(low));
    case Interpretation::Float64: return std::bit_cast<double>(low);
    case Interpretation::Unsigned: return double(low);
    case Interpretation::Bool: return low != 0 ? 1.0 : 0.0;
    case Interpretation::Half: return halfToDouble(std::uint16_t(low));
    case Interpretation::BFloat16: return std::bit_cast<float>(std::uint32_t(low) << 16);
    case Interpretation::Signed: {
        const unsigned unused = 64 - bits; // sign-extend from the element width
        return double(std::int64_t(low << unused) >> unused);
    }
    }
    return 0;
}

std::optional<std::int64_t> parsePositive(std::string_view text)
{
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::optional<double> decodeScalarTensor(std::string_view tensorProto)
{
    std::int64_t dtype = 0;
    bool oneElement = true;
    std::string_view content;
    NumberList floats, doubles, ints, int64s, bools, halves, uint32s, uint64s;

    ProtoReader reader(tensorProto, "TensorProto");
    ProtoField f;
    while (reader.next(f)) {
        switch (f.number) {
        case TensorField::DType:
            if (f.type == WireType::Varint) dtype = f.asInt64();
            break;
        case TensorField::Shape:
            if (f.type == WireType::LengthDelimited) {
                ProtoReader shape(f.bytes, "TensorShapeProto");
                ProtoField s;
                while (shape.next(s)) {
                    if (s.number == kShapeUnknownRank && s.type == WireType::Varint && s.value != 0) {
                        oneElement = false;
                    } else if (s.number == kShapeDim && s.type == WireType::LengthDelimited) {
                        ProtoReader dim(s.bytes, "TensorShapeProto.Dim");
                        ProtoField d;
                        std::int64_t size = 0; // proto3 default when the field is absent
                        while (dim.next(d)) {
                            if (d.number == kDimSize && d.type == WireType::Varint) size = d.asInt64();
                        }
                        oneElement = oneElement && size == 1;
                    }
                }
            }
            break;
        case TensorField::Content:
            if (f.type == WireType::LengthDelimited) content = f.bytes;
            break;
        case TensorField::FloatVal: collect(floats, f, WireType::Fixed32); break;
        case TensorField::DoubleVal: collect(doubles, f, WireType::Fixed64); break;
        case TensorField::IntVal: collect(ints, f, WireType::Varint); break;
        case TensorField::Int64Val: collect(int64s, f, WireType::Varint); break;
        case TensorField::BoolVal: collect(bools, f, WireType::Varint); break;
        case TensorField::HalfVal: collect(halves, f, WireType::Varint); break;
        case TensorField::UInt32Val: collect(uint32s, f, WireType::Varint); break;
        case TensorField::UInt64Val: collect(uint64s, f, WireType::Varint); break;
        default: break;
        }
    }
    if (!oneElement) {
        return std::nullopt;
    }
    DTypeLayout layout{nullptr, 0, Interpretation::Float32};
    switch (TensorDType(dtype)) {
    case TensorDType::Float: layout = {&floats, 4, Interpretation::Float32}; break;
    case TensorDType::Double: layout = {&doubles, 8, Interpretation::Float64}; break;
    case TensorDType::Int32: layout = {&ints, 4, Interpretation::Signed}; break;
    case TensorDType::UInt8: layout = {&ints, 1, Interpretation::Unsigned}; break;
    case TensorDType::Int16: layout = {&ints, 2, Interpretation::Signed}; break;
    case TensorDType::Int8: layout = {&ints, 1, Interpretation::Signed}; break;
    case TensorDType::UInt16: layout = {&ints, 2, Interpretation::Unsigned}; break;
    case TensorDType::Int64: layout = {&int64s, 8, Interpretation::Signed}; break;
    case TensorDType::Bool: layout = {&bools, 1, Interpretation::Bool}; break;
    case TensorDType::BFloat16: layout = {&halves, 2, Interpretation::BFloat16}; break;
    case TensorDType::Half: layout = {&halves, 2, Interpretation::Half}; break;
    case TensorDType::UInt32: layout = {&uint32s, 4, Interpretation::Unsigned}; break;
    case TensorDType::UInt64: layout = {&uint64s, 8, Interpretation::Unsigned}; break;
    default: return std::nullopt; // strings, complex numbers, resources, unknown types
    }
    if (!content.empty()) {
        if (content.size() != layout.width) {
            return std::nullopt;
        }
        std::uint64_t raw = 0;
        for (std::size_t i = 0; i < layout.width; ++i) {
            raw |= std::uint64_t(std::uint8_t(content[i])) << (8 * i);
        }
        return interpret(raw, layout);
    }
    if (layout.list->count > 1) {
        return std::nullopt;
    }
    return interpret(layout.list->first, layout); // count 0: the element is the default, 0
}

bool forEachImageInTensor(
    std::string_view tensorProto,
    const std::function<
        void(std::int64_t width, std::int64_t height, std::string_view encoded, std::int64_t index)>& visit)
{
    // First pass: the dtype and the two size strings, wherever they are in the wire order.
    std::int64_t dtype = 0;
    std::optional<std::int64_t> width, height;
    int strings = 0;
    {
        ProtoReader reader(tensorProto, "TensorProto");
        ProtoField f;
        while (reader.next(f)) {
            if (f.number == TensorField::DType && f.type == WireType::Varint) {
                dtype = f.asInt64();
            } else if (f.number == TensorField::StringVal && f.type == WireType::LengthDelimited) {
                if (strings == 0) width = parsePositive(f.bytes);
                if (strings == 1) height = parsePositive(f.bytes);
                ++strings;
            }
        }
    }
    if (TensorDType(dtype) != TensorDType::String || !width || !height) {
        return false;
    }
    ProtoReader reader(tensorProto, "TensorProto");
    ProtoField f;
    std::int64_t index = -2; // the first two strings are the sizes
    while (reader.next(f)) {
        if (f.number == TensorField::StringVal && f.type == WireType::LengthDelimited) {
            if (index >= 0) {
                visit(*width, *height, f.bytes, index);
            }
            ++index;
        }
    }
    return true;
}

} // namespace hdr::tensorboard
