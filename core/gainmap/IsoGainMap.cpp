#include "gainmap/IsoGainMap.h"

#include <algorithm>
#include <cmath>

namespace hdr::core {

namespace {

constexpr std::uint8_t kMultiChannel = 0x80;
constexpr std::uint8_t kUseBaseColourSpace = 0x40;
constexpr std::uint8_t kCommonDenominator = 0x08;
constexpr std::uint8_t kBackwardDirection = 0x04;

void putU16(std::vector<std::uint8_t>& out, std::uint16_t v)
{
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v));
}

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(std::uint8_t(v >> shift));
    }
}

// A value as numerator/denominator; denominators are powers of two so that short binary fractions
// (1/64, 0.5) are exact.
void putRational(std::vector<std::uint8_t>& out, double v, bool isSigned)
{
    const std::uint32_t d = std::fabs(v) < 4.0 ? (1u << 28) : (1u << 22);
    const double n = std::round(v * double(d));
    if (isSigned) {
        putU32(out, std::uint32_t(std::int32_t(n)));
    } else {
        putU32(out, std::uint32_t(std::max(0.0, n)));
    }
    putU32(out, d);
}

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> b)
        : m_bytes(b)
    {
    }
    std::size_t remaining() const { return m_bytes.size() - m_at; }
    std::uint32_t u32()
    {
        need(4);
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            v = (v << 8) | m_bytes[m_at++];
        }
        return v;
    }
    std::uint16_t u16()
    {
        need(2);
        const std::uint16_t v = std::uint16_t((m_bytes[m_at] << 8) | m_bytes[m_at + 1]);
        m_at += 2;
        return v;
    }
    std::uint8_t u8()
    {
        need(1);
        return m_bytes[m_at++];
    }

private:
    void need(std::size_t n) const
    {
        if (remaining() < n) {
            throwError(ErrorCode::CorruptData, "the ISO 21496-1 gain-map metadata is truncated");
        }
    }
    std::span<const std::uint8_t> m_bytes;
    std::size_t m_at = 0;
};

double ratio(double n, std::uint32_t d)
{
    if (d == 0) {
        throwError(ErrorCode::CorruptData, "the ISO 21496-1 gain-map metadata has a zero denominator");
    }
    return n / double(d);
}

} // namespace

std::vector<std::uint8_t> encodeIsoGainMapVersion()
{
    std::vector<std::uint8_t> out;
    putU16(out, 0);
    putU16(out, 0);
    return out;
}

std::vector<std::uint8_t> encodeIsoGainMapMetadata(const GainMapMetadata& m)
{
    std::vector<std::uint8_t> out = encodeIsoGainMapVersion();
    const bool single = m.isSingleChannel();
    std::uint8_t flags = 0;
    flags |= single ? 0 : kMultiChannel;
    flags |= m.useBaseColorSpace ? kUseBaseColourSpace : 0;
    flags |= m.baseIsHdr ? kBackwardDirection : 0;
    out.push_back(flags);
    putRational(out, m.baseIsHdr ? m.hdrCapacityMax : m.hdrCapacityMin, false);
    putRational(out, m.baseIsHdr ? m.hdrCapacityMin : m.hdrCapacityMax, false);
    for (int c = 0; c < (single ? 1 : 3); ++c) {
        putRational(out, m.gainMapMin[c], true);
        putRational(out, m.gainMapMax[c], true);
        putRational(out, m.gamma[c], false);
        putRational(out, m.offsetSdr[c], true);
        putRational(out, m.offsetHdr[c], true);
    }
    return out;
}

Result<IsoGainMapRecord> decodeIsoGainMapMetadata(std::span<const std::uint8_t> bytes)
{
    return guarded(ErrorCode::CorruptData, {}, [&]() -> IsoGainMapRecord {
        Reader r(bytes);
        IsoGainMapRecord record;
        record.minimumVersion = r.u16();
        record.writerVersion = r.u16();
        if (record.minimumVersion != 0) {
            throwError(ErrorCode::UnsupportedFormat,
                       "ISO 21496-1 gain-map metadata version " + std::to_string(record.minimumVersion) +
                           " is newer than this reader (0)");
        }
        if (r.remaining() == 0) {
            return record; // version only
        }
        const std::uint8_t flags = r.u8();
        const int channels = (flags & kMultiChannel) ? 3 : 1;
        const bool common = flags & kCommonDenominator;
        const std::uint32_t commonD = common ? r.u32() : 0;
        auto readValue = [&](bool isSigned) {
            const std::uint32_t raw = r.u32();
            const double n = isSigned ? double(std::int32_t(raw)) : double(raw);
            return ratio(n, common ? commonD : r.u32());
        };
        GainMapMetadata m;
        const double baseHeadroom = readValue(false);
        const double altHeadroom = readValue(false);
        for (int c = 0; c < channels; ++c) {
            m.gainMapMin[c] = float(readValue(true));
            m.gainMapMax[c] = float(readValue(true));
            m.gamma[c] = float(readValue(false));
            m.offsetSdr[c] = float(readValue(true));
            m.offsetHdr[c] = float(readValue(true));
        }
        for (int c = channels; c < 3; ++c) {
            m.gainMapMin[c] = m.gainMapMin[0];
            m.gainMapMax[c] = m.gainMapMax[0];
            m.gamma[c] = m.gamma[0];
            m.offsetSdr[c] = m.offsetSdr[0];
            m.offsetHdr[c] = m.offsetHdr[0];
        }
        m.useBaseColorSpace = flags & kUseBaseColourSpace;
        m.baseIsHdr = (flags & kBackwardDirection) || baseHeadroom > altHeadroom;
        m.hdrCapacityMin = float(m.baseIsHdr ? altHeadroom : baseHeadroom);
        m.hdrCapacityMax = float(m.baseIsHdr ? baseHeadroom : altHeadroom);
        if (auto ok = m.validate(); !ok) {
            throwError(ErrorCode::CorruptData, "ISO 21496-1 " + ok.error().message);
        }
        record.metadata = m;
        return record;
    });
}

} // namespace hdr::core
