#pragma once

// XMP carrying gain-map metadata (../shared/reference/hdr.md §2.1, §2.2, §2.5):
//  * Adobe Gain Map 1.0 / Ultra HDR: namespace http://ns.adobe.com/hdr-gain-map/1.0/ (any prefix,
//    usually hdrgm), fields as attributes (hdrgm:GainMapMax="6.6") or elements, per-channel values
//    as rdf:Seq lists; defaults of §2.2 for absent optional fields.
//  * GContainer directory (Container:Directory / Item:Semantic, Item:Mime, Item:Length).
//  * Apple legacy: HDRGainMap:HDRGainMapVersion / HDRGainMapHeadroom (linear headroom) and
//    apdi:AuxiliaryImageType urn:com:apple:photo:2020:aux:hdrgainmap.
// The parser is a tolerant text scanner (no XML library): it never throws and never reads past
// the string.

#include "common/Error.h"
#include "gainmap/GainMapMetadata.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::core {

struct GContainerItem {
    std::string semantic; // "Primary", "GainMap"
    std::string mime;
    std::size_t length = 0; // bytes; 0 = not given
};

struct XmpGainMapInfo {
    std::optional<std::string> hdrgmVersion; // present in both the primary and the gain-map XMP
    std::optional<GainMapMetadata> metadata; // when GainMapMax and HDRCapacityMax are present
    std::string metadataProblem;             // why `metadata` is absent although hdrgm fields are
    std::vector<GContainerItem> container;
    bool appleGainMap = false;          // apdi:AuxiliaryImageType ...:hdrgainmap
    std::optional<int> appleVersion;    // HDRGainMapVersion (65536, 131072)
    std::optional<float> appleHeadroom; // HDRGainMapHeadroom (linear, > 1)
};

XmpGainMapInfo parseGainMapXmp(std::string_view xmp);

// XMP packet for the primary image: GContainer directory (Primary + GainMap of gainMapLength
// bytes) and hdrgm:Version="1.0".
std::string makePrimaryXmp(std::size_t gainMapLength);
// XMP packet for the gain-map image: all hdrgm fields (scalars when single-channel, else rdf:Seq).
std::string makeGainMapXmp(const GainMapMetadata& metadata);

} // namespace hdr::core
