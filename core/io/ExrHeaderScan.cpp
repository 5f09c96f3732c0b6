#include "io/ExrHeaderScan.h"

#include <cstdint>
#include <fstream>
#include <string>

namespace hdr::core {
namespace {
constexpr std::uint32_t kMultiPartFlag = 0x1000;
constexpr std::size_t kMaxNameLength = 255; // EXR names are at most 255 bytes (long-names flag)
constexpr int kMaxAttributesPerHeader = 100000;
constexpr int kMaxParts = 100000;

// Reads a NUL-terminated name; false at end of file or when it is too long.
bool readName(std::ifstream& in, std::string& out)
{
    out.clear();
    for (;;) {
        const int c = in.get();
        if (c == std::char_traits<char>::eof()) {
            return false;
        }
        if (c == 0) {
            return true;
        }
        if (out.size() >= kMaxNameLength) {
            return false;
        }
        out.push_back(char(c));
    }
}
} // namespace

Status scanExrHeaderSizes(const std::filesystem::path& path)
{
    std::error_code ec;
    const auto fileSize = std::int64_t(std::filesystem::file_size(path, ec));
    if (ec) {
        return fail(ErrorCode::IoError, "cannot open the file: " + ec.message(), path.string());
    }
    std::ifstream in(path, std::ios::binary);
    unsigned char prefix[8] = {};
    if (!in.read(reinterpret_cast<char*>(prefix), 8)) {
        return fail(ErrorCode::CorruptData, "the OpenEXR file ends inside its signature", path.string());
    }
    const std::uint32_t version = std::uint32_t(prefix[4]) | std::uint32_t(prefix[5]) << 8 |
                                  std::uint32_t(prefix[6]) << 16 | std::uint32_t(prefix[7]) << 24;
    const bool multiPart = version & kMultiPartFlag;
    std::string name, type;
    for (int part = 0; part < kMaxParts; ++part) {
        for (int attr = 0;; ++attr) {
            if (attr >= kMaxAttributesPerHeader) {
                return fail(ErrorCode::CorruptData, "OpenEXR header has too many attributes", path.string());
            }
            if (!readName(in, name)) {
                return fail(ErrorCode::CorruptData,
                            "OpenEXR header is truncated or has an over-long name",
                            path.string());
            }
            if (name.empty()) {
                if (attr == 0 && multiPart && part > 0) {
                    return {}; // the empty header that ends a multi-part header list
                }
                break; // end of this header
            }
            unsigned char sizeBytes[4] = {};
            if (!readName(in, type) || !in.read(reinterpret_cast<char*>(sizeBytes), 4)) {
                return fail(
                    ErrorCode::CorruptData, "OpenEXR attribute '" + name + "' is truncated", path.string());
            }
            const std::int32_t size =
                std::int32_t(std::uint32_t(sizeBytes[0]) | std::uint32_t(sizeBytes[1]) << 8 |
                             std::uint32_t(sizeBytes[2]) << 16 | std::uint32_t(sizeBytes[3]) << 24);
            const std::int64_t left = fileSize - std::int64_t(in.tellg());
            if (size < 0 || size > left) {
                return fail(ErrorCode::CorruptData,
                            "OpenEXR attribute '" + name + "' claims " + std::to_string(size) +
                                " bytes but only " + std::to_string(left) + " remain in the file",
                            path.string());
            }
            in.seekg(size, std::ios::cur);
        }
        if (!multiPart) {
            return {};
        }
    }
    return fail(ErrorCode::CorruptData, "OpenEXR file declares too many parts", path.string());
}

} // namespace hdr::core
