#pragma once

// Helpers shared by the TensorBoard event-file tests: build files and records by hand.

#include "tensorboard/Crc32c.h"
#include "tensorboard/EventProto.h"
#include "tensorboard/RecordFraming.h"

#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace hdr::test::tensorboard {

using namespace hdr::tensorboard;

inline std::filesystem::path tempPath(const QTemporaryDir& dir, const char* name)
{
    return std::filesystem::path(dir.path().toStdString()) / name;
}

inline void writeBytes(const std::filesystem::path& file, std::string_view bytes)
{
    hdr::test::writeAll(file, std::vector<char>(bytes.begin(), bytes.end()));
}

inline void appendBytes(const std::filesystem::path& file, std::string_view bytes)
{
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

inline std::string scalarRecord(const char* tag, float value, std::int64_t step, double wallTime = 1.0)
{
    const SummaryValueOut v{tag, value, std::nullopt};
    return frameRecord(encodeSummaryEvent(wallTime, step, std::span<const SummaryValueOut>(&v, 1)));
}

// A small event file: the version event and `count` scalars "x" at steps 0..count-1 (value = step).
inline std::string smallFile(int count)
{
    std::string bytes = frameRecord(encodeFileVersionEvent(1.0));
    for (int i = 0; i < count; ++i) {
        bytes += scalarRecord("x", float(i), i);
    }
    return bytes;
}

inline std::string randomBytes(std::mt19937& rng, std::size_t size)
{
    std::string s(size, '\0');
    for (char& c : s) {
        c = char(rng());
    }
    return s;
}

// The 12 header bytes of a record claiming `length` payload bytes, with a valid length checksum.
inline std::string recordHeader(std::uint64_t length)
{
    std::string header(8, '\0');
    for (int i = 0; i < 8; ++i) {
        header[std::size_t(i)] = char((length >> (8 * i)) & 0xFF);
    }
    const std::uint32_t masked = maskedCrc32c(header);
    for (int i = 0; i < 4; ++i) {
        header.push_back(char((masked >> (8 * i)) & 0xFF));
    }
    return header;
}

inline bool mentions(const hdr::core::Error& error, const std::string& text)
{
    return error.message.find(text) != std::string::npos;
}

} // namespace hdr::test::tensorboard
