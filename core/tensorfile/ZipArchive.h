#pragma once
// The part of the zip format (PKWARE APPNOTE.TXT 6.3.x, sections 4.3 and 4.5) that torch.save's
// archives use: an end-of-central-directory record (and its Zip64 form for archives past 4 GB or
// 65535 entries), a central directory, and local headers in front of each entry's bytes. Entries
// that torch writes are stored uncompressed, so their bytes are a span of the archive; compressed
// (deflated) entries are listed but refused when read. Every offset and size is checked against
// the archive before it is used, and every error names the entry at fault.
#include "common/Error.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hdr::tensorfile {

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0;     // 0: stored; 8: deflated (refused by storedBytes)
    std::uint64_t dataOffset = 0; // from the start of the archive, past the local header
    std::uint64_t size = 0;       // bytes in the archive
    std::uint64_t uncompressedSize = 0;
    bool encrypted = false;
};

class ZipArchive {
public:
    // True when the bytes start with a local file header ("PK\3\4").
    static bool looksLikeZip(std::span<const std::byte> bytes);
    // Reads the central directory. The bytes must outlive the archive (it keeps the span).
    static core::Result<ZipArchive> parse(std::span<const std::byte> bytes,
                                          std::size_t maxEntries = 1u << 20);

    const std::vector<ZipEntry>& entries() const { return m_entries; }
    const ZipEntry* find(std::string_view name) const;
    // The entry's bytes; an error naming it when it is compressed or encrypted.
    core::Result<std::span<const std::byte>> storedBytes(const ZipEntry& entry) const;

private:
    void readDirectory(std::size_t maxEntries);

    std::span<const std::byte> m_bytes;
    std::vector<ZipEntry> m_entries;
    std::unordered_map<std::string, std::size_t> m_byName;
};

} // namespace hdr::tensorfile
