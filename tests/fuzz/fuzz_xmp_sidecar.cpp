// libFuzzer target for the XMP sidecar reader and updater (catalog/XmpSidecar.h, XmlDocument.h):
// any byte string must give marks or an error without a crash, undefined behaviour or a hang, and
// an update that succeeds must be XML again that reads back exactly the marks written.

#include "catalog/XmlDocument.h"
#include "catalog/XmpSidecar.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace hdr::catalog;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)readCullMarks(text);
    const CullMarks variants[] = {{Flag::None, 0}, {Flag::Picked, 4}, {Flag::Rejected, 0}, {Flag::None, 5}};
    for (const CullMarks& marks : variants) {
        const auto updated = updateCullMarks(text, marks);
        if (!updated) continue;
        if (!parseXml(*updated)) std::abort();
        const auto back = readCullMarks(*updated);
        if (!back || !(*back == marks)) std::abort();
    }
    return 0;
}
