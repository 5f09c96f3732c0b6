#include "catalog/XmlDocument.h"

#include <algorithm>
#include <map>

namespace hdr::catalog {
namespace {

using core::ErrorCode;

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

[[noreturn]] void malformed(const std::string& what, std::size_t at)
{
    core::throwError(ErrorCode::CorruptData,
                     "the XMP sidecar is not well-formed XML: " + what + " at byte " + std::to_string(at));
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isBlank(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), isSpace);
}

void appendUtf8(std::string& out, unsigned long cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// Decodes the predefined entities and character references of `raw` (found at byte `at`).
std::string decodeEntities(std::string_view raw, std::size_t at)
{
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '&') {
            out += raw[i];
            continue;
        }
        const std::size_t semi = raw.find(';', i);
        if (semi == std::string_view::npos || semi - i > 12) {
            malformed("an unterminated entity reference", at + i);
        }
        const std::string_view name = raw.substr(i + 1, semi - i - 1);
        if (name == "lt") {
            out += '<';
        } else if (name == "gt") {
            out += '>';
        } else if (name == "amp") {
            out += '&';
        } else if (name == "quot") {
            out += '"';
        } else if (name == "apos") {
            out += '\'';
        } else if (name.size() >= 2 && name[0] == '#') {
            const bool hex = name[1] == 'x';
            const std::string_view digits = name.substr(hex ? 2 : 1);
            unsigned long cp = 0;
            if (digits.empty()) malformed("an empty character reference", at + i);
            for (char c : digits) {
                int d = -1;
                if (c >= '0' && c <= '9') d = c - '0';
                if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
                if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
                if (d < 0) malformed("a bad character reference", at + i);
                cp = cp * (hex ? 16 : 10) + unsigned(d);
                if (cp > 0x10FFFF) malformed("a character reference out of range", at + i);
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                malformed("an invalid character reference", at + i);
            appendUtf8(out, cp);
        } else {
            malformed("an unknown entity '&" + std::string(name) + ";' (XMP has no DTD)", at + i);
        }
        i = semi;
    }
    return out;
}

bool isNameChar(char c)
{
    return !isSpace(c) && c != '<' && c != '>' && c != '/' && c != '=' && c != '"' && c != '\'' && c != '&' &&
           c != '\0';
}

void splitQName(std::string_view qname, std::string& prefix, std::string& local)
{
    const auto colon = qname.find(':');
    if (colon == std::string_view::npos) {
        prefix.clear();
        local = std::string(qname);
    } else {
        prefix = std::string(qname.substr(0, colon));
        local = std::string(qname.substr(colon + 1));
    }
}

// In-scope namespace bindings while parsing: prefix -> stack of URIs, popped per element.
class NamespaceScope {
public:
    void bind(const std::string& prefix, const std::string& uri) { m_bindings[prefix].push_back(uri); }
    void unbind(const std::string& prefix)
    {
        auto it = m_bindings.find(prefix);
        if (it != m_bindings.end()) {
            it->second.pop_back();
            if (it->second.empty()) m_bindings.erase(it);
        }
    }
    std::string lookup(const std::string& prefix) const
    {
        if (prefix == "xml") return std::string(kXmlNamespace);
        const auto it = m_bindings.find(prefix);
        return it == m_bindings.end() ? std::string() : it->second.back();
    }

private:
    std::map<std::string, std::vector<std::string>> m_bindings;
};

bool isNamespaceDeclaration(const std::string& qname, std::string& prefix)
{
    if (qname == "xmlns") {
        prefix.clear();
        return true;
    }
    if (qname.rfind("xmlns:", 0) == 0) {
        prefix = qname.substr(6);
        return true;
    }
    return false;
}

class Parser {
public:
    Parser(std::string_view text, const XmlLimits& limits)
        : m_text(text)
        , m_limits(limits)
    {
    }

    XmlDocument run()
    {
        std::size_t pos = 0;
        if (m_text.size() >= 2 &&
            ((m_text[0] == '\xFE' && m_text[1] == '\xFF') || (m_text[0] == '\xFF' && m_text[1] == '\xFE'))) {
            core::throwError(ErrorCode::UnsupportedFormat,
                             "UTF-16 XMP sidecars are not supported (only UTF-8)");
        }
        if (m_text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
        while (pos < m_text.size()) {
            pos = m_text[pos] == '<' ? markup(pos) : characterData(pos);
        }
        if (!m_stack.empty())
            malformed("a truncated document (<" + top().qname + "> is not closed)", m_text.size());
        if (m_doc.elements.empty()) malformed("no root element", m_text.size());
        return std::move(m_doc);
    }

private:
    XmlElement& top() { return m_doc.elements[std::size_t(m_stack.back())]; }

    std::size_t find(std::string_view what, std::size_t from, std::size_t at, const char* description) const
    {
        const std::size_t found = m_text.find(what, from);
        if (found == std::string_view::npos) malformed(std::string("an unterminated ") + description, at);
        return found;
    }

    std::size_t markup(std::size_t pos)
    {
        const std::string_view rest = m_text.substr(pos);
        if (rest.starts_with("<?")) {
            return find("?>", pos + 2, pos, "processing instruction") + 2;
        }
        if (rest.starts_with("<!--")) {
            return find("-->", pos + 4, pos, "comment") + 3;
        }
        if (rest.starts_with("<![CDATA[")) {
            if (m_stack.empty()) malformed("CDATA outside the root element", pos);
            const std::size_t end = find("]]>", pos + 9, pos, "CDATA section");
            const std::string_view data = m_text.substr(pos + 9, end - pos - 9);
            top().text += data;
            top().hasText = top().hasText || !isBlank(data);
            return end + 3;
        }
        if (rest.starts_with("<!")) {
            malformed("a document type declaration (XMP forbids DTDs)", pos);
        }
        if (rest.starts_with("</")) {
            return endTag(pos);
        }
        return startTag(pos);
    }

    std::size_t characterData(std::size_t pos)
    {
        std::size_t end = m_text.find('<', pos);
        if (end == std::string_view::npos) end = m_text.size();
        const std::string_view raw = m_text.substr(pos, end - pos);
        if (m_stack.empty()) {
            if (!isBlank(raw)) malformed("text outside the root element", pos);
        } else {
            top().text += decodeEntities(raw, pos);
            top().hasText = top().hasText || !isBlank(raw);
        }
        return end;
    }

    // A name, which namespaces allow to have at most one ':' and not at either end ("prefix:local").
    std::size_t readName(std::size_t pos, std::string& name) const
    {
        const std::size_t begin = pos;
        while (pos < m_text.size() && isNameChar(m_text[pos]))
            ++pos;
        if (pos == begin) malformed("a missing name", begin);
        name = std::string(m_text.substr(begin, pos - begin));
        const auto colon = name.find(':');
        if (colon != std::string::npos &&
            (colon == 0 || colon + 1 == name.size() || name.find(':', colon + 1) != std::string::npos)) {
            malformed("a name that is not a qualified name (" + name + ")", begin);
        }
        if (name == "xmlns:xmlns") malformed("a declaration of the reserved xmlns prefix", begin);
        return pos;
    }

    std::size_t skipSpace(std::size_t pos) const
    {
        while (pos < m_text.size() && isSpace(m_text[pos]))
            ++pos;
        return pos;
    }

    std::size_t endTag(std::size_t pos)
    {
        std::string name;
        std::size_t p = skipSpace(readName(pos + 2, name));
        if (p >= m_text.size() || m_text[p] != '>') malformed("a broken end tag", pos);
        if (m_stack.empty()) malformed("an end tag </" + name + "> without a start tag", pos);
        XmlElement& element = top();
        if (element.qname != name) {
            malformed("</" + name + "> where </" + element.qname + "> was expected", pos);
        }
        element.content.end = pos;
        element.whole.end = p + 1;
        closeScope();
        return p + 1;
    }

    std::size_t startTag(std::size_t pos)
    {
        if (m_stack.empty() && !m_doc.elements.empty()) malformed("a second root element", pos);
        if (m_stack.size() >= m_limits.maxDepth) malformed("elements nested too deeply", pos);
        if (m_doc.elements.size() >= m_limits.maxElements) malformed("too many elements", pos);
        XmlElement element;
        std::size_t p = readName(pos + 1, element.qname);
        while (true) {
            const std::size_t beforeSpace = p;
            p = skipSpace(p);
            if (p >= m_text.size()) malformed("a truncated start tag", pos);
            if (m_text[p] == '>') {
                element.attributesEnd = beforeSpace;
                ++p;
                break;
            }
            if (m_text[p] == '/') {
                if (p + 1 >= m_text.size() || m_text[p + 1] != '>')
                    malformed("a stray '/' in a start tag", p);
                element.attributesEnd = beforeSpace;
                element.selfClosing = true;
                p += 2;
                break;
            }
            p = attribute(p, element);
        }
        element.startTag = {pos, p};
        element.whole = {pos, p};
        element.content = {p, p};
        element.parent = m_stack.empty() ? -1 : m_stack.back();
        const int index = int(m_doc.elements.size());
        if (element.parent >= 0) m_doc.elements[std::size_t(element.parent)].children.push_back(index);
        m_doc.elements.push_back(std::move(element));
        openScope(index);
        if (m_doc.elements.back().selfClosing) closeScope();
        return p;
    }

    std::size_t attribute(std::size_t pos, XmlElement& element)
    {
        XmlAttribute a;
        std::size_t p = skipSpace(readName(pos, a.qname));
        if (p >= m_text.size() || m_text[p] != '=') malformed("an attribute without a value", pos);
        p = skipSpace(p + 1);
        if (p >= m_text.size() || (m_text[p] != '"' && m_text[p] != '\''))
            malformed("an unquoted attribute value", p);
        const char quote = m_text[p];
        const std::size_t close = find(std::string_view(&quote, 1), p + 1, p, "attribute value");
        const std::string_view raw = m_text.substr(p + 1, close - p - 1);
        if (raw.find('<') != std::string_view::npos) malformed("'<' in an attribute value", p);
        a.value = decodeEntities(raw, p + 1);
        a.rawValue = {p + 1, close};
        a.whole = {pos, close + 1};
        for (const XmlAttribute& other : element.attributes) {
            if (other.qname == a.qname) malformed("a repeated attribute " + a.qname, pos);
        }
        element.attributes.push_back(std::move(a));
        return close + 1;
    }

    void openScope(int index)
    {
        XmlElement& element = m_doc.elements[std::size_t(index)];
        std::vector<std::string> bound;
        std::string prefix;
        for (const XmlAttribute& a : element.attributes) {
            if (isNamespaceDeclaration(a.qname, prefix)) {
                m_scope.bind(prefix, a.value);
                bound.push_back(prefix);
            }
        }
        std::string local;
        splitQName(element.qname, prefix, local);
        element.namespaceUri = m_scope.lookup(prefix);
        element.localName = local;
        for (XmlAttribute& a : element.attributes) {
            std::string attributePrefix;
            if (isNamespaceDeclaration(a.qname, attributePrefix)) continue;
            splitQName(a.qname, prefix, a.localName);
            // Unprefixed attributes are in no namespace (XML Namespaces 1.0 §6.2).
            if (!prefix.empty()) a.namespaceUri = m_scope.lookup(prefix);
        }
        m_stack.push_back(index);
        m_bound.push_back(std::move(bound));
    }

    void closeScope()
    {
        for (const std::string& prefix : m_bound.back())
            m_scope.unbind(prefix);
        m_bound.pop_back();
        m_stack.pop_back();
    }

    std::string_view m_text;
    XmlLimits m_limits;
    XmlDocument m_doc;
    std::vector<int> m_stack;
    std::vector<std::vector<std::string>> m_bound;
    NamespaceScope m_scope;
};

} // namespace

std::string XmlDocument::namespaceOf(int index, std::string_view prefix) const
{
    if (prefix == "xml") return std::string(kXmlNamespace);
    std::string declared;
    for (int i = index; i >= 0; i = elements[std::size_t(i)].parent) {
        for (const XmlAttribute& a : elements[std::size_t(i)].attributes) {
            if (isNamespaceDeclaration(a.qname, declared) && declared == prefix) return a.value;
        }
    }
    return {};
}

bool XmlDocument::prefixFor(int index, std::string_view uri, std::string& prefix) const
{
    std::string declared;
    for (int i = index; i >= 0; i = elements[std::size_t(i)].parent) {
        for (const XmlAttribute& a : elements[std::size_t(i)].attributes) {
            if (isNamespaceDeclaration(a.qname, declared) && !declared.empty() && a.value == uri &&
                namespaceOf(index, declared) == uri) {
                prefix = declared;
                return true;
            }
        }
    }
    return false;
}

core::Result<XmlDocument> parseXml(std::string_view text, const XmlLimits& limits)
{
    return core::guarded(ErrorCode::CorruptData, {}, [&] { return Parser(text, limits).run(); });
}

std::string escapeXml(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

core::Result<std::string> applyEdits(std::string_view text, std::vector<XmlEdit> edits)
{
    std::stable_sort(edits.begin(), edits.end(), [](const XmlEdit& a, const XmlEdit& b) {
        return a.range.begin < b.range.begin;
    });
    std::string out;
    out.reserve(text.size() + 256);
    std::size_t pos = 0;
    for (const XmlEdit& e : edits) {
        if (e.range.begin < pos || e.range.end < e.range.begin || e.range.end > text.size()) {
            return core::fail(ErrorCode::Internal, "overlapping edits of an XMP sidecar");
        }
        out.append(text.substr(pos, e.range.begin - pos));
        out += e.replacement;
        pos = e.range.end;
    }
    out.append(text.substr(pos));
    return out;
}

} // namespace hdr::catalog
