#include "tensorfile/PythonJson.h"

#include "common/AtomicFile.h"

#include <string>

namespace hdr::diffusion {

core::Result<nlohmann::json> parsePythonJson(std::string_view text, const std::string& where)
{
    std::string fixed;
    fixed.reserve(text.size());
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            fixed.push_back(c);
            if (c == '\\' && i + 1 < text.size()) {
                fixed.push_back(text[++i]);
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (text.substr(i, 9) == "-Infinity") {
            fixed += "-1e308";
            i += 8;
            continue;
        } else if (text.substr(i, 8) == "Infinity") {
            fixed += "1e308";
            i += 7;
            continue;
        } else if (text.substr(i, 3) == "NaN") {
            fixed += "null";
            i += 2;
            continue;
        }
        fixed.push_back(c);
    }
    try {
        return nlohmann::json::parse(fixed);
    } catch (const nlohmann::json::exception& e) {
        return core::fail(core::ErrorCode::CorruptData, std::string("not valid JSON: ") + e.what(), where);
    }
}

core::Result<nlohmann::json> readPythonJsonFile(const std::filesystem::path& path)
{
    auto bytes = core::readFileBytes(path, 64u << 20);
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    return parsePythonJson(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
                           path.string());
}

} // namespace hdr::diffusion
