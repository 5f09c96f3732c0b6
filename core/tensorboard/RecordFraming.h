#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hdr::tensorboard {

// TFRecord framing, all little-endian (TensorFlow tensorflow/core/lib/io/record_writer.cc;
// tensorboard summary/writer/record_writer.py):
//   u64 length | u32 masked_crc32c(the 8 length bytes) | payload[length] | u32 masked_crc32c(payload)
inline constexpr std::size_t kRecordHeaderBytes = 12;
inline constexpr std::size_t kRecordFooterBytes = 4;
inline constexpr std::size_t kRecordOverheadBytes = kRecordHeaderBytes + kRecordFooterBytes;
// The largest payload our writer produces and our reader accepts by default: far above any
// sane PNG, far below what a hostile length field could make a reader allocate.
inline constexpr std::uint64_t kDefaultMaxRecordBytes = 256ull << 20;

// One framed record, ready to be written with a single write call.
std::string frameRecord(std::string_view payload);

struct RecordHeader {
    std::uint64_t payloadBytes = 0;
    bool lengthChecksumOk = false; // false: the length cannot be trusted, nothing after it can be found
};

// Decodes the 12 header bytes (`header` must hold at least that many).
RecordHeader parseRecordHeader(std::string_view header);

// Whether the 4 footer bytes hold the masked checksum of `payload`.
bool payloadChecksumOk(std::string_view payload, std::string_view footer);

std::uint64_t readLittleEndian64(const char* bytes);
std::uint32_t readLittleEndian32(const char* bytes);

} // namespace hdr::tensorboard
