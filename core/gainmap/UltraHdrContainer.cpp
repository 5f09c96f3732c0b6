#include "gainmap/UltraHdrContainer.h"

#include "gainmap/IsoGainMap.h"

#include <cstring>
#include <string_view>

namespace hdr::core {

namespace {

constexpr std::string_view kXmpSignature{"http://ns.adobe.com/xap/1.0/\0", 29};
constexpr std::uint8_t kApp1 = 0xE1, kApp2 = 0xE2;

bool startsWith(std::span<const std::uint8_t> data, std::string_view prefix)
{
    return data.size() >= prefix.size() && std::memcmp(data.data(), prefix.data(), prefix.size()) == 0;
}

std::span<const std::uint8_t> payload(std::span<const std::uint8_t> file, const JpegSegment& s)
{
    return file.subspan(s.offset, s.length);
}

struct HeaderMetadata {
    std::string xmp;
    std::span<const std::uint8_t> iso; // without signature
    bool hasIso = false;
    std::span<const std::uint8_t> mpf; // without "MPF\0"
    std::size_t mpfTiffOffset = 0;     // file offset of the MPF TIFF header
    bool hasMpf = false;
};

HeaderMetadata readHeaderMetadata(std::span<const std::uint8_t> jpeg,
                                  const std::vector<JpegSegment>& segments)
{
    HeaderMetadata h;
    for (const JpegSegment& s : segments) {
        const auto p = payload(jpeg, s);
        if (s.marker == kApp1 && h.xmp.empty() && startsWith(p, kXmpSignature)) {
            h.xmp.assign(reinterpret_cast<const char*>(p.data()) + kXmpSignature.size(),
                         p.size() - kXmpSignature.size());
        } else if (s.marker == kApp2 && !h.hasIso && startsWith(p, kIsoGainMapSignature)) {
            h.iso = p.subspan(kIsoGainMapSignature.size());
            h.hasIso = true;
        } else if (s.marker == kApp2 && !h.hasMpf && startsWith(p, std::string_view("MPF\0", 4))) {
            h.mpf = p.subspan(4);
            h.mpfTiffOffset = s.offset + 4;
            h.hasMpf = true;
        }
    }
    return h;
}

// MP entries of an MPF index IFD: (size, offset from the TIFF header) of every image.
std::vector<std::pair<std::uint32_t, std::uint32_t>> mpfEntries(std::span<const std::uint8_t> tiff)
{
    std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;
    if (tiff.size() < 8) {
        return entries;
    }
    const bool little = tiff[0] == 'I' && tiff[1] == 'I';
    if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) {
        return entries;
    }
    auto u16 = [&](std::size_t at) -> std::uint32_t {
        return little ? std::uint32_t(tiff[at] | (tiff[at + 1] << 8))
                      : std::uint32_t((tiff[at] << 8) | tiff[at + 1]);
    };
    auto u32 = [&](std::size_t at) -> std::uint32_t {
        return little ? (u16(at + 2) << 16) | u16(at) : (u16(at) << 16) | u16(at + 2);
    };
    const std::size_t ifd = u32(4);
    if (ifd > tiff.size() || tiff.size() - ifd < 2) {
        return entries;
    }
    const std::size_t count = u16(ifd);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t e = ifd + 2 + i * 12;
        if (e > tiff.size() || tiff.size() - e < 12) {
            break;
        }
        if (u16(e) != 0xB002) { // MPEntry
            continue;
        }
        const std::size_t bytes = u32(e + 4);
        const std::size_t at = bytes <= 4 ? e + 8 : u32(e + 8);
        if (at > tiff.size() || tiff.size() - at < bytes) {
            break;
        }
        for (std::size_t k = 0; k + 16 <= bytes; k += 16) {
            entries.emplace_back(u32(at + k + 4), u32(at + k + 8));
        }
        break;
    }
    return entries;
}

bool isJpeg(std::span<const std::uint8_t> b)
{
    return b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

} // namespace

Result<std::vector<JpegSegment>> scanJpegSegments(std::span<const std::uint8_t> jpeg)
{
    if (!isJpeg(jpeg)) {
        return fail(ErrorCode::CorruptData, "not a JPEG image (no SOI marker)");
    }
    std::vector<JpegSegment> segments;
    std::size_t at = 2;
    while (true) {
        if (at >= jpeg.size() || jpeg[at] != 0xFF) {
            return fail(ErrorCode::CorruptData,
                        "the JPEG header is damaged or truncated (no marker at byte " + std::to_string(at) +
                            ")");
        }
        while (at < jpeg.size() && jpeg[at] == 0xFF) {
            ++at; // fill bytes
        }
        if (at >= jpeg.size()) {
            return fail(ErrorCode::CorruptData, "the JPEG header is truncated");
        }
        const std::uint8_t marker = jpeg[at++];
        if (marker == 0xDA || marker == 0xD9) { // SOS / EOI: header ends
            return segments;
        }
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            continue; // no length
        }
        if (jpeg.size() - at < 2) {
            return fail(ErrorCode::CorruptData, "the JPEG header is truncated");
        }
        const std::size_t length = (std::size_t(jpeg[at]) << 8) | jpeg[at + 1];
        if (length < 2 || jpeg.size() - at < length) {
            return fail(ErrorCode::CorruptData, "a JPEG header segment runs past the end of the file");
        }
        segments.push_back({marker, at + 2, length - 2});
        at += length;
    }
}

Result<GainMapJpegParts> findGainMapJpeg(std::span<const std::uint8_t> file)
{
    auto segments = scanJpegSegments(file);
    if (!segments) {
        return tl::unexpected(segments.error());
    }
    const HeaderMetadata primary = readHeaderMetadata(file, *segments);
    GainMapJpegParts parts;
    parts.primaryXmp = parseGainMapXmp(primary.xmp);
    parts.primaryHasIso = primary.hasIso;
    const bool claimsGainMap = parts.primaryXmp.hdrgmVersion.has_value() || primary.hasIso;

    std::vector<std::span<const std::uint8_t>> candidates;
    if (primary.hasMpf) {
        const auto entries = mpfEntries(primary.mpf);
        for (std::size_t i = 1; i < entries.size(); ++i) {
            const std::size_t offset = primary.mpfTiffOffset + entries[i].second;
            const std::size_t size = entries[i].first;
            if (entries[i].second != 0 && offset < file.size() && file.size() - offset >= size && size > 0) {
                candidates.push_back(file.subspan(offset, size));
            }
        }
        parts.locatedBy = "MPF";
    }
    if (candidates.empty()) {
        // No usable MPF: the GContainer directory says the gain map is the last Length bytes.
        for (const GContainerItem& item : parts.primaryXmp.container) {
            if (item.semantic == "GainMap" && item.length > 0 && item.length < file.size()) {
                candidates.push_back(file.subspan(file.size() - item.length));
                parts.locatedBy = "GContainer";
            }
        }
    }
    for (auto candidate : candidates) {
        if (!isJpeg(candidate)) {
            continue;
        }
        auto gmSegments = scanJpegSegments(candidate);
        if (!gmSegments) {
            continue;
        }
        const HeaderMetadata gm = readHeaderMetadata(candidate, *gmSegments);
        XmpGainMapInfo info = parseGainMapXmp(gm.xmp);
        const bool isGainMap = info.metadata || !info.metadataProblem.empty() || info.appleGainMap ||
                               (gm.hasIso && gm.iso.size() > 4);
        if (!isGainMap) {
            continue;
        }
        parts.gainMap = candidate;
        parts.gainMapXmp = std::move(info);
        if (gm.hasIso) {
            parts.gainMapIso.assign(gm.iso.begin(), gm.iso.end());
        }
        return parts;
    }
    if (claimsGainMap) {
        return fail(ErrorCode::CorruptData,
                    "the JPEG declares a gain map (hdrgm XMP or ISO 21496-1) but it cannot be found: the MPF "
                    "index or GContainer length is missing or points outside the file (truncated?)");
    }
    return fail(ErrorCode::UnsupportedFormat, "the JPEG has no gain map");
}

std::vector<std::uint8_t>
makeMpfPayload(std::uint32_t primarySize, std::uint32_t gainMapSize, std::uint32_t gainMapOffset)
{
    std::vector<std::uint8_t> out{'M', 'P', 'F', 0, 'M', 'M', 0, 0x2A, 0, 0, 0, 8};
    auto u16 = [&](std::uint32_t v) {
        out.push_back(std::uint8_t(v >> 8));
        out.push_back(std::uint8_t(v));
    };
    auto u32 = [&](std::uint32_t v) {
        u16(v >> 16);
        u16(v & 0xFFFF);
    };
    u16(3);                      // three IFD entries
    u16(0xB000), u16(7), u32(4); // MPFVersion, UNDEFINED x4
    out.insert(out.end(), {'0', '1', '0', '0'});
    u16(0xB001), u16(4), u32(1), u32(2);                     // NumberOfImages, LONG x1 = 2
    u16(0xB002), u16(7), u32(32), u32(50);                   // MPEntry, UNDEFINED x32 at offset 50
    u32(0);                                                  // no next IFD
    u32(0x030000), u32(primarySize), u32(0), u16(0), u16(0); // baseline MP primary image
    u32(0), u32(gainMapSize), u32(gainMapOffset), u16(0), u16(0);
    return out;
}

Result<std::vector<std::uint8_t>> assembleGainMapJpeg(std::vector<std::uint8_t> primary,
                                                      std::span<const std::uint8_t> gainMap)
{
    auto segments = scanJpegSegments(primary);
    if (!segments) {
        return tl::unexpected(segments.error());
    }
    for (const JpegSegment& s : *segments) {
        if (s.marker == kApp2 && s.length == 86 &&
            startsWith(payload(primary, s), std::string_view("MPF\0", 4))) {
            const std::size_t tiffStart = s.offset + 4;
            if (primary.size() > 0xFFFFFFFFu || gainMap.size() > 0xFFFFFFFFu - primary.size()) {
                return fail(ErrorCode::LimitExceeded, "gain-map JPEGs are limited to 4 GB");
            }
            const auto mpf = makeMpfPayload(std::uint32_t(primary.size()),
                                            std::uint32_t(gainMap.size()),
                                            std::uint32_t(primary.size() - tiffStart));
            std::memcpy(primary.data() + s.offset, mpf.data(), mpf.size());
            primary.insert(primary.end(), gainMap.begin(), gainMap.end());
            return primary;
        }
    }
    return fail(ErrorCode::Internal, "the primary JPEG has no MPF placeholder segment");
}

} // namespace hdr::core
