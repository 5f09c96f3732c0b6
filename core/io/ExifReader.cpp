#include "io/ExifReader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

namespace hdr::core {
namespace {

constexpr std::uint16_t kTagExposureTime = 0x829A;
constexpr std::uint16_t kTagFNumber = 0x829D;
constexpr std::uint16_t kTagExifIfd = 0x8769;
constexpr std::uint16_t kTagPhotographicSensitivity = 0x8827;
constexpr std::uint16_t kTagIsoSpeed = 0x8833;
constexpr std::size_t kMaxEntries = 1024; // more IFD entries than any real file has
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t(64) << 20;

// A bounds-checked little/big-endian view of one TIFF block.
class TiffView {
public:
    explicit TiffView(std::span<const std::uint8_t> bytes)
        : m_bytes(bytes)
    {
        if (bytes.size() >= 8 && bytes[0] == 'I' && bytes[1] == 'I' && bytes[2] == 42 && bytes[3] == 0) {
            m_valid = true;
            m_little = true;
        } else if (bytes.size() >= 8 && bytes[0] == 'M' && bytes[1] == 'M' && bytes[2] == 0 &&
                   bytes[3] == 42) {
            m_valid = true;
            m_little = false;
        }
    }
    bool valid() const { return m_valid; }
    std::optional<std::uint32_t> u32(std::uint64_t at) const
    {
        if (at + 4 > m_bytes.size()) {
            return std::nullopt;
        }
        const auto* p = m_bytes.data() + at;
        return m_little ? std::uint32_t(p[0] | p[1] << 8 | p[2] << 16 | std::uint32_t(p[3]) << 24)
                        : std::uint32_t(std::uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]);
    }
    std::optional<std::uint16_t> u16(std::uint64_t at) const
    {
        if (at + 2 > m_bytes.size()) {
            return std::nullopt;
        }
        const auto* p = m_bytes.data() + at;
        return m_little ? std::uint16_t(p[0] | p[1] << 8) : std::uint16_t(p[0] << 8 | p[1]);
    }

private:
    std::span<const std::uint8_t> m_bytes;
    bool m_valid = false;
    bool m_little = true;
};

// The first value of an entry as a number: SHORT (3), LONG (4), RATIONAL (5), SRATIONAL (10).
std::optional<double> entryValue(const TiffView& tiff, std::uint64_t entry)
{
    const auto type = tiff.u16(entry + 2);
    const auto count = tiff.u32(entry + 4);
    if (!type || !count || *count == 0) {
        return std::nullopt;
    }
    switch (*type) {
    case 3: {
        const auto v = tiff.u16(entry + 8);
        return v ? std::optional<double>(*v) : std::nullopt;
    }
    case 4: {
        const auto v = tiff.u32(entry + 8);
        return v ? std::optional<double>(*v) : std::nullopt;
    }
    case 5:
    case 10: {
        const auto offset = tiff.u32(entry + 8); // 8 bytes never fit in the entry: always an offset
        if (!offset) {
            return std::nullopt;
        }
        const auto num = tiff.u32(*offset), den = tiff.u32(std::uint64_t(*offset) + 4);
        if (!num || !den || *den == 0) {
            return std::nullopt;
        }
        if (*type == 10) {
            return double(std::int32_t(*num)) / double(std::int32_t(*den));
        }
        return double(*num) / double(*den);
    }
    default: return std::nullopt;
    }
}

void setPositive(std::optional<double>& field, std::optional<double> value)
{
    if (!field && value && std::isfinite(*value) && *value > 0.0) {
        field = value;
    }
}

void parseIfd(const TiffView& tiff, std::uint64_t offset, int depth, ExposureExif& out)
{
    const auto count = tiff.u16(offset);
    if (!count || *count > kMaxEntries) {
        return;
    }
    std::optional<std::uint32_t> subIfd;
    for (std::uint64_t i = 0; i < *count; ++i) {
        const std::uint64_t entry = offset + 2 + 12 * i;
        const auto tag = tiff.u16(entry);
        if (!tag) {
            return;
        }
        switch (*tag) {
        case kTagExposureTime: setPositive(out.exposureTime, entryValue(tiff, entry)); break;
        case kTagFNumber: setPositive(out.fNumber, entryValue(tiff, entry)); break;
        case kTagPhotographicSensitivity: setPositive(out.iso, entryValue(tiff, entry)); break;
        case kTagIsoSpeed: {
            std::optional<double> iso;
            setPositive(iso, entryValue(tiff, entry));
            if (iso && !out.iso) {
                out.iso = iso;
            }
            break;
        }
        case kTagExifIfd: subIfd = tiff.u32(entry + 8); break;
        default: break;
        }
    }
    if (subIfd && depth == 0 && *subIfd != offset) {
        parseIfd(tiff, *subIfd, depth + 1, out);
    }
}

ExposureExif parseTiff(std::span<const std::uint8_t> bytes)
{
    ExposureExif out;
    const TiffView tiff(bytes);
    if (!tiff.valid()) {
        return out;
    }
    if (const auto ifd0 = tiff.u32(4)) {
        parseIfd(tiff, *ifd0, 0, out);
    }
    return out;
}

} // namespace

ExposureExif parseExposureExif(std::span<const std::uint8_t> bytes)
{
    if (bytes.size() < 4) {
        return {};
    }
    if (!(bytes[0] == 0xFF && bytes[1] == 0xD8)) {
        return parseTiff(bytes);
    }
    std::size_t pos = 2;
    while (pos + 4 <= bytes.size()) {
        if (bytes[pos] != 0xFF) {
            return {}; // not a marker: damaged stream
        }
        const std::uint8_t marker = bytes[pos + 1];
        if (marker == 0xFF) { // fill byte
            ++pos;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // no length field
            pos += 2;
            continue;
        }
        if (marker == 0xDA || marker == 0xD9) { // start of scan / end: no EXIF after this
            return {};
        }
        const std::size_t length = std::size_t(bytes[pos + 2]) << 8 | bytes[pos + 3];
        if (length < 2 || pos + 2 + length > bytes.size()) {
            return {};
        }
        const auto payload = bytes.subspan(pos + 4, length - 2);
        static constexpr std::uint8_t kExif[] = {'E', 'x', 'i', 'f', 0, 0};
        if (marker == 0xE1 && payload.size() >= 6 && std::equal(kExif, kExif + 6, payload.begin())) {
            return parseTiff(payload.subspan(6));
        }
        pos += 2 + length;
    }
    return {};
}

Result<ExposureExif> readExposureExif(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(ErrorCode::IoError, "cannot open the file", path.string());
    }
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) {
        return fail(ErrorCode::IoError, "cannot read the file size", path.string());
    }
    std::vector<std::uint8_t> bytes(std::size_t(std::min(size, kMaxFileBytes)));
    in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
    bytes.resize(std::size_t(in.gcount()));
    return parseExposureExif(bytes);
}

std::optional<double> relativeExposure(const ExposureExif& exif, bool useIso, bool useAperture)
{
    if (!exif.exposureTime) {
        return std::nullopt;
    }
    double e = *exif.exposureTime;
    if (useIso && exif.iso) {
        e *= *exif.iso;
    }
    if (useAperture && exif.fNumber) {
        e /= *exif.fNumber * *exif.fNumber;
    }
    return e;
}

} // namespace hdr::core
