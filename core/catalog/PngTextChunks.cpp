#include "catalog/PngTextChunks.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

namespace hdr::catalog {
namespace {

using core::ErrorCode;

constexpr std::array<unsigned char, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

std::uint32_t bigEndian32(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

std::string latin1ToUtf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (c < 0x80) {
            out += char(c);
        } else {
            out += char(0xC0 | (c >> 6));
            out += char(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// zlib stream -> at most maxBytes bytes; nullopt when it is broken or larger.
std::optional<std::string> inflateBounded(std::string_view compressed, std::size_t maxBytes)
{
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return std::nullopt;
    std::string out;
    std::array<char, 16384> buffer{};
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    z.avail_in = uInt(compressed.size());
    int status = Z_OK;
    while (status == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buffer.data());
        z.avail_out = uInt(buffer.size());
        status = inflate(&z, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) break;
        out.append(buffer.data(), buffer.size() - z.avail_out);
        if (out.size() > maxBytes) {
            status = Z_BUF_ERROR;
            break;
        }
        if (status == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            status = Z_DATA_ERROR; // truncated stream
        }
    }
    inflateEnd(&z);
    if (status != Z_STREAM_END) return std::nullopt;
    return out;
}

// One text chunk into info.text; malformed chunks are skipped (the image stays usable).
void addTextChunk(const std::string& type,
                  std::string_view data,
                  const PngTextLimits& limits,
                  PngTextInfo& info)
{
    const std::size_t keyEnd = data.find('\0');
    if (keyEnd == std::string_view::npos || keyEnd == 0 || keyEnd > 79) return;
    const std::string keyword = latin1ToUtf8(data.substr(0, keyEnd));
    std::string_view rest = data.substr(keyEnd + 1);
    if (type == "tEXt") {
        info.text[keyword] = latin1ToUtf8(rest);
    } else if (type == "zTXt") {
        if (rest.empty() || rest[0] != 0) return; // method 0 = zlib is the only one defined
        if (auto text = inflateBounded(rest.substr(1), limits.maxTextBytes))
            info.text[keyword] = latin1ToUtf8(*text);
    } else if (type == "iTXt") {
        if (rest.size() < 2) return;
        const bool compressed = rest[0] != 0;
        rest = rest.substr(2);
        const std::size_t languageEnd = rest.find('\0');
        if (languageEnd == std::string_view::npos) return;
        rest = rest.substr(languageEnd + 1);
        const std::size_t translatedEnd = rest.find('\0');
        if (translatedEnd == std::string_view::npos) return;
        rest = rest.substr(translatedEnd + 1);
        if (!compressed) {
            info.text[keyword] = std::string(rest);
        } else if (auto text = inflateBounded(rest, limits.maxTextBytes)) {
            info.text[keyword] = *text;
        }
    }
}

} // namespace

core::Result<PngTextInfo> readPngText(const std::filesystem::path& path, const PngTextLimits& limits)
{
    return core::guarded(ErrorCode::IoError, path.string(), [&]() -> PngTextInfo {
        std::ifstream in(path, std::ios::binary);
        if (!in) core::throwError(ErrorCode::IoError, "cannot open the image", path.string());
        in.seekg(0, std::ios::end);
        const std::uint64_t fileSize = std::uint64_t(in.tellg());
        in.seekg(0);
        std::array<unsigned char, 8> header{};
        if (!in.read(reinterpret_cast<char*>(header.data()), 8) || header != kSignature) {
            core::throwError(ErrorCode::UnsupportedFormat, "not a PNG file", path.string());
        }
        PngTextInfo info;
        bool sawHeader = false;
        std::uint64_t offset = 8;
        for (std::size_t chunk = 0; chunk < limits.maxChunks; ++chunk) {
            if (offset + 12 > fileSize || !in.read(reinterpret_cast<char*>(header.data()), 8)) {
                if (sawHeader) return info; // truncated after the header: keep what was read
                core::throwError(
                    ErrorCode::CorruptData, "the PNG is truncated before its header", path.string());
            }
            const std::uint32_t length = bigEndian32(header.data());
            const std::string type(reinterpret_cast<const char*>(header.data() + 4), 4);
            if (length > 0x7FFFFFFFu || offset + 12 + length > fileSize) {
                if (sawHeader) return info;
                core::throwError(ErrorCode::CorruptData, "the PNG has a broken chunk length", path.string());
            }
            if (!sawHeader) {
                if (type != "IHDR" || length != 13) {
                    core::throwError(
                        ErrorCode::CorruptData, "the PNG does not start with IHDR", path.string());
                }
                std::array<unsigned char, 13> ihdr{};
                in.read(reinterpret_cast<char*>(ihdr.data()), 13);
                info.width = int(std::min<std::uint32_t>(bigEndian32(ihdr.data()), 0x7FFFFFFF));
                info.height = int(std::min<std::uint32_t>(bigEndian32(ihdr.data() + 4), 0x7FFFFFFF));
                sawHeader = true;
                in.seekg(4, std::ios::cur);
            } else if (type == "IEND") {
                return info;
            } else if ((type == "tEXt" || type == "zTXt" || type == "iTXt") &&
                       length <= limits.maxTextBytes) {
                std::string data(length, '\0');
                in.read(data.data(), std::streamsize(length));
                addTextChunk(type, data, limits, info);
                in.seekg(4, std::ios::cur);
            } else {
                in.seekg(std::streamoff(length) + 4, std::ios::cur);
            }
            if (!in) {
                if (sawHeader) return info;
                core::throwError(ErrorCode::IoError, "cannot read the PNG", path.string());
            }
            offset += 12 + std::uint64_t(length);
        }
        return info;
    });
}

} // namespace hdr::catalog
