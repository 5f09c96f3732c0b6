#include "io/RgbeHeader.h"

#include "common/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace hdr::core::rgbe {
namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && isSpace(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && isSpace(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : char(c);
    });
    return out;
}

// Whitespace-separated numbers, parsed without the C locale (from_chars), e.g. "0.64 0.33 ...".
std::vector<double> parseNumbers(std::string_view s, std::size_t maxCount)
{
    std::vector<double> values;
    s = trim(s);
    while (!s.empty() && values.size() < maxCount + 1) {
        if (s.front() == '+') { // from_chars does not take a leading '+'
            s.remove_prefix(1);
        }
        double v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || (end != s.data() + s.size() && !isSpace(*end))) {
            return {};
        }
        values.push_back(v);
        s = trim(s.substr(std::size_t(end - s.data())));
    }
    return values;
}

std::string formatNumber(double v)
{
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 7);
    return std::string(buf, res.ptr);
}

// "NAME=value" header variable: NAME is a C identifier directly followed by '='.
bool splitVariable(std::string_view line, std::string_view& name, std::string_view& value)
{
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return false;
    }
    name = line.substr(0, eq);
    const bool identifier = std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!identifier || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    value = trim(line.substr(eq + 1));
    return true;
}

bool isAttributeKey(std::string_view key)
{
    return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
        return c > ' ' && c < 0x7f && c != '=';
    });
}

// One axis of the resolution line: sign and axis letter, then a size.
struct Axis {
    char sign = 0;
    char name = 0;
    std::int64_t size = 0;
};

// Parses "-Y 512 +X 1024" (any spacing). Returns false if the text is not a resolution line.
bool parseResolution(std::string_view s, Axis& major, Axis& minor)
{
    auto axis = [&s](Axis& a) {
        s = trim(s);
        if (s.size() < 2 || (s[0] != '+' && s[0] != '-') || (s[1] != 'X' && s[1] != 'Y')) {
            return false;
        }
        a.sign = s[0];
        a.name = s[1];
        s = trim(s.substr(2));
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), a.size);
        if (ec == std::errc::result_out_of_range) {
            a.size = std::numeric_limits<std::int64_t>::max(); // refused as too large by the caller
        } else if (ec != std::errc()) {
            return false;
        }
        s = s.substr(std::size_t(end - s.data()));
        return s.empty() || isSpace(s.front());
    };
    return axis(major) && axis(minor) && trim(s).empty() && major.name != minor.name;
}

std::optional<Chromaticities> parsePrimaries(std::string_view value)
{
    const std::vector<double> v = parseNumbers(value, 8);
    if (v.size() != 8) {
        return std::nullopt;
    }
    for (double c : v) {
        if (!std::isfinite(c) || c < -1.0 || c > 2.0) {
            return std::nullopt;
        }
    }
    // Photoshop writes "PRIMARIES=0 0 0 0 0 0 0 0": no usable gamut, so it is ignored.
    const double area = (v[2] - v[0]) * (v[5] - v[1]) - (v[4] - v[0]) * (v[3] - v[1]);
    if (std::fabs(area) < 1e-4 || std::fabs(v[1]) < 1e-6 || std::fabs(v[3]) < 1e-6 ||
        std::fabs(v[5]) < 1e-6 || v[7] <= 1e-6) {
        return std::nullopt;
    }
    return Chromaticities{float(v[0]),
                          float(v[1]),
                          float(v[2]),
                          float(v[3]),
                          float(v[4]),
                          float(v[5]),
                          float(v[6]),
                          float(v[7])};
}

class HeaderParser {
public:
    HeaderParser(std::span<const std::uint8_t> bytes, const std::string& where)
        : m_bytes(bytes)
        , m_where(where)
    {
    }

    Header parse()
    {
        if (m_bytes.size() < 2 || m_bytes[0] != '#' || m_bytes[1] != '?') {
            throwError(ErrorCode::UnsupportedFormat,
                       "not a Radiance HDR file (it does not start with \"#?\")",
                       m_where);
        }
        nextLine(); // the magic line, e.g. "#?RADIANCE"
        bool haveExposure = false;
        bool haveColorCorr = false;
        for (;;) {
            const std::string_view line = nextLine();
            if (line.empty()) {
                break;
            }
            Axis major, minor;
            if ((line[0] == '-' || line[0] == '+') && parseResolution(line, major, minor)) {
                // Some writers omit the empty line before the resolution; accept that.
                setResolution(major, minor);
                m_header.dataOffset = m_pos;
                return finish(haveExposure, haveColorCorr);
            }
            std::string_view name, value;
            if (line[0] == '#') {
                readComment(line);
            } else if (splitVariable(line, name, value)) {
                const std::string key = lower(name);
                if (key == "exposure") {
                    haveExposure |= accumulate(value, 1, &m_header.exposure);
                } else if (key == "colorcorr") {
                    haveColorCorr |= accumulate(value, 3, m_header.colorCorrection.data());
                } else if (key == "format") {
                    readFormat(value);
                } else {
                    if (key == "primaries") {
                        m_header.primaries = parsePrimaries(value);
                    }
                    std::string& slot = m_header.attributes["rgbe." + key];
                    // VIEW options accumulate like command-line options; other variables: last wins.
                    slot = (key == "view" && !slot.empty()) ? slot + " " + std::string(value)
                                                            : std::string(value);
                }
            } else {
                std::string& history = m_header.attributes["rgbe.history"];
                history += (history.empty() ? "" : "\n") + std::string(trim(line));
            }
        }
        const std::string_view resolution = nextLine();
        Axis major, minor;
        if (!parseResolution(resolution, major, minor)) {
            throwError(ErrorCode::CorruptData,
                       "Radiance HDR resolution line \"" + std::string(resolution.substr(0, 60)) +
                           "\" is not valid (expected e.g. \"-Y 512 +X 1024\")",
                       m_where);
        }
        setResolution(major, minor);
        m_header.dataOffset = m_pos;
        return finish(haveExposure, haveColorCorr);
    }

private:
    // The next '\n'-terminated line without its terminator (and without a trailing '\r').
    std::string_view nextLine()
    {
        const std::size_t limit = std::min({m_bytes.size(), m_pos + kMaxHeaderLine + 1, kMaxHeaderBytes});
        const std::uint8_t* begin = m_bytes.data() + m_pos;
        const void* nl = std::memchr(begin, '\n', limit > m_pos ? limit - m_pos : 0);
        if (!nl) {
            if (limit == m_bytes.size()) {
                throwError(ErrorCode::CorruptData,
                           "Radiance HDR header is cut short (no empty line and resolution line follow it)",
                           m_where);
            }
            if (limit == kMaxHeaderBytes) {
                throwError(ErrorCode::CorruptData,
                           "Radiance HDR header is longer than " + std::to_string(kMaxHeaderBytes / 1024) +
                               " KiB; the file is damaged or not an image",
                           m_where);
            }
            throwError(ErrorCode::CorruptData,
                       "Radiance HDR header line " + std::to_string(m_lineNumber + 1) + " is longer than " +
                           std::to_string(kMaxHeaderLine / 1024) + " KiB",
                       m_where);
        }
        const std::size_t length = std::size_t(static_cast<const std::uint8_t*>(nl) - begin);
        m_pos += length + 1;
        ++m_lineNumber;
        std::string_view line(reinterpret_cast<const char*>(begin), length);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        return line;
    }

    // "# key=value" comments carry attributes (how encodeRgbe writes them); other comments and
    // repeated "#?" magic lines are skipped.
    void readComment(std::string_view line)
    {
        if (line.size() > 1 && line[1] == '?') {
            return;
        }
        line.remove_prefix(1);
        if (!line.empty() && line.front() == ' ') {
            line.remove_prefix(1);
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            return;
        }
        const std::string_view key = line.substr(0, eq);
        if (isAttributeKey(key) && key.substr(0, 5) != "rgbe.") {
            m_header.attributes[std::string(key)] = std::string(line.substr(eq + 1));
        }
    }

    // Multiplies `count` numbers from `value` into `product`; invalid lines are ignored (kept
    // only as text). Returns whether the line was used.
    static bool accumulate(std::string_view value, std::size_t count, double* product)
    {
        const std::vector<double> v = parseNumbers(value, count);
        if (v.size() != count ||
            !std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x) && x > 0.0; })) {
            return false;
        }
        for (std::size_t i = 0; i < count; ++i) {
            product[i] *= v[i];
        }
        return true;
    }

    void readFormat(std::string_view value)
    {
        if (value == "32-bit_rle_rgbe") {
            m_header.xyze = false;
        } else if (value == "32-bit_rle_xyze") {
            m_header.xyze = true;
        } else {
            throwError(ErrorCode::UnsupportedFormat,
                       "Radiance pixel format \"" + std::string(value.substr(0, 60)) +
                           "\" is not supported (32-bit_rle_rgbe and 32-bit_rle_xyze are)",
                       m_where);
        }
    }

    void setResolution(const Axis& major, const Axis& minor)
    {
        Header& h = m_header;
        h.rowsAreScanlines = major.name == 'Y';
        const Axis& y = h.rowsAreScanlines ? major : minor;
        const Axis& x = h.rowsAreScanlines ? minor : major;
        h.topFirst = y.sign == '-';
        h.leftFirst = x.sign == '+';
        h.width = x.size;
        h.height = y.size;
    }

    Header finish(bool haveExposure, bool haveColorCorr)
    {
        // Products of well-formed lines can still under/overflow; then they are not applied.
        auto usable = [](double v) { return std::isfinite(v) && v > 1e-30 && v < 1e30; };
        Header& h = m_header;
        if (haveExposure) {
            h.attributes["rgbe.exposure"] = formatNumber(h.exposure);
        }
        if (!usable(h.exposure)) {
            h.exposure = 1.0;
        }
        if (haveColorCorr) {
            h.attributes["rgbe.colorcorr"] = formatNumber(h.colorCorrection[0]) + " " +
                                             formatNumber(h.colorCorrection[1]) + " " +
                                             formatNumber(h.colorCorrection[2]);
        }
        if (!std::all_of(h.colorCorrection.begin(), h.colorCorrection.end(), usable)) {
            h.colorCorrection = {1, 1, 1};
        }
        return h;
    }

    std::span<const std::uint8_t> m_bytes;
    const std::string& m_where;
    std::size_t m_pos = 0;
    int m_lineNumber = 0;
    Header m_header;
};

std::string sanitizeValue(const std::string& value, std::size_t maxLength)
{
    std::string out = value.substr(0, maxLength);
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\0'; }, ' ');
    return out;
}

// Header variables from a file we read that describe its encoding (already applied to the
// pixels, or replaced by what we write): not copied into a new file.
bool isEncodingVariable(const std::string& name)
{
    return name == "exposure" || name == "colorcorr" || name == "primaries" || name == "format" ||
           name == "software" || name == "gamma" || name == "history" || name == "pixaspect";
}

} // namespace

Header parseHeader(std::span<const std::uint8_t> bytes, const std::string& where)
{
    return HeaderParser(bytes, where).parse();
}

std::string formatHeader(int width,
                         int height,
                         const LinearColorSpace& colorSpace,
                         const std::map<std::string, std::string>& attributes)
{
    constexpr std::size_t kMaxValue = 4096;
    // Leave room below kMaxHeaderBytes so that our own files always read back.
    constexpr std::size_t kAttributeBudget = kMaxHeaderBytes - 4096;
    std::string h = "#?RADIANCE\nSOFTWARE=HDR Studio\n";
    const bool xyz = colorSpace.primaries == Primaries::XYZ;
    h += xyz ? "FORMAT=32-bit_rle_xyze\n" : "FORMAT=32-bit_rle_rgbe\n";
    if (!xyz && colorSpace.primaries != Primaries::Rec709) {
        const Chromaticities c = colorSpace.chromaticities();
        h += "PRIMARIES=";
        for (float v : {c.redX, c.redY, c.greenX, c.greenY, c.blueX, c.blueY, c.whiteX, c.whiteY}) {
            h += formatNumber(double(v)) + " ";
        }
        h.back() = '\n';
    }
    for (const auto& [key, value] : attributes) {
        std::string line;
        if (key.rfind("rgbe.", 0) == 0) {
            const std::string name = key.substr(5);
            std::string_view n, v;
            const std::string probe = name + "=";
            if (isEncodingVariable(name) || !splitVariable(probe, n, v)) {
                continue;
            }
            std::string upper = name;
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
                return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : char(c);
            });
            line = upper + "=" + sanitizeValue(value, kMaxValue) + "\n";
        } else if (isAttributeKey(key) && key.size() < 256) {
            line = "# " + key + "=" + sanitizeValue(value, kMaxValue) + "\n";
        } else {
            continue;
        }
        if (h.size() + line.size() > kAttributeBudget) {
            break;
        }
        h += line;
    }
    h += "\n-Y " + std::to_string(height) + " +X " + std::to_string(width) + "\n";
    return h;
}

} // namespace hdr::core::rgbe
