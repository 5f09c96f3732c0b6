#include "gainmap/GainMapMetadata.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hdr::core {

bool GainMapMetadata::isSingleChannel() const
{
    auto same = [](const std::array<float, 3>& a) { return a[0] == a[1] && a[1] == a[2]; };
    return same(gainMapMin) && same(gainMapMax) && same(gamma) && same(offsetSdr) && same(offsetHdr);
}

Status GainMapMetadata::validate() const
{
    auto bad = [](const std::string& what) {
        return fail(ErrorCode::InvalidArgument, "invalid gain-map metadata: " + what);
    };
    for (int c = 0; c < 3; ++c) {
        const std::string ch = " (channel " + std::to_string(c) + ")";
        if (!std::isfinite(gainMapMin[c]) || !std::isfinite(gainMapMax[c])) {
            return bad("GainMapMin/GainMapMax must be finite" + ch);
        }
        if (gainMapMin[c] > gainMapMax[c]) {
            return bad("GainMapMin is larger than GainMapMax" + ch);
        }
        if (std::fabs(gainMapMin[c]) > 64.0f || std::fabs(gainMapMax[c]) > 64.0f) {
            return bad("GainMapMin/GainMapMax beyond +-64 stops" + ch);
        }
        if (!(gamma[c] > 0.0f) || !std::isfinite(gamma[c])) {
            return bad("Gamma must be a positive number" + ch);
        }
        if (!(offsetSdr[c] >= 0.0f) || !(offsetHdr[c] >= 0.0f) || !std::isfinite(offsetSdr[c]) ||
            !std::isfinite(offsetHdr[c])) {
            return bad("OffsetSDR/OffsetHDR must be finite and >= 0" + ch);
        }
    }
    if (!std::isfinite(hdrCapacityMin) || !std::isfinite(hdrCapacityMax) || hdrCapacityMin < 0.0f) {
        return bad("HDRCapacityMin must be finite and >= 0, HDRCapacityMax finite");
    }
    if (hdrCapacityMax < hdrCapacityMin) {
        return bad("HDRCapacityMax is smaller than HDRCapacityMin");
    }
    return {};
}

std::string GainMapMetadata::summary() const
{
    char text[512];
    const int channels = isSingleChannel() ? 1 : 3;
    std::string min, max, gam;
    for (int c = 0; c < channels; ++c) {
        char v[64];
        std::snprintf(v, sizeof v, "%s%.4g", c ? "/" : "", double(gainMapMin[c]));
        min += v;
        std::snprintf(v, sizeof v, "%s%.4g", c ? "/" : "", double(gainMapMax[c]));
        max += v;
        std::snprintf(v, sizeof v, "%s%.4g", c ? "/" : "", double(gamma[c]));
        gam += v;
    }
    std::snprintf(text,
                  sizeof text,
                  "GainMapMin %s, GainMapMax %s stops, Gamma %s, OffsetSDR %.4g, OffsetHDR %.4g, "
                  "HDRCapacity %.4g..%.4g stops, base %s",
                  min.c_str(),
                  max.c_str(),
                  gam.c_str(),
                  double(offsetSdr[0]),
                  double(offsetHdr[0]),
                  double(hdrCapacityMin),
                  double(hdrCapacityMax),
                  baseIsHdr ? "HDR" : "SDR");
    return text;
}

float gainMapWeight(const GainMapMetadata& m, std::optional<float> headroomStops)
{
    float w = 1.0f;
    if (headroomStops) {
        const float h = std::isnan(*headroomStops) ? 0.0f : *headroomStops;
        if (m.hdrCapacityMax > m.hdrCapacityMin) {
            w = std::clamp((h - m.hdrCapacityMin) / (m.hdrCapacityMax - m.hdrCapacityMin), 0.0f, 1.0f);
        } else {
            w = h >= m.hdrCapacityMax ? 1.0f : 0.0f;
        }
    }
    return m.baseIsHdr ? 1.0f - w : w;
}

} // namespace hdr::core
