#pragma once

// Ultra HDR / gain-map JPEG (JPEG_R) reading and writing on top of our libjpeg-turbo codec.
// Container layout, metadata and formulas: ../shared/reference/hdr.md §2.1–2.5; the pure byte
// parts are in core/gainmap (UltraHdrContainer, GainMapXmp, IsoGainMap), the maths in
// gainmap/GainMapMath.h. This file lives in hdr_io because it needs the JPEG pixel codec.
//
// Reading: the primary (SDR) JPEG is linearised through its ICC profile (or sRGB when it has
// none) into scene-linear Rec.709; the gain map is applied there. That is exact for
// single-channel maps (a scalar gain and grey offsets commute with any RGB->RGB matrix that
// keeps the D65 white), and exact for three-channel maps on sRGB/Rec.709 bases (all our shared
// samples); for a three-channel map on a wide-gamut base it applies the map in Rec.709 instead of
// the base primaries. Metadata precedence: ISO 21496-1 record of the gain-map image, then its
// hdrgm XMP, then Apple's HDRGainMap XMP (version 2 with HDRGainMapHeadroom; the older form keeps
// its headroom in the maker note, which we do not read, and is reported as unsupported).
// Apple maps are converted exactly into the standard form: hdr = sdr · (1 + (H − 1)·g), g = the
// sample linearised with γ 2.2 (hdr.md §2.5), i.e. r = log2(1 + (H − 1)·g) / log2(H), Gmin 0,
// Gmax log2(H), offsets 0, HDRCapacityMax log2(H).
//
// Writing: primary = SDR (given, or tone-mapped from the HDR with core/hdr/ToneMap.h) as sRGB
// JPEG with an sRGB ICC profile, XMP (GContainer + hdrgm:Version), the ISO 21496-1 version record
// and an MPF index; then the gain-map JPEG (grey or RGB) with hdrgm XMP and the full ISO record.

#include "common/Error.h"
#include "common/JobContext.h"
#include "gainmap/GainMapMath.h"
#include "io/ImageIO.h"
#include "tonemap/ToneMap.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hdr::core {

// Everything in a gain-map JPEG, decoded but not yet combined.
struct GainMapJpegContents {
    ImageF base;                // primary image, scene-linear (see the header comment)
    GainMapImage map;           // recovery values in [0, 1]
    GainMapMetadata metadata;   // as applied (Apple maps already converted)
    std::string metadataSource; // "ISO 21496-1", "hdrgm XMP", "Apple HDRGainMap"
    std::string locatedBy;      // "MPF" or "GContainer"
};

Result<GainMapJpegContents>
decodeGainMapJpeg(std::span<const std::uint8_t> file, const ReadOptions& options, const std::string& where);

// The reconstructed HDR (scene-linear Rec.709 or the base's own primaries without ICC), at
// `headroomStops` of display headroom (nullopt = full boost). Metadata records the gain map:
// sourceFormat "JPEG (gain map)", attributes "gainmap.*".
Result<ImageF> combineGainMapJpeg(GainMapJpegContents&& contents, std::optional<float> headroomStops);

// readImage() for JPEG files: the HDR when the file has a gain map (unless
// options.gainMapBaseOnly), the plain JPEG otherwise.
Result<ImageF> readJpegWithGainMap(const std::filesystem::path& path, const ReadOptions& options);

struct UltraHdrWriteOptions {
    int quality = 92;        // primary JPEG quality
    int gainMapQuality = 90; // gain-map JPEG quality
    // A 3-channel map stored as R, G, B instead of YCbCr: the colour transform's rounding alone
    // moves codes by 1-2, which matters where the map must reproduce an exact HDR (GM-Diffusion).
    bool gainMapRgb = false;
    GainMapEncodeParams encode;                       // channels, map scale, gamma, offsets, boost range
    ToneMapParams toneMap{ToneMapOperator::Reinhard}; // SDR when none is given
    bool overwrite = false;
};

// Builds the JPEG_R bytes from scene-linear HDR (+ optional scene-linear SDR of the same size; any
// primaries, converted to Rec.709). The gain map is computed against the SDR as the primary JPEG
// actually decodes, so that compression of the base is compensated.
Result<std::vector<std::uint8_t>> encodeUltraHdr(const ImageF& hdr,
                                                 const ImageF* sdr,
                                                 const UltraHdrWriteOptions& options,
                                                 JobContext& ctx = nullJobContext());
Status writeUltraHdr(const ImageF& hdr,
                     const ImageF* sdr,
                     const std::filesystem::path& path,
                     const UltraHdrWriteOptions& options,
                     JobContext& ctx = nullJobContext());

// Low level: a gain-map JPEG from an already display-encoded 8-bit RGB base (with its ICC
// profile) and a map + metadata (the map is quantised to 8 bits).
Result<std::vector<std::uint8_t>> assembleUltraHdr(const std::vector<std::uint8_t>& baseRgb8,
                                                   int width,
                                                   int height,
                                                   const std::vector<std::uint8_t>& baseIcc,
                                                   const GainMapImage& map,
                                                   const GainMapMetadata& metadata,
                                                   int quality,
                                                   int gainMapQuality);
// Same, from an already encoded primary JPEG (its markers are kept; ours go after SOI/JFIF).
Result<std::vector<std::uint8_t>> joinUltraHdr(const std::vector<std::uint8_t>& baseJpeg,
                                               const GainMapImage& map,
                                               const GainMapMetadata& metadata,
                                               int gainMapQuality,
                                               bool gainMapRgb = false);

} // namespace hdr::core
