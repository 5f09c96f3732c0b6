#include "tensorfile/ZipArchive.h"

#include "tensorfile/LittleEndian.h"

namespace hdr::tensorfile {
using core::ErrorCode;
using core::throwError;

namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndRecord = 0x06054b50;
constexpr std::uint32_t kZip64EndRecord = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::size_t kEndRecordSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndRecordSize = 56;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::uint16_t kZip64ExtraId = 0x0001;

struct Directory {
    std::uint64_t entries = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

bool fits(std::uint64_t offset, std::uint64_t length, std::uint64_t total)
{
    return offset <= total && length <= total - offset;
}

// The end record sits in the last 22 + 65535 bytes (it ends with a comment of at most 64 KiB).
std::size_t findEndRecord(std::span<const std::byte> bytes)
{
    if (bytes.size() < kEndRecordSize) {
        throwError(ErrorCode::UnsupportedFormat, "file is too short to be a zip archive");
    }
    const std::size_t last = bytes.size() - kEndRecordSize;
    const std::size_t first = last > 0xffff ? last - 0xffff : 0;
    for (std::size_t pos = last + 1; pos-- > first;) {
        if (readU32(bytes.data() + pos) == kEndRecord &&
            pos + kEndRecordSize + readU16(bytes.data() + pos + 20) <= bytes.size()) {
            return pos;
        }
    }
    throwError(ErrorCode::UnsupportedFormat,
               "zip archive has no end-of-central-directory record (truncated file?)");
}

Directory readEndRecords(std::span<const std::byte> bytes)
{
    const std::size_t end = findEndRecord(bytes);
    const std::byte* e = bytes.data() + end;
    if (readU16(e + 4) != 0 || readU16(e + 6) != 0) {
        throwError(ErrorCode::UnsupportedFormat, "multi-part (spanned) zip archives are not supported");
    }
    Directory dir{readU16(e + 10), readU32(e + 16), readU32(e + 12)};
    if (end < kZip64LocatorSize || readU32(e - kZip64LocatorSize) != kZip64Locator) {
        return dir;
    }
    const std::uint64_t recordOffset = readU64(e - kZip64LocatorSize + 8);
    if (!fits(recordOffset, kZip64EndRecordSize, end - kZip64LocatorSize)) {
        throwError(ErrorCode::CorruptData, "the Zip64 end record lies outside the archive (truncated file?)");
    }
    const std::byte* z = bytes.data() + recordOffset;
    if (readU32(z) != kZip64EndRecord) {
        throwError(ErrorCode::CorruptData, "the Zip64 locator does not point at a Zip64 end record");
    }
    if (readU32(z + 16) != 0 || readU32(z + 20) != 0) {
        throwError(ErrorCode::UnsupportedFormat, "multi-part (spanned) zip archives are not supported");
    }
    return Directory{readU64(z + 32), readU64(z + 48), readU64(z + 40)};
}

// Zip64 extended information (APPNOTE 4.5.3): 64-bit values for the fields saturated at 0xffffffff,
// in the order uncompressed size, compressed size, local header offset.
void applyZip64Extra(std::span<const std::byte> extra,
                     std::uint64_t& uncompressed,
                     std::uint64_t& compressed,
                     std::uint64_t& localOffset,
                     const std::string& name)
{
    std::size_t pos = 0;
    while (pos + 4 <= extra.size()) {
        const std::uint16_t id = readU16(extra.data() + pos);
        const std::uint16_t length = readU16(extra.data() + pos + 2);
        pos += 4;
        if (length > extra.size() - pos) {
            throwError(ErrorCode::CorruptData, "zip entry has a malformed extra field", name);
        }
        if (id == kZip64ExtraId) {
            std::size_t field = pos;
            for (std::uint64_t* value : {&uncompressed, &compressed, &localOffset}) {
                if (*value != 0xffffffffu) {
                    continue;
                }
                if (field + 8 > pos + length) {
                    throwError(ErrorCode::CorruptData, "zip entry's Zip64 field is too short", name);
                }
                *value = readU64(extra.data() + field);
                field += 8;
            }
        }
        pos += length;
    }
}

} // namespace

bool ZipArchive::looksLikeZip(std::span<const std::byte> bytes)
{
    return bytes.size() >= 4 && readU32(bytes.data()) == kLocalHeader;
}

core::Result<ZipArchive> ZipArchive::parse(std::span<const std::byte> bytes, std::size_t maxEntries)
{
    return core::guarded(ErrorCode::CorruptData, {}, [&] {
        ZipArchive archive;
        archive.m_bytes = bytes;
        archive.readDirectory(maxEntries);
        return archive;
    });
}

void ZipArchive::readDirectory(std::size_t maxEntries)
{
    const Directory dir = readEndRecords(m_bytes);
    const std::uint64_t total = m_bytes.size();
    if (!fits(dir.offset, dir.size, total)) {
        throwError(ErrorCode::CorruptData,
                   "the zip central directory lies outside the archive (truncated file?)");
    }
    if (dir.entries > dir.size / kCentralHeaderSize || dir.entries > maxEntries) {
        throwError(ErrorCode::LimitExceeded,
                   "zip archive claims " + std::to_string(dir.entries) +
                       " entries, more than its central directory can hold or the limit allows");
    }
    m_entries.reserve(static_cast<std::size_t>(dir.entries));
    std::uint64_t pos = dir.offset;
    const std::uint64_t dirEnd = dir.offset + dir.size;
    for (std::uint64_t i = 0; i < dir.entries; ++i) {
        if (!fits(pos, kCentralHeaderSize, dirEnd) || readU32(m_bytes.data() + pos) != kCentralHeader) {
            throwError(ErrorCode::CorruptData,
                       "zip central directory entry " + std::to_string(i) + " is malformed");
        }
        const std::byte* c = m_bytes.data() + pos;
        const std::size_t nameLength = readU16(c + 28);
        const std::size_t extraLength = readU16(c + 30);
        const std::size_t commentLength = readU16(c + 32);
        if (!fits(pos + kCentralHeaderSize, nameLength + extraLength + commentLength, dirEnd)) {
            throwError(ErrorCode::CorruptData,
                       "zip central directory entry " + std::to_string(i) + " runs past the directory");
        }
        ZipEntry entry;
        entry.name.assign(reinterpret_cast<const char*>(c + kCentralHeaderSize), nameLength);
        entry.method = readU16(c + 10);
        entry.encrypted = (readU16(c + 8) & 1u) != 0;
        entry.size = readU32(c + 20);
        entry.uncompressedSize = readU32(c + 24);
        std::uint64_t localOffset = readU32(c + 42);
        applyZip64Extra({c + kCentralHeaderSize + nameLength, extraLength},
                        entry.uncompressedSize,
                        entry.size,
                        localOffset,
                        entry.name);
        if (!fits(localOffset, kLocalHeaderSize, total) ||
            readU32(m_bytes.data() + localOffset) != kLocalHeader) {
            throwError(ErrorCode::CorruptData,
                       "zip entry's local header lies outside the archive or is malformed",
                       entry.name);
        }
        const std::byte* local = m_bytes.data() + localOffset;
        entry.dataOffset = localOffset + kLocalHeaderSize + readU16(local + 26) + readU16(local + 28);
        if (!fits(entry.dataOffset, entry.size, total)) {
            throwError(ErrorCode::CorruptData,
                       "zip entry's " + std::to_string(entry.size) +
                           " bytes lie outside the archive (truncated file?)",
                       entry.name);
        }
        if (!m_byName.emplace(entry.name, m_entries.size()).second) {
            throwError(ErrorCode::CorruptData, "zip archive holds two entries of the same name", entry.name);
        }
        m_entries.push_back(std::move(entry));
        pos += kCentralHeaderSize + nameLength + extraLength + commentLength;
    }
}

const ZipEntry* ZipArchive::find(std::string_view name) const
{
    const auto it = m_byName.find(std::string(name));
    return it == m_byName.end() ? nullptr : &m_entries[it->second];
}

core::Result<std::span<const std::byte>> ZipArchive::storedBytes(const ZipEntry& entry) const
{
    if (entry.encrypted) {
        return core::fail(ErrorCode::UnsupportedFormat, "zip entry is encrypted", entry.name);
    }
    if (entry.method != 0 || entry.size != entry.uncompressedSize) {
        return core::fail(ErrorCode::UnsupportedFormat,
                          "zip entry is compressed (method " + std::to_string(entry.method) +
                              "); only uncompressed entries, as torch.save writes them, can be read",
                          entry.name);
    }
    return m_bytes.subspan(static_cast<std::size_t>(entry.dataOffset), static_cast<std::size_t>(entry.size));
}

} // namespace hdr::tensorfile
