#include "catalog/XmpSidecar.h"

#include "catalog/XmlDocument.h"
#include "common/AtomicFile.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <system_error>

namespace hdr::catalog {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

constexpr std::string_view kFreshPacket =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"HDR Studio\">\n"
    " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
    "  <rdf:Description rdf:about=\"\"\n"
    "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"/>\n"
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n";

struct Property {
    std::string_view uri;
    std::string_view name;
    std::string_view preferredPrefix;
};

constexpr Property kRating{kXmpNamespace, "Rating", "xmp"};
constexpr Property kPickLabel{kDigiKamNamespace, "PickLabel", "digiKam"};
constexpr Property kMicrosoftRating{kMicrosoftPhotoNamespace, "Rating", "MicrosoftPhoto"};
constexpr Property kTagged{kPhotoMechanicNamespace, "Tagged", "photomechanic"};

// Where a property occurs: an attribute of an rdf:Description or a child element of one.
struct Occurrence {
    int description = -1;
    int element = -1;   // the property element, or -1 for an attribute
    int attribute = -1; // index into the description's attributes
    std::string value;  // trimmed; empty for a structured element
};

std::string trimmed(std::string_view s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(begin, end - begin + 1));
}

bool isBlank(std::string_view s)
{
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

struct Packet {
    XmlDocument doc;
    int rdf = -1;
    std::vector<int> descriptions;
};

Packet parsePacket(std::string_view xmp)
{
    Packet p{core::unwrap(parseXml(xmp)), -1, {}};
    for (std::size_t i = 0; i < p.doc.elements.size(); ++i) {
        const XmlElement& e = p.doc.elements[i];
        if (e.namespaceUri == kRdfNamespace && e.localName == "RDF") {
            p.rdf = int(i);
            break;
        }
    }
    if (p.rdf < 0) {
        core::throwError(ErrorCode::CorruptData,
                         "the sidecar is XML but not XMP (it has no rdf:RDF element)");
    }
    for (int child : p.doc.elements[std::size_t(p.rdf)].children) {
        const XmlElement& e = p.doc.elements[std::size_t(child)];
        if (e.namespaceUri == kRdfNamespace && e.localName == "Description") p.descriptions.push_back(child);
    }
    return p;
}

std::vector<Occurrence> occurrences(const Packet& p, const Property& property)
{
    std::vector<Occurrence> found;
    for (int d : p.descriptions) {
        const XmlElement& description = p.doc.elements[std::size_t(d)];
        for (std::size_t a = 0; a < description.attributes.size(); ++a) {
            const XmlAttribute& attribute = description.attributes[a];
            if (attribute.namespaceUri == property.uri && attribute.localName == property.name) {
                found.push_back({d, -1, int(a), trimmed(attribute.value)});
            }
        }
        for (int c : description.children) {
            const XmlElement& child = p.doc.elements[std::size_t(c)];
            if (child.namespaceUri == property.uri && child.localName == property.name) {
                found.push_back({d, c, -1, child.children.empty() ? trimmed(child.text) : std::string()});
            }
        }
    }
    return found;
}

std::optional<double> number(const std::string& text)
{
    double v = 0.0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<std::string> firstValue(const Packet& p, const Property& property)
{
    for (const Occurrence& o : occurrences(p, property)) {
        if (!o.value.empty()) return o.value;
    }
    return std::nullopt;
}

// Windows' mapping of its percent rating to stars (1-12 = 1 star ... 88-99 = 5 stars).
int starsFromPercent(double percent)
{
    if (percent <= 0.0) return 0;
    if (percent < 13.0) return 1;
    if (percent < 38.0) return 2;
    if (percent < 63.0) return 3;
    if (percent < 88.0) return 4;
    return 5;
}

int percentFromStars(int stars)
{
    static constexpr int kPercent[] = {0, 1, 25, 50, 75, 99};
    return kPercent[std::clamp(stars, 0, 5)];
}

CullMarks marksOf(const Packet& p)
{
    CullMarks marks;
    bool rejected = false;
    if (auto rating = firstValue(p, kRating)) {
        if (auto v = number(*rating)) {
            rejected = *v < 0.0;
            marks.stars = rejected ? 0 : std::clamp(int(std::lround(*v)), 0, 5);
        }
    } else if (auto percent = firstValue(p, kMicrosoftRating)) {
        if (auto v = number(*percent)) marks.stars = starsFromPercent(*v);
    }
    bool picked = false;
    if (auto label = firstValue(p, kPickLabel)) {
        rejected = rejected || *label == "1";
        picked = *label == "3";
    }
    if (auto tagged = firstValue(p, kTagged)) {
        picked = picked || *tagged == "True" || *tagged == "true" || *tagged == "1";
    }
    marks.flag = rejected ? Flag::Rejected : picked ? Flag::Picked : Flag::None;
    return marks;
}

class PacketEditor {
public:
    PacketEditor(std::string_view text, const Packet& packet)
        : m_text(text)
        , m_packet(packet)
    {
    }

    // Sets `property` to `value` where it occurs (removing repeats); adds it when absent and
    // `addWhenAbsent`.
    void set(const Property& property, const std::string& value, bool addWhenAbsent)
    {
        const std::vector<Occurrence> found = occurrences(m_packet, property);
        if (found.empty()) {
            if (addWhenAbsent) add(property, value);
            return;
        }
        replace(found.front(), value);
        for (std::size_t i = 1; i < found.size(); ++i)
            remove(found[i]);
    }

    bool has(const Property& property) const { return !occurrences(m_packet, property).empty(); }

    core::Result<std::string> result()
    {
        if (!m_newDescriptions.empty()) {
            const XmlElement& rdf = element(m_packet.rdf);
            if (rdf.selfClosing) {
                // "<rdf:RDF .../>" becomes "<rdf:RDF ...>descriptions</rdf:RDF>".
                const std::size_t slash = m_text.rfind('/', rdf.startTag.end - 1);
                m_edits.push_back(
                    {{slash, rdf.startTag.end}, ">" + m_newDescriptions + "</" + rdf.qname + ">"});
            } else {
                m_edits.push_back({{rdf.content.end, rdf.content.end}, m_newDescriptions});
            }
        }
        return applyEdits(m_text, m_edits);
    }

private:
    const XmlElement& element(int index) const { return m_packet.doc.elements[std::size_t(index)]; }

    void replace(const Occurrence& o, const std::string& value)
    {
        if (o.element < 0) {
            const XmlAttribute& a = element(o.description).attributes[std::size_t(o.attribute)];
            m_edits.push_back({a.rawValue, escapeXml(value)});
            return;
        }
        const XmlElement& e = element(o.element);
        if (e.children.empty() && !e.selfClosing) {
            m_edits.push_back({e.content, escapeXml(value)});
        } else {
            m_edits.push_back({e.whole, "<" + e.qname + ">" + escapeXml(value) + "</" + e.qname + ">"});
        }
    }

    // Removes a repeated occurrence with the white space before it.
    void remove(const Occurrence& o)
    {
        XmlSpan span = o.element < 0 ? element(o.description).attributes[std::size_t(o.attribute)].whole
                                     : element(o.element).whole;
        while (span.begin > 0 &&
               std::string_view(" \t\r\n").find(m_text[span.begin - 1]) != std::string_view::npos)
            --span.begin;
        m_edits.push_back({span, std::string()});
    }

    void add(const Property& property, const std::string& value)
    {
        if (m_packet.descriptions.empty()) {
            addDescription(property, value);
            return;
        }
        // Prefer a description that already has the namespace in scope.
        int target = m_packet.descriptions.front();
        std::string prefix;
        for (int d : m_packet.descriptions) {
            if (m_packet.doc.prefixFor(d, property.uri, prefix)) {
                target = d;
                break;
            }
        }
        const std::string separator = attributeSeparator(target);
        std::string insertion;
        if (!m_packet.doc.prefixFor(target, property.uri, prefix)) {
            prefix = freePrefix(property.preferredPrefix);
            insertion += separator + "xmlns:" + prefix + "=\"" + escapeXml(property.uri) + "\"";
        }
        insertion += separator + prefix + ":" + std::string(property.name) + "=\"" + escapeXml(value) + "\"";
        const std::size_t at = element(target).attributesEnd;
        m_edits.push_back({{at, at}, insertion});
    }

    // A new rdf:Description inside an rdf:RDF that has none (placed by result()).
    void addDescription(const Property& property, const std::string& value)
    {
        const XmlElement& rdf = element(m_packet.rdf);
        const auto colon = rdf.qname.find(':');
        const std::string rdfPrefix =
            colon == std::string::npos ? std::string() : rdf.qname.substr(0, colon + 1);
        const std::string prefix = freePrefix(property.preferredPrefix);
        m_newDescriptions += "<" + rdfPrefix + "Description " + rdfPrefix + "about=\"\" xmlns:" + prefix +
                             "=\"" + escapeXml(property.uri) + "\" " + prefix + ":" +
                             std::string(property.name) + "=\"" + escapeXml(value) + "\"/>";
    }

    // " " in a one-line start tag; in a multi-line one (exiv2, Adobe), a new line indented like
    // the attribute lines.
    std::string attributeSeparator(int index) const
    {
        const XmlElement& e = element(index);
        const std::string_view tag = m_text.substr(e.startTag.begin, e.startTag.end - e.startTag.begin);
        if (tag.find('\n') == std::string_view::npos || e.attributes.empty()) return " ";
        const std::size_t attributeStart = e.attributes.back().whole.begin;
        std::size_t lineStart = attributeStart;
        while (lineStart > e.startTag.begin && m_text[lineStart - 1] != '\n')
            --lineStart;
        const std::string_view lead = m_text.substr(lineStart, attributeStart - lineStart);
        if (lineStart > e.startTag.begin && isBlank(lead)) return "\n" + std::string(lead);
        return "\n    ";
    }

    // A prefix nothing in the document uses or declares: binding it on one element cannot change
    // what any other name means (not even a name whose prefix was never declared).
    std::string freePrefix(std::string_view preferred) const
    {
        std::set<std::string> used;
        const auto prefixOf = [](const std::string& qname) {
            const auto colon = qname.find(':');
            return colon == std::string::npos ? std::string() : qname.substr(0, colon);
        };
        for (const XmlElement& e : m_packet.doc.elements) {
            used.insert(prefixOf(e.qname));
            for (const XmlAttribute& a : e.attributes) {
                used.insert(prefixOf(a.qname));
                if (a.qname.rfind("xmlns:", 0) == 0) used.insert(a.qname.substr(6));
            }
        }
        std::string prefix(preferred);
        for (int n = 1; used.count(prefix) > 0; ++n)
            prefix = std::string(preferred) + std::to_string(n);
        return prefix;
    }

    std::string_view m_text;
    const Packet& m_packet;
    std::vector<XmlEdit> m_edits;
    std::string m_newDescriptions;
};

std::string ratingText(const CullMarks& marks)
{
    return marks.flag == Flag::Rejected ? "-1" : std::to_string(std::clamp(marks.stars, 0, 5));
}

std::string pickLabelText(Flag flag)
{
    return flag == Flag::Picked ? "3" : flag == Flag::Rejected ? "1" : "0";
}

} // namespace

core::Result<CullMarks> readCullMarks(std::string_view xmp)
{
    return core::guarded(ErrorCode::CorruptData, {}, [&] { return marksOf(parsePacket(xmp)); });
}

core::Result<std::string> updateCullMarks(std::string_view xmp, const CullMarks& marks)
{
    return core::guarded(ErrorCode::CorruptData, {}, [&]() -> std::string {
        const std::string_view text = isBlank(xmp) ? kFreshPacket : xmp;
        const Packet packet = parsePacket(text);
        PacketEditor editor(text, packet);
        editor.set(kRating, ratingText(marks), true);
        editor.set(kPickLabel, pickLabelText(marks.flag), marks.flag != Flag::None);
        const int stars = marks.flag == Flag::Rejected ? 0 : marks.stars;
        editor.set(kMicrosoftRating, std::to_string(percentFromStars(stars)), false);
        editor.set(kTagged, marks.flag == Flag::Picked ? "True" : "False", false);
        return core::unwrap(editor.result());
    });
}

fs::path sidecarPathFor(const fs::path& image)
{
    fs::path p = image;
    p += ".xmp";
    return p;
}

fs::path adobeSidecarPathFor(const fs::path& image)
{
    fs::path p = image;
    p.replace_extension(".xmp");
    return p;
}

std::optional<fs::path> existingSidecar(const fs::path& image)
{
    std::error_code ec;
    for (const fs::path& candidate : {sidecarPathFor(image), adobeSidecarPathFor(image)}) {
        if (fs::is_regular_file(candidate, ec)) return candidate;
    }
    return std::nullopt;
}

namespace {

std::string readText(const fs::path& path)
{
    const std::vector<std::byte> bytes = core::unwrap(core::readFileBytes(path, kMaxSidecarBytes));
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

} // namespace

core::Result<SidecarMarks> readSidecar(const fs::path& image)
{
    const std::optional<fs::path> path = existingSidecar(image);
    if (!path) return SidecarMarks{};
    return core::guarded(ErrorCode::CorruptData, path->string(), [&] {
        const std::string text = readText(*path);
        auto marks = isBlank(text) ? core::Result<CullMarks>(CullMarks{}) : readCullMarks(text);
        if (!marks) {
            marks.error().where = path->string();
            throw core::HdrError(marks.error());
        }
        return SidecarMarks{path, *marks};
    });
}

core::Result<std::optional<fs::path>> writeSidecar(const fs::path& image, const CullMarks& marks)
{
    const std::optional<fs::path> existing = existingSidecar(image);
    if (!existing && marks.isDefault()) return std::optional<fs::path>();
    const fs::path path = existing.value_or(sidecarPathFor(image));
    return core::guarded(ErrorCode::IoError, path.string(), [&] {
        const std::string old = existing ? readText(path) : std::string();
        auto updated = updateCullMarks(old, marks);
        if (!updated) {
            updated.error().where = path.string();
            throw core::HdrError(updated.error());
        }
        const auto* bytes = reinterpret_cast<const std::byte*>(updated->data());
        core::unwrap(core::writeFileAtomically(path, {bytes, updated->size()}, true));
        return std::optional<fs::path>(path);
    });
}

} // namespace hdr::catalog
