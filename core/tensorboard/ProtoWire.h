#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hdr::tensorboard::proto {

// The protocol-buffer wire format (protobuf.dev "Encoding"), only as much as TensorBoard's
// Event/Summary messages need. Written by us so the project does not depend on libprotobuf.
enum class WireType : std::uint8_t {
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3, // proto2 groups: never written here, but skipped when met in unknown fields
    EndGroup = 4,
    Fixed32 = 5,
};

// Appends fields to a byte string. Messages nest by encoding the inner one first and adding it
// with message(): the length prefix has to be known before the bytes.
class ProtoWriter {
public:
    void varint(std::uint32_t field, std::uint64_t value);
    // int32/int64 fields: negative values are sign-extended to ten bytes, as protobuf does.
    void int64(std::uint32_t field, std::int64_t value) { varint(field, std::uint64_t(value)); }
    void fixed64(std::uint32_t field, std::uint64_t value);
    void fixed32(std::uint32_t field, std::uint32_t value);
    void doubleValue(std::uint32_t field, double value);
    void floatValue(std::uint32_t field, float value);
    void bytes(std::uint32_t field, std::string_view value);
    void message(std::uint32_t field, const ProtoWriter& inner) { bytes(field, inner.data()); }

    const std::string& data() const { return m_out; }
    std::string take() { return std::move(m_out); }

private:
    void tag(std::uint32_t field, WireType type);
    void rawVarint(std::uint64_t value);
    void rawLittleEndian(std::uint64_t value, int byteCount);

    std::string m_out;
};

// One field as read from the wire. `bytes` views the reader's buffer (length-delimited fields).
struct ProtoField {
    std::uint32_t number = 0;
    WireType type = WireType::Varint;
    std::uint64_t value = 0; // varint, fixed64 or fixed32 payload
    std::string_view bytes;  // length-delimited payload

    std::int64_t asInt64() const { return std::int64_t(value); }
    double asDouble() const;
    float asFloat() const;
};

// Walks the fields of one message. Every length is checked against the bytes that remain, so a
// hostile length can neither read past the buffer nor make anyone allocate it. Malformed input
// (truncated varint or field, varint over ten bytes, field number 0, wire types 6/7, unbalanced
// groups) throws core::HdrError with ErrorCode::CorruptData; `what` names the message in the text.
// Groups in unknown fields are skipped whole (they cannot be returned as one field).
class ProtoReader {
public:
    explicit ProtoReader(std::string_view data, const char* what = "protobuf message")
        : m_data(data)
        , m_what(what)
    {
    }

    // Reads the next field into `field`; false at the end of the message.
    bool next(ProtoField& field);

    // For the body of a packed repeated varint field: the entries one after another, no keys.
    bool atEnd() const { return m_pos >= m_data.size(); }
    std::uint64_t readVarint();

private:
    std::uint64_t readLittleEndian(int byteCount);
    void skipGroup(std::uint32_t number, int depth);
    [[noreturn]] void corrupt(const char* problem) const;

    std::string_view m_data;
    std::size_t m_pos = 0;
    const char* m_what;
};

} // namespace hdr::tensorboard::proto
