#include "tensorboard/RecordFraming.h"

#include "tensorboard/Crc32c.h"

namespace hdr::tensorboard {

namespace {
void appendLittleEndian(std::string& out, std::uint64_t value, int byteCount)
{
    for (int i = 0; i < byteCount; ++i) {
        out.push_back(char((value >> (8 * i)) & 0xFF));
    }
}
} // namespace

std::uint64_t readLittleEndian64(const char* bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value |= std::uint64_t(std::uint8_t(bytes[i])) << (8 * i);
    }
    return value;
}

std::uint32_t readLittleEndian32(const char* bytes)
{
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
        value |= std::uint32_t(std::uint8_t(bytes[i])) << (8 * i);
    }
    return value;
}

std::string frameRecord(std::string_view payload)
{
    std::string out;
    out.reserve(payload.size() + kRecordOverheadBytes);
    appendLittleEndian(out, payload.size(), 8);
    appendLittleEndian(out, maskedCrc32c(std::string_view(out.data(), 8)), 4);
    out.append(payload);
    appendLittleEndian(out, maskedCrc32c(payload), 4);
    return out;
}

RecordHeader parseRecordHeader(std::string_view header)
{
    RecordHeader result;
    result.payloadBytes = readLittleEndian64(header.data());
    result.lengthChecksumOk = maskedCrc32c(header.substr(0, 8)) == readLittleEndian32(header.data() + 8);
    return result;
}

bool payloadChecksumOk(std::string_view payload, std::string_view footer)
{
    return footer.size() >= kRecordFooterBytes && maskedCrc32c(payload) == readLittleEndian32(footer.data());
}

} // namespace hdr::tensorboard
