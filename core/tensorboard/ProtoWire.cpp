#include "tensorboard/ProtoWire.h"

#include "common/Error.h"

#include <bit>
#include <string>

namespace hdr::tensorboard::proto {

namespace {
constexpr int kMaxVarintBytes = 10; // 64 bits at 7 bits per byte
constexpr int kMaxGroupDepth = 64;  // protobuf's own default recursion limit is 100
constexpr std::uint32_t kMaxFieldNumber = (1u << 29) - 1;
} // namespace

void ProtoWriter::rawVarint(std::uint64_t value)
{
    while (value >= 0x80) {
        m_out.push_back(char((value & 0x7F) | 0x80));
        value >>= 7;
    }
    m_out.push_back(char(value));
}

void ProtoWriter::rawLittleEndian(std::uint64_t value, int byteCount)
{
    for (int i = 0; i < byteCount; ++i) {
        m_out.push_back(char((value >> (8 * i)) & 0xFF));
    }
}

void ProtoWriter::tag(std::uint32_t field, WireType type)
{
    rawVarint((std::uint64_t(field) << 3) | std::uint64_t(type));
}

void ProtoWriter::varint(std::uint32_t field, std::uint64_t value)
{
    tag(field, WireType::Varint);
    rawVarint(value);
}

void ProtoWriter::fixed64(std::uint32_t field, std::uint64_t value)
{
    tag(field, WireType::Fixed64);
    rawLittleEndian(value, 8);
}

void ProtoWriter::fixed32(std::uint32_t field, std::uint32_t value)
{
    tag(field, WireType::Fixed32);
    rawLittleEndian(value, 4);
}

void ProtoWriter::doubleValue(std::uint32_t field, double value)
{
    fixed64(field, std::bit_cast<std::uint64_t>(value));
}

void ProtoWriter::floatValue(std::uint32_t field, float value)
{
    fixed32(field, std::bit_cast<std::uint32_t>(value));
}

void ProtoWriter::bytes(std::uint32_t field, std::string_view value)
{
    tag(field, WireType::LengthDelimited);
    rawVarint(value.size());
    m_out.append(value);
}

double ProtoField::asDouble() const
{
    return std::bit_cast<double>(value);
}

float ProtoField::asFloat() const
{
    return std::bit_cast<float>(std::uint32_t(value));
}

void ProtoReader::corrupt(const char* problem) const
{
    core::throwError(core::ErrorCode::CorruptData,
                     std::string(m_what) + " is malformed: " + problem + " at byte " + std::to_string(m_pos) +
                         " of " + std::to_string(m_data.size()));
}

std::uint64_t ProtoReader::readVarint()
{
    std::uint64_t result = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
        if (m_pos >= m_data.size()) {
            corrupt("truncated varint");
        }
        const auto byte = std::uint8_t(m_data[m_pos++]);
        result |= std::uint64_t(byte & 0x7F) << (7 * i);
        if ((byte & 0x80) == 0) {
            return result;
        }
    }
    corrupt("varint longer than ten bytes");
}

std::uint64_t ProtoReader::readLittleEndian(int byteCount)
{
    if (m_data.size() - m_pos < std::size_t(byteCount)) {
        corrupt("truncated fixed-width field");
    }
    std::uint64_t value = 0;
    for (int i = 0; i < byteCount; ++i) {
        value |= std::uint64_t(std::uint8_t(m_data[m_pos++])) << (8 * i);
    }
    return value;
}

bool ProtoReader::next(ProtoField& field)
{
    for (;;) {
        if (m_pos >= m_data.size()) {
            return false;
        }
        const std::uint64_t key = readVarint();
        const std::uint64_t number = key >> 3;
        if (number == 0 || number > kMaxFieldNumber) {
            corrupt("invalid field number");
        }
        field = ProtoField{};
        field.number = std::uint32_t(number);
        switch (key & 7) {
        case 0:
            field.type = WireType::Varint;
            field.value = readVarint();
            return true;
        case 1:
            field.type = WireType::Fixed64;
            field.value = readLittleEndian(8);
            return true;
        case 2: {
            field.type = WireType::LengthDelimited;
            const std::uint64_t length = readVarint();
            if (length > m_data.size() - m_pos) {
                corrupt("length-delimited field longer than the message");
            }
            field.bytes = m_data.substr(m_pos, std::size_t(length));
            m_pos += std::size_t(length);
            return true;
        }
        case 3:
            skipGroup(field.number, 1);
            continue; // a group is never a field we understand: look at the next one
        case 4: corrupt("end-group marker without a start");
        case 5:
            field.type = WireType::Fixed32;
            field.value = readLittleEndian(4);
            return true;
        default: corrupt("invalid wire type");
        }
    }
}

void ProtoReader::skipGroup(std::uint32_t number, int depth)
{
    if (depth > kMaxGroupDepth) {
        corrupt("groups nested too deeply");
    }
    for (;;) {
        if (m_pos >= m_data.size()) {
            corrupt("unterminated group");
        }
        const std::uint64_t key = readVarint();
        const std::uint64_t inner = key >> 3;
        if (inner == 0 || inner > kMaxFieldNumber) {
            corrupt("invalid field number");
        }
        switch (key & 7) {
        case 0: readVarint(); break;
        case 1: readLittleEndian(8); break;
        case 2: {
            const std::uint64_t length = readVarint();
            if (length > m_data.size() - m_pos) {
                corrupt("length-delimited field longer than the message");
            }
            m_pos += std::size_t(length);
            break;
        }
        case 3: skipGroup(std::uint32_t(inner), depth + 1); break;
        case 4:
            if (inner != number) {
                corrupt("mismatched end-group marker");
            }
            return;
        case 5: readLittleEndian(4); break;
        default: corrupt("invalid wire type");
        }
    }
}

} // namespace hdr::tensorboard::proto
