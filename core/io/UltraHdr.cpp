#include "io/UltraHdr.h"

#include "color/Icc.h"
#include "common/AtomicFile.h"
#include "gainmap/IsoGainMap.h"
#include "gainmap/UltraHdrContainer.h"
#include "io/DisplayCodec.h"
#include "io/FormatReaders.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hdr::core {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFileBytes = std::size_t(1) << 30;

// Apple's linear gain map -> the standard log-encoded form (see UltraHdr.h).
GainMapImage convertAppleMap(const DecodedJpeg8& decoded, float headroom)
{
    GainMapImage map{decoded.width, decoded.height, decoded.components, {}};
    map.values.resize(decoded.samples.size());
    const double logH = std::log2(double(headroom));
    float lut[256];
    for (int v = 0; v < 256; ++v) {
        const double g = std::pow(v / 255.0, 2.2);
        lut[v] = float(std::log2(1.0 + (double(headroom) - 1.0) * g) / logH);
    }
    for (std::size_t i = 0; i < decoded.samples.size(); ++i) {
        map.values[i] = lut[decoded.samples[i]];
    }
    return map;
}

// signature + body in one allocation (memcpy keeps GCC 12's -Warray-bounds false positive away).
std::vector<std::uint8_t> withSignature(std::string_view signature, std::span<const std::uint8_t> body)
{
    std::vector<std::uint8_t> out(signature.size() + body.size());
    std::memcpy(out.data(), signature.data(), signature.size());
    if (!body.empty()) {
        std::memcpy(out.data() + signature.size(), body.data(), body.size());
    }
    return out;
}

std::vector<std::uint8_t> textPayload(std::string_view signature, const std::string& text)
{
    return withSignature(signature, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

// Inserts APPn segments after SOI and a leading APP0 (JFIF).
std::vector<std::uint8_t> insertSegments(const std::vector<std::uint8_t>& jpeg,
                                         const std::vector<JpegMarker>& markers)
{
    std::size_t at = 2;
    if (jpeg.size() > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0) {
        at = 4 + ((std::size_t(jpeg[4]) << 8) | jpeg[5]);
    }
    std::vector<std::uint8_t> out(jpeg.begin(), jpeg.begin() + std::ptrdiff_t(at));
    for (const JpegMarker& m : markers) {
        const std::size_t length = m.payload.size() + 2;
        out.insert(out.end(),
                   {0xFF, std::uint8_t(m.marker), std::uint8_t(length >> 8), std::uint8_t(length)});
        out.insert(out.end(), m.payload.begin(), m.payload.end());
    }
    out.insert(out.end(), jpeg.begin() + std::ptrdiff_t(at), jpeg.end());
    return out;
}

constexpr std::string_view kXmpSignature{"http://ns.adobe.com/xap/1.0/\0", 29};

} // namespace

Result<GainMapJpegContents>
decodeGainMapJpeg(std::span<const std::uint8_t> file, const ReadOptions& options, const std::string& where)
{
    auto parts = findGainMapJpeg(file);
    if (!parts) {
        Error e = parts.error();
        e.where = where;
        return tl::unexpected(e);
    }
    GainMapJpegContents out;
    out.locatedBy = parts->locatedBy;
    // Metadata: ISO record, then hdrgm XMP, then Apple.
    std::optional<GainMapMetadata> metadata;
    std::optional<float> appleHeadroom;
    if (!parts->gainMapIso.empty()) {
        auto iso = decodeIsoGainMapMetadata(parts->gainMapIso);
        if (!iso && !parts->gainMapXmp.metadata) {
            Error e = iso.error();
            e.where = where;
            return tl::unexpected(e);
        }
        if (iso && iso->metadata) {
            metadata = iso->metadata;
            out.metadataSource = "ISO 21496-1";
        }
    }
    if (!metadata && parts->gainMapXmp.metadata) {
        metadata = parts->gainMapXmp.metadata;
        out.metadataSource = "hdrgm XMP";
    }
    if (!metadata && parts->gainMapXmp.appleGainMap) {
        if (!parts->gainMapXmp.appleHeadroom) {
            return fail(ErrorCode::UnsupportedFormat,
                        "Apple HDR gain map version " +
                            std::to_string(parts->gainMapXmp.appleVersion.value_or(0)) +
                            " keeps its headroom in the maker note, which is not read; only the SDR image is "
                            "available",
                        where);
        }
        appleHeadroom = std::max(*parts->gainMapXmp.appleHeadroom, 1.0001f);
        out.metadataSource = "Apple HDRGainMap";
    }
    if (!metadata && !appleHeadroom) {
        return fail(ErrorCode::CorruptData,
                    "the gain-map metadata is unusable: " +
                        (parts->gainMapXmp.metadataProblem.empty()
                             ? std::string("no hdrgm or ISO 21496-1 fields")
                             : parts->gainMapXmp.metadataProblem),
                    where);
    }

    // Both frame sizes from their headers before either image is decoded: each is checked against
    // the limits and the bytes that carry it, and the map against the base.
    const std::string mapWhere = where + " (gain map)";
    auto baseFrame = inspectJpegBytes(file, options.limits, where);
    if (!baseFrame) {
        return tl::unexpected(baseFrame.error());
    }
    auto mapFrame = inspectJpegBytes(parts->gainMap, options.limits, mapWhere);
    if (!mapFrame) {
        return tl::unexpected(mapFrame.error());
    }
    // A map more than 64x larger or 256x smaller than the base on a side is not a gain map we can trust.
    const std::int64_t bw = baseFrame->width, bh = baseFrame->height;
    const std::int64_t mw = mapFrame->width, mh = mapFrame->height;
    if (mw > bw * 64 || mh > bh * 64 || bw > mw * 256 || bh > mh * 256) {
        return fail(ErrorCode::CorruptData,
                    "the gain map (" + std::to_string(mw) + "x" + std::to_string(mh) +
                        ") does not fit the base image (" + std::to_string(bw) + "x" + std::to_string(bh) +
                        ")",
                    where);
    }
    auto base = decodeJpegBytes(file, options.limits, where);
    if (!base) {
        return tl::unexpected(base.error());
    }
    auto map = decodeJpegBytes(parts->gainMap, options.limits, mapWhere);
    if (!map) {
        return tl::unexpected(map.error());
    }
    if (appleHeadroom) {
        out.map = convertAppleMap(*map, *appleHeadroom);
        GainMapMetadata m;
        const float logH = std::log2(*appleHeadroom);
        m.gainMapMin = {0, 0, 0};
        m.gainMapMax = {logH, logH, logH};
        m.offsetSdr = m.offsetHdr = {0, 0, 0};
        m.hdrCapacityMin = 0.0f;
        m.hdrCapacityMax = logH;
        metadata = m;
    } else {
        out.map = gainMapFromBytes(map->width, map->height, map->components, map->samples.data());
    }
    out.metadata = *metadata;

    DisplayImage8 display;
    display.width = base->width;
    display.height = base->height;
    display.channels = 3;
    display.pixels.resize(std::size_t(base->width) * std::size_t(base->height) * 3);
    const std::size_t rowBytes = std::size_t(base->width) * std::size_t(base->components);
    for (int y = 0; y < base->height; ++y) {
        io_detail::expandRowToRgb(base->samples.data() + std::size_t(y) * rowBytes,
                                  base->components,
                                  base->components,
                                  display.row(y),
                                  base->width);
    }
    display.metadata.iccProfile = std::move(base->icc);
    display.metadata.sourceFormat = "JPEG (gain map)";
    display.metadata.sourcePixelType = "uint8";
    display.metadata.sourceChannels = {"R", "G", "B"};
    auto linear = io_detail::linearizeDecoded(std::move(display), options);
    if (!linear) {
        return tl::unexpected(linear.error());
    }
    out.base = std::move(*linear);
    if (base->orientation != 1) {
        // The map follows the base's stored orientation: combine first, rotate afterwards.
        out.base.metadata.attributes["gainmap.orientation"] = std::to_string(base->orientation);
    }
    return out;
}

Result<ImageF> combineGainMapJpeg(GainMapJpegContents&& contents, std::optional<float> headroomStops)
{
    auto hdr = applyGainMap(contents.base, contents.map, contents.metadata, headroomStops);
    if (!hdr) {
        return hdr;
    }
    auto& a = hdr->metadata.attributes;
    a["gainmap.source"] = contents.metadataSource;
    a["gainmap.located_by"] = contents.locatedBy;
    a["gainmap.size"] = std::to_string(contents.map.width) + "x" + std::to_string(contents.map.height) + "x" +
                        std::to_string(contents.map.channels);
    a["gainmap.headroom_stops"] = headroomStops ? std::to_string(*headroomStops) : std::string("full");
    a["gainmap.max_boost_stops"] = std::to_string(std::max(
        {contents.metadata.gainMapMax[0], contents.metadata.gainMapMax[1], contents.metadata.gainMapMax[2]}));
    hdr->metadata.sourceFormat = "JPEG (gain map)";
    hdr->metadata.sourcePixelType = "uint8 + gain map";
    const auto orientation = a.find("gainmap.orientation");
    if (orientation != a.end()) {
        const int o = std::atoi(orientation->second.c_str());
        a.erase(orientation);
        *hdr = io_detail::applyOrientation(std::move(*hdr), o);
    }
    return hdr;
}

Result<ImageF> readJpegWithGainMap(const fs::path& path, const ReadOptions& options)
{
    if (options.gainMapBaseOnly) {
        return readJpeg(path, options);
    }
    auto bytes = readFileBytes(path, kMaxFileBytes);
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    const std::span<const std::uint8_t> file(reinterpret_cast<const std::uint8_t*>(bytes->data()),
                                             bytes->size());
    auto contents = decodeGainMapJpeg(file, options, path.string());
    if (!contents) {
        if (contents.error().code == ErrorCode::UnsupportedFormat) {
            auto plain = readJpeg(path, options); // no (usable) gain map: the JPEG as it is
            if (plain && contents.error().message != "the JPEG has no gain map") {
                plain->metadata.attributes["gainmap.note"] = contents.error().message;
            }
            return plain;
        }
        return tl::unexpected(contents.error());
    }
    return combineGainMapJpeg(std::move(*contents), options.gainMapHeadroomStops);
}

Result<std::vector<std::uint8_t>> assembleUltraHdr(const std::vector<std::uint8_t>& baseRgb8,
                                                   int width,
                                                   int height,
                                                   const std::vector<std::uint8_t>& baseIcc,
                                                   const GainMapImage& map,
                                                   const GainMapMetadata& metadata,
                                                   int quality,
                                                   int gainMapQuality)
{
    if (baseRgb8.size() != std::size_t(width) * std::size_t(height) * 3) {
        return fail(ErrorCode::InvalidArgument, "the base image is malformed");
    }
    auto baseJpeg = encodeJpegBytes(baseRgb8.data(), width, height, 3, quality, baseIcc, {});
    if (!baseJpeg) {
        return tl::unexpected(baseJpeg.error());
    }
    return joinUltraHdr(*baseJpeg, map, metadata, gainMapQuality);
}

Result<std::vector<std::uint8_t>> joinUltraHdr(const std::vector<std::uint8_t>& baseJpeg,
                                               const GainMapImage& map,
                                               const GainMapMetadata& metadata,
                                               int gainMapQuality,
                                               bool gainMapRgb)
{
    if (auto ok = metadata.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (!map.valid()) {
        return fail(ErrorCode::InvalidArgument, "the gain map is malformed");
    }
    const std::vector<JpegMarker> mapMarkers{
        {0xE1, textPayload(kXmpSignature, makeGainMapXmp(metadata))},
        {0xE2, withSignature(kIsoGainMapSignature, encodeIsoGainMapMetadata(metadata))}};
    const std::vector<std::uint8_t> mapBytes = gainMapToBytes(map);
    auto mapJpeg = encodeJpegBytes(
        mapBytes.data(), map.width, map.height, map.channels, gainMapQuality, {}, mapMarkers, gainMapRgb);
    if (!mapJpeg) {
        return tl::unexpected(mapJpeg.error());
    }
    const std::vector<JpegMarker> primaryMarkers{
        {0xE1, textPayload(kXmpSignature, makePrimaryXmp(mapJpeg->size()))},
        {0xE2, withSignature(kIsoGainMapSignature, encodeIsoGainMapVersion())},
        {0xE2, makeMpfPayload(0, 0, 0)}};
    return assembleGainMapJpeg(insertSegments(baseJpeg, primaryMarkers), *mapJpeg);
}

Result<std::vector<std::uint8_t>>
encodeUltraHdr(const ImageF& hdrIn, const ImageF* sdrIn, const UltraHdrWriteOptions& options, JobContext& ctx)
{
    if (hdrIn.empty()) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the HDR image is empty");
    }
    if (sdrIn && (sdrIn->width() != hdrIn.width() || sdrIn->height() != hdrIn.height())) {
        return fail(ErrorCode::InvalidArgument,
                    "the SDR image (" + std::to_string(sdrIn->width()) + "x" +
                        std::to_string(sdrIn->height()) + ") must have the HDR image's size (" +
                        std::to_string(hdrIn.width()) + "x" + std::to_string(hdrIn.height()) + ")");
    }
    if (auto ok = options.encode.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = options.toneMap.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    return guarded(ErrorCode::Internal, {}, [&]() -> std::vector<std::uint8_t> {
        const LinearColorSpace rec709{};
        ImageF hdr = withChannels(convertPrimaries(hdrIn, rec709), 3);
        ImageF sdr;
        ctx.setProgress(0.05, "Tone mapping");
        if (sdrIn) {
            sdr = withChannels(convertPrimaries(*sdrIn, rec709), 3);
        } else {
            sdr = hdr;
            toneMapPixels(options.toneMap, sdr.data(), std::size_t(sdr.pixelCount()), 3);
        }
        throwIfCancelled(ctx);
        // The base as decoders will see it: sRGB 8-bit, JPEG-compressed, decoded again.
        const DisplayImage8 display = encodeDisplay8(sdr, Transfer::srgb(), rec709);
        const std::vector<std::uint8_t> icc = makeIccProfile(rec709, Transfer::srgb(), "sRGB IEC61966-2.1");
        ctx.setProgress(0.2, "Encoding SDR base");
        // Encoded once: decoded here to compute the map, then used as the primary as it is.
        auto baseJpeg = encodeJpegBytes(
            display.pixels.data(), display.width, display.height, 3, options.quality, icc, {});
        if (!baseJpeg) {
            throw HdrError(baseJpeg.error());
        }
        auto decoded = decodeJpegBytes(*baseJpeg, ImageLimits{}, "base");
        if (!decoded) {
            throw HdrError(decoded.error());
        }
        DisplayImage8 seen = display;
        seen.pixels = std::move(decoded->samples);
        const ImageF seenLinear = decodeDisplay(seen);
        throwIfCancelled(ctx);
        ctx.setProgress(0.5, "Computing gain map");
        auto encoded = encodeGainMap(hdr, seenLinear, options.encode);
        if (!encoded) {
            throw HdrError(encoded.error());
        }
        ctx.setProgress(0.8, "Writing JPEG_R");
        auto bytes = joinUltraHdr(
            *baseJpeg, encoded->map, encoded->metadata, options.gainMapQuality, options.gainMapRgb);
        if (!bytes) {
            throw HdrError(bytes.error());
        }
        ctx.setProgress(1.0, "Done");
        return std::move(*bytes);
    });
}

Status writeUltraHdr(const ImageF& hdr,
                     const ImageF* sdr,
                     const fs::path& path,
                     const UltraHdrWriteOptions& options,
                     JobContext& ctx)
{
    std::error_code ec;
    if (!options.overwrite && fs::exists(path, ec)) {
        return fail(
            ErrorCode::AlreadyExists, "the output exists; pass overwrite to replace it", path.string());
    }
    auto bytes = encodeUltraHdr(hdr, sdr, options, ctx);
    if (!bytes) {
        Error e = bytes.error();
        e.where = path.string();
        return tl::unexpected(e);
    }
    return writeFileAtomically(
        path,
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes->data()), bytes->size()),
        options.overwrite);
}

} // namespace hdr::core
