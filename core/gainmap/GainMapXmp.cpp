#include "gainmap/GainMapXmp.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace hdr::core {

namespace {

constexpr std::string_view kHdrgmNamespace = "http://ns.adobe.com/hdr-gain-map/1.0/";

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::optional<float> parseNumber(std::string_view s)
{
    s = trim(s);
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
    }
    float v = 0.0f;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

// The prefix bound to `ns` by an xmlns:PREFIX="ns" declaration, or empty.
std::string prefixFor(std::string_view xmp, std::string_view ns)
{
    for (std::size_t at = xmp.find(ns); at != std::string_view::npos; at = xmp.find(ns, at + 1)) {
        if (at < 2 || (xmp[at - 1] != '"' && xmp[at - 1] != '\'')) {
            continue;
        }
        std::size_t eq = at - 1;
        while (eq > 0 && xmp[eq - 1] == ' ') {
            --eq;
        }
        if (eq == 0 || xmp[eq - 1] != '=') {
            continue;
        }
        std::size_t nameEnd = eq - 1, nameStart = nameEnd;
        while (nameStart > 0 && xmp[nameStart - 1] != ' ' && xmp[nameStart - 1] != '\n' &&
               xmp[nameStart - 1] != '\t' && xmp[nameStart - 1] != '\r' && xmp[nameStart - 1] != '<') {
            --nameStart;
        }
        const std::string_view name = xmp.substr(nameStart, nameEnd - nameStart);
        if (name.substr(0, 6) == "xmlns:") {
            return std::string(name.substr(6));
        }
    }
    return {};
}

// Values of `qname` as an attribute (qname="v") or element (<qname>v</qname>, or a list of
// <rdf:li>v</rdf:li> inside it). Empty when absent.
std::vector<std::string_view> fieldValues(std::string_view xmp, const std::string& qname)
{
    for (std::size_t at = xmp.find(qname); at != std::string_view::npos; at = xmp.find(qname, at + 1)) {
        const bool boundary = at > 0 && (xmp[at - 1] == ' ' || xmp[at - 1] == '\n' || xmp[at - 1] == '\t' ||
                                         xmp[at - 1] == '\r' || xmp[at - 1] == '<');
        std::size_t p = at + qname.size();
        if (!boundary || p >= xmp.size()) {
            continue;
        }
        if (xmp[at - 1] != '<') { // attribute
            while (p < xmp.size() && xmp[p] == ' ') {
                ++p;
            }
            if (p + 1 >= xmp.size() || xmp[p] != '=') {
                continue;
            }
            ++p;
            while (p < xmp.size() && xmp[p] == ' ') {
                ++p;
            }
            if (p >= xmp.size() || (xmp[p] != '"' && xmp[p] != '\'')) {
                continue;
            }
            const std::size_t close = xmp.find(xmp[p], p + 1);
            if (close == std::string_view::npos) {
                return {};
            }
            return {xmp.substr(p + 1, close - p - 1)};
        }
        // element
        if (xmp[p] != '>') {
            continue;
        }
        const std::size_t contentStart = p + 1;
        const std::size_t end = xmp.find("</" + qname, contentStart);
        if (end == std::string_view::npos) {
            return {};
        }
        const std::string_view content = xmp.substr(contentStart, end - contentStart);
        std::vector<std::string_view> items;
        for (std::size_t li = content.find("li>"); li != std::string_view::npos;
             li = content.find("li>", li + 3)) {
            if (li == 0 || (content[li - 1] != ':' && content[li - 1] != '<')) {
                continue;
            }
            const std::size_t tagStart = content.rfind('<', li);
            if (tagStart == std::string_view::npos || content.substr(tagStart + 1, 1) == "/") {
                continue; // a closing tag
            }
            const std::size_t valueStart = li + 3;
            const std::size_t valueEnd = content.find('<', valueStart);
            if (valueEnd == std::string_view::npos) {
                break;
            }
            items.push_back(trim(content.substr(valueStart, valueEnd - valueStart)));
        }
        if (items.empty()) {
            items.push_back(trim(content));
        }
        return items;
    }
    return {};
}

// Fills a per-channel array: one value applies to all channels; three values are per channel.
// Returns false when present but malformed.
bool readChannels(std::string_view xmp, const std::string& qname, std::array<float, 3>& out, bool& present)
{
    const auto values = fieldValues(xmp, qname);
    present = !values.empty();
    if (values.empty()) {
        return true;
    }
    if (values.size() != 1 && values.size() != 3) {
        return false;
    }
    for (std::size_t c = 0; c < 3; ++c) {
        const auto v = parseNumber(values[values.size() == 1 ? 0 : c]);
        if (!v) {
            return false;
        }
        out[c] = *v;
    }
    return true;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

void parseContainer(std::string_view xmp, XmpGainMapInfo& info)
{
    // Each item is one element carrying ...:Semantic="..." and optionally ...:Mime / ...:Length.
    for (std::size_t at = xmp.find(":Semantic="); at != std::string_view::npos;
         at = xmp.find(":Semantic=", at + 1)) {
        const std::size_t elementStart = xmp.rfind('<', at);
        const std::size_t elementEnd = xmp.find('>', at);
        if (elementStart == std::string_view::npos || elementEnd == std::string_view::npos) {
            break;
        }
        const std::string_view element = xmp.substr(elementStart, elementEnd - elementStart);
        auto attribute = [&](std::string_view name) -> std::string_view {
            const std::size_t p = element.find(name);
            if (p == std::string_view::npos || p + name.size() >= element.size()) {
                return {};
            }
            const char quote = element[p + name.size()];
            const std::size_t close = element.find(quote, p + name.size() + 1);
            return close == std::string_view::npos
                       ? std::string_view{}
                       : element.substr(p + name.size() + 1, close - p - name.size() - 1);
        };
        GContainerItem item;
        item.semantic = std::string(attribute(":Semantic="));
        item.mime = std::string(attribute(":Mime="));
        const auto length = parseNumber(attribute(":Length="));
        if (length && *length > 0 && *length < 4.0e9f) {
            item.length = std::size_t(*length);
        }
        info.container.push_back(std::move(item));
    }
}

std::string formatFloat(float v)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", double(v));
    return text;
}

} // namespace

XmpGainMapInfo parseGainMapXmp(std::string_view xmp)
{
    XmpGainMapInfo info;
    parseContainer(xmp, info);
    if (xmp.find("aux:hdrgainmap") != std::string_view::npos) {
        info.appleGainMap = true;
    }
    const std::string apple = prefixFor(xmp, "http://ns.apple.com/HDRGainMap/1.0/");
    if (!apple.empty()) {
        if (auto v = fieldValues(xmp, apple + ":HDRGainMapVersion"); v.size() == 1) {
            if (auto n = parseNumber(v[0]); n && *n >= 0 && *n < 1e9f) {
                info.appleVersion = int(*n);
            }
        }
        if (auto v = fieldValues(xmp, apple + ":HDRGainMapHeadroom"); v.size() == 1) {
            if (auto n = parseNumber(v[0]); n && *n >= 1.0f && *n < 1e6f) {
                info.appleHeadroom = *n;
            }
        }
    }

    const std::string p = prefixFor(xmp, kHdrgmNamespace);
    if (p.empty()) {
        return info;
    }
    if (auto v = fieldValues(xmp, p + ":Version"); v.size() == 1) {
        info.hdrgmVersion = std::string(v[0]);
    }
    GainMapMetadata m;
    bool present = false, hasMax = false, hasCapacityMax = false;
    // Defaults of hdr.md §2.2: GainMapMin 0, Gamma 1, offsets 1/64, HDRCapacityMin 0.
    m.gainMapMin = {0, 0, 0};
    bool ok = readChannels(xmp, p + ":GainMapMin", m.gainMapMin, present) &&
              readChannels(xmp, p + ":GainMapMax", m.gainMapMax, hasMax) &&
              readChannels(xmp, p + ":Gamma", m.gamma, present) &&
              readChannels(xmp, p + ":OffsetSDR", m.offsetSdr, present) &&
              readChannels(xmp, p + ":OffsetHDR", m.offsetHdr, present);
    std::array<float, 3> capacity{0, 0, 0};
    ok = ok && readChannels(xmp, p + ":HDRCapacityMin", capacity, present);
    m.hdrCapacityMin = capacity[0];
    ok = ok && readChannels(xmp, p + ":HDRCapacityMax", capacity, hasCapacityMax);
    m.hdrCapacityMax = capacity[0];
    if (auto v = fieldValues(xmp, p + ":BaseRenditionIsHDR"); v.size() == 1) {
        m.baseIsHdr = equalsIgnoreCase(v[0], "true");
    }
    if (!ok) {
        info.metadataProblem = "a hdrgm field holds something other than one or three numbers";
    } else if (!hasMax && !hasCapacityMax) {
        // Only hdrgm:Version: the primary image's XMP of an Ultra HDR file.
    } else if (!hasMax || !hasCapacityMax) {
        info.metadataProblem = "the required hdrgm:GainMapMax or hdrgm:HDRCapacityMax is missing";
    } else if (auto valid = m.validate(); !valid) {
        info.metadataProblem = valid.error().message;
    } else {
        info.metadata = m;
    }
    return info;
}

std::string makePrimaryXmp(std::size_t gainMapLength)
{
    return "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"HDR Studio\">\n"
           " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
           "  <rdf:Description rdf:about=\"\"\n"
           "    xmlns:Container=\"http://ns.google.com/photos/1.0/container/\"\n"
           "    xmlns:Item=\"http://ns.google.com/photos/1.0/container/item/\"\n"
           "    xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\"\n"
           "    hdrgm:Version=\"1.0\">\n"
           "   <Container:Directory>\n"
           "    <rdf:Seq>\n"
           "     <rdf:li rdf:parseType=\"Resource\">\n"
           "      <Container:Item Item:Semantic=\"Primary\" Item:Mime=\"image/jpeg\"/>\n"
           "     </rdf:li>\n"
           "     <rdf:li rdf:parseType=\"Resource\">\n"
           "      <Container:Item Item:Semantic=\"GainMap\" Item:Mime=\"image/jpeg\" Item:Length=\"" +
           std::to_string(gainMapLength) +
           "\"/>\n"
           "     </rdf:li>\n"
           "    </rdf:Seq>\n"
           "   </Container:Directory>\n"
           "  </rdf:Description>\n"
           " </rdf:RDF>\n"
           "</x:xmpmeta>\n";
}

std::string makeGainMapXmp(const GainMapMetadata& m)
{
    const bool single = m.isSingleChannel();
    std::string attributes = "    hdrgm:Version=\"1.0\"\n";
    std::string elements;
    auto add = [&](const char* name, const std::array<float, 3>& v) {
        if (single) {
            attributes += std::string("    hdrgm:") + name + "=\"" + formatFloat(v[0]) + "\"\n";
            return;
        }
        elements += std::string("   <hdrgm:") + name + ">\n    <rdf:Seq>\n";
        for (float x : v) {
            elements += "     <rdf:li>" + formatFloat(x) + "</rdf:li>\n";
        }
        elements += std::string("    </rdf:Seq>\n   </hdrgm:") + name + ">\n";
    };
    add("GainMapMin", m.gainMapMin);
    add("GainMapMax", m.gainMapMax);
    add("Gamma", m.gamma);
    add("OffsetSDR", m.offsetSdr);
    add("OffsetHDR", m.offsetHdr);
    attributes += "    hdrgm:HDRCapacityMin=\"" + formatFloat(m.hdrCapacityMin) + "\"\n";
    attributes += "    hdrgm:HDRCapacityMax=\"" + formatFloat(m.hdrCapacityMax) + "\"\n";
    attributes += std::string("    hdrgm:BaseRenditionIsHDR=\"") + (m.baseIsHdr ? "True" : "False") + "\"";
    return "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"HDR Studio\">\n"
           " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
           "  <rdf:Description rdf:about=\"\"\n"
           "    xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\"\n" +
           attributes + (elements.empty() ? "/>\n" : ">\n" + elements + "  </rdf:Description>\n") +
           " </rdf:RDF>\n"
           "</x:xmpmeta>\n";
}

} // namespace hdr::core
