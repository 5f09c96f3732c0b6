#pragma once
// A small XML reader for XMP sidecars that keeps the byte position of every element and
// attribute, so that an update can splice new values into the original text and leave everything
// else (foreign namespaces, comments, padding, the xpacket wrapper) byte for byte as it was.
// Namespaces are resolved (XMP tools use different prefixes for one namespace: "xap" and "xmp").
// Hostile input gives an error: no DTD (XMP forbids one, and it would allow entity expansion),
// bounded nesting, no recursion, only the five predefined entities and character references.
#include "common/Error.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::catalog {

struct XmlSpan {
    std::size_t begin = 0;
    std::size_t end = 0; // one past the last byte
};

struct XmlAttribute {
    std::string qname;        // as written: "xmp:Rating"
    std::string namespaceUri; // resolved; empty for unprefixed attributes and xmlns declarations
    std::string localName;
    std::string value; // entity references decoded
    XmlSpan whole;     // from the name to the closing quote
    XmlSpan rawValue;  // between the quotes
};

struct XmlElement {
    std::string qname;
    std::string namespaceUri;
    std::string localName;
    std::vector<XmlAttribute> attributes;
    int parent = -1;               // index into XmlDocument::elements, -1 for the root
    std::vector<int> children;     // element children, in order
    XmlSpan whole;                 // start tag to end of end tag (the start tag only when self-closing)
    XmlSpan startTag;              // "<" .. ">"
    std::size_t attributesEnd = 0; // where a new attribute can be inserted (before ">" or "/>")
    XmlSpan content;               // between the tags; empty when self-closing
    bool selfClosing = false;
    bool hasText = false; // non-whitespace character data directly inside
    std::string text;     // the element's direct character data (decoded; CDATA included)
};

struct XmlDocument {
    std::vector<XmlElement> elements; // document order; elements[0] is the root
    // The namespace URI bound to `prefix` where element `index` is ("" when unbound). The xml
    // prefix is always bound.
    std::string namespaceOf(int index, std::string_view prefix) const;
    // The prefix bound to `uri` in scope at element `index`, if any (the nearest declaration
    // wins; a prefix re-bound below it to another URI does not count).
    bool prefixFor(int index, std::string_view uri, std::string& prefix) const;
};

struct XmlLimits {
    std::size_t maxDepth = 256;
    std::size_t maxElements = 200000;
};

core::Result<XmlDocument> parseXml(std::string_view text, const XmlLimits& limits = {});

// Escapes &, <, > and " for an attribute value or character data.
std::string escapeXml(std::string_view text);

// Replacements of byte ranges of the original text, applied all at once (ranges must not overlap).
struct XmlEdit {
    XmlSpan range; // begin == end: an insertion
    std::string replacement;
};
core::Result<std::string> applyEdits(std::string_view text, std::vector<XmlEdit> edits);

} // namespace hdr::catalog
