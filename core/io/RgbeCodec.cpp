#include "io/RgbeCodec.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace hdr::core::rgbe {
namespace {

// Cursor over the pixel data. Every read is checked against the end once per run or dump, not
// per byte, so the hot loops stay memcpy/memset.
struct ScanlineDecoder {
    const std::uint8_t* pos;
    const std::uint8_t* end;
    int length;
    const std::string& where;
    // The last pixel decoded (old-style runs repeat it), valid once havePrevious is set.
    std::uint8_t previous[4] = {0, 0, 0, 0};
    bool havePrevious = false;

    std::size_t remaining() const { return std::size_t(end - pos); }

    [[noreturn]] void corrupt(int scanline, const std::string& what) const
    {
        throwError(ErrorCode::CorruptData,
                   "Radiance HDR file is damaged: scanline " + std::to_string(scanline) + " " + what,
                   where);
    }
    [[noreturn]] void truncated(int scanline) const
    {
        corrupt(scanline, "is cut short (the file ends before all pixels were read)");
    }

    // New-style RLE: each of the 4 components is coded separately; a code byte > 128 is a run of
    // (code - 128) copies of the next byte, 1..128 is a dump of that many literal bytes.
    // `line` null: check only.
    void decodeNewRle(int scanline, std::uint8_t* line)
    {
        for (int component = 0; component < 4; ++component) {
            std::uint8_t* dst = line ? line + std::size_t(component) * std::size_t(length) : nullptr;
            int x = 0;
            while (x < length) {
                if (pos == end) {
                    truncated(scanline);
                }
                const unsigned code = *pos++;
                const int left = length - x;
                if (code > 128) {
                    const int n = int(code - 128);
                    if (n > left) {
                        corrupt(scanline,
                                "has a run of " + std::to_string(n) + " that overflows the " +
                                    std::to_string(length) + "-pixel scanline");
                    }
                    if (pos == end) {
                        truncated(scanline);
                    }
                    if (dst) {
                        std::memset(dst + x, *pos, std::size_t(n));
                    }
                    ++pos;
                    x += n;
                } else {
                    const int n = int(code);
                    if (n == 0) {
                        corrupt(scanline, "has a run-length code of 0");
                    }
                    if (n > left) {
                        corrupt(scanline,
                                "has a literal block of " + std::to_string(n) + " that overflows the " +
                                    std::to_string(length) + "-pixel scanline");
                    }
                    if (remaining() < std::size_t(n)) {
                        truncated(scanline);
                    }
                    if (dst) {
                        std::memcpy(dst + x, pos, std::size_t(n));
                    }
                    pos += n;
                    x += n;
                }
            }
        }
        if (line) {
            const std::size_t last = std::size_t(length) - 1;
            for (int c = 0; c < 4; ++c) {
                previous[c] = line[std::size_t(c) * std::size_t(length) + last];
            }
        }
        havePrevious = true;
    }

    // Flat pixels, possibly with old-style runs: a pixel (1,1,1,n) repeats the previous pixel
    // n << shift times, where shift grows by 8 for each consecutive run marker (so a second
    // marker supplies the next higher byte of the count) and resets after a literal pixel.
    // Returns true when at least one run marker was met. `line` null: check only.
    bool decodeFlatOrOldRle(int scanline, std::uint8_t* line)
    {
        const std::size_t len = std::size_t(length);
        std::uint8_t* r = line;
        std::uint8_t* g = line ? line + len : nullptr;
        std::uint8_t* b = line ? line + 2 * len : nullptr;
        std::uint8_t* e = line ? line + 3 * len : nullptr;
        bool sawRun = false;
        unsigned shift = 0;
        std::size_t x = 0;
        while (x < len) {
            if (remaining() < 4) {
                truncated(scanline);
            }
            const std::uint8_t* px = pos;
            pos += 4;
            if (px[0] == 1 && px[1] == 1 && px[2] == 1) {
                if (!havePrevious) {
                    corrupt(scanline, "starts with a repeat marker but there is no pixel to repeat");
                }
                // Shifting a non-zero count by 32 or more always overflows any scanline we accept.
                const std::uint64_t count =
                    shift < 32 ? std::uint64_t(px[3]) << shift
                               : (px[3] != 0 ? std::numeric_limits<std::uint64_t>::max() : 0);
                if (count > len - x) {
                    corrupt(scanline,
                            "has a repeat of " + std::to_string(count) + " pixels that overflows the " +
                                std::to_string(length) + "-pixel scanline");
                }
                const std::size_t n = std::size_t(count);
                if (line) {
                    std::memset(r + x, previous[0], n);
                    std::memset(g + x, previous[1], n);
                    std::memset(b + x, previous[2], n);
                    std::memset(e + x, previous[3], n);
                }
                x += n;
                shift = std::min(shift + 8, 32u);
                sawRun = true;
            } else {
                if (line) {
                    r[x] = px[0];
                    g[x] = px[1];
                    b[x] = px[2];
                    e[x] = px[3];
                }
                std::memcpy(previous, px, 4);
                havePrevious = true;
                ++x;
                shift = 0;
            }
        }
        return sawRun;
    }
};

} // namespace

std::uint64_t minimumCodedBytes(std::int64_t count, std::int64_t length)
{
    const auto n = std::uint64_t(std::max<std::int64_t>(count, 0));
    const auto len = std::uint64_t(std::max<std::int64_t>(length, 0));
    const bool rleCapable = length >= kMinRleLength && length <= kMaxRleLength;
    const std::uint64_t perScanline = rleCapable ? 4 + 8 * ((len + 126) / 127) : 4 * len;
    return n * perScanline;
}

unsigned decodeScanlines(
    std::span<const std::uint8_t> data, int count, int length, std::uint8_t* planar, const std::string& where)
{
    ScanlineDecoder decoder{data.data(), data.data() + data.size(), length, where};
    const bool rleCapable = length >= kMinRleLength && length <= kMaxRleLength;
    const std::size_t scanlineBytes = std::size_t(length) * 4;
    unsigned seen = 0;
    for (int s = 0; s < count; ++s) {
        std::uint8_t* line = planar ? planar + std::size_t(s) * scanlineBytes : nullptr;
        const std::uint8_t* p = decoder.pos;
        if (rleCapable && decoder.remaining() >= 4 && p[0] == 2 && p[1] == 2 && (p[2] & 0x80) == 0) {
            const int marked = (int(p[2]) << 8) | int(p[3]);
            if (marked != length) {
                decoder.corrupt(s,
                                "says it is " + std::to_string(marked) + " pixels wide, but the image is " +
                                    std::to_string(length) + " pixels wide");
            }
            decoder.pos += 4;
            decoder.decodeNewRle(s, line);
            seen |= CodingNewRle;
        } else {
            seen |= decoder.decodeFlatOrOldRle(s, line) ? CodingOldRle : CodingFlat;
        }
    }
    return seen;
}

const std::array<float, 256>& exponentScale()
{
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int e = 1; e < 256; ++e) {
            t[std::size_t(e)] = std::ldexp(1.0f, e - 136);
        }
        return t;
    }();
    return table;
}

void encodePixel(float r, float g, float b, std::uint8_t out[4])
{
    // 255 * 2^119: the largest value an RGBE pixel can hold.
    static constexpr float kMaxValue = 255.0f * 0x1p119f;
    auto sanitize = [](float v) { return v > 0.0f ? std::min(v, kMaxValue) : 0.0f; }; // NaN -> 0
    r = sanitize(r);
    g = sanitize(g);
    b = sanitize(b);
    const float v = std::max(r, std::max(g, b));
    int exponent = 0;
    std::frexp(v, &exponent); // v = f * 2^exponent, f in [0.5, 1)
    if (v == 0.0f || exponent < -134) {
        std::memset(out, 0, 4);
        return;
    }
    // Values below 2^-128 get the smallest exponent and a mantissa below 128 (decoders multiply
    // mantissa by the scale, so this keeps them instead of flushing to zero).
    exponent = std::max(exponent, -127);
    auto mantissa = [&](float c) { return unsigned(std::ldexp(c, 8 - exponent) + 0.5f); };
    unsigned m[3] = {mantissa(r), mantissa(g), mantissa(b)};
    if (std::max(m[0], std::max(m[1], m[2])) > 255) { // rounded up to the next power of two
        ++exponent;
        m[0] = mantissa(r);
        m[1] = mantissa(g);
        m[2] = mantissa(b);
    }
    // (1,1,1,e) would read as an old-style run marker in a flat scanline; it only arises for
    // values around 2^-135, which we flush to zero.
    if ((m[0] | m[1] | m[2]) == 0 || (m[0] == 1 && m[1] == 1 && m[2] == 1)) {
        std::memset(out, 0, 4);
        return;
    }
    out[0] = std::uint8_t(m[0]);
    out[1] = std::uint8_t(m[1]);
    out[2] = std::uint8_t(m[2]);
    out[3] = std::uint8_t(exponent + 128);
}

namespace {

// Run/dump coding of one component: runs of 4 or more equal bytes become (128 + n, byte) with
// n <= 127; everything else goes out in literal blocks of at most 128 bytes.
void appendComponent(const std::uint8_t* src, std::size_t n, std::vector<std::uint8_t>& out)
{
    constexpr std::size_t kMinRun = 4; // a shorter run costs as much as dumping it
    std::size_t i = 0;
    while (i < n) {
        std::size_t runStart = i;
        std::size_t runLength = 0;
        while (runStart < n) {
            runLength = 1;
            while (runStart + runLength < n && runLength < 127 &&
                   src[runStart + runLength] == src[runStart]) {
                ++runLength;
            }
            if (runLength >= kMinRun) {
                break;
            }
            runStart += runLength;
        }
        while (i < runStart) {
            const std::size_t k = std::min<std::size_t>(128, runStart - i);
            out.push_back(std::uint8_t(k));
            out.insert(out.end(), src + i, src + i + k);
            i += k;
        }
        if (runStart < n) {
            out.push_back(std::uint8_t(128 + runLength));
            out.push_back(src[runStart]);
            i = runStart + runLength;
        }
    }
}

} // namespace

void appendScanline(const std::uint8_t* planar, int length, std::vector<std::uint8_t>& out)
{
    const std::size_t len = std::size_t(length);
    if (length < kMinRleLength || length > kMaxRleLength) {
        const std::size_t start = out.size();
        out.resize(start + len * 4);
        std::uint8_t* dst = out.data() + start;
        for (std::size_t x = 0; x < len; ++x) {
            for (std::size_t c = 0; c < 4; ++c) {
                *dst++ = planar[c * len + x];
            }
        }
        return;
    }
    out.push_back(2);
    out.push_back(2);
    out.push_back(std::uint8_t(length >> 8));
    out.push_back(std::uint8_t(length & 0xff));
    for (std::size_t c = 0; c < 4; ++c) {
        appendComponent(planar + c * len, len, out);
    }
}

} // namespace hdr::core::rgbe
