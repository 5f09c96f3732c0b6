#include "common/PluginLoader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <system_error>

namespace hdr::core {

std::vector<std::filesystem::path> pluginSearchPath()
{
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("HDR_PLUGIN_DIR"); env && *env) {
        dirs.emplace_back(env);
    }
    std::error_code ec;
    const auto program = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        dirs.push_back(program.parent_path() / ".." / "lib" / "hdrstudio");
    }
    dirs.emplace_back(HDR_BUILD_PLUGIN_DIR);
    return dirs;
}

Result<void*> resolvePluginSymbol(const std::string& baseName, const char* symbol)
{
    std::string tried;
    for (const auto& dir : pluginSearchPath()) {
        const auto file = dir / ("lib" + baseName + ".so");
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            tried += "\n  " + file.string() + " (absent)";
            continue;
        }
        void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_GLOBAL);
        if (!handle) {
            const char* why = dlerror();
            tried += "\n  " + file.string() + " (" + (why ? why : "cannot be loaded") + ")";
            continue;
        }
        if (void* entry = dlsym(handle, symbol)) {
            return entry;
        }
        tried += "\n  " + file.string() + " (no " + symbol + ")";
    }
    return fail(
        ErrorCode::UnsupportedFormat,
        "The " + baseName +
            " plugin could not be loaded (is this a build without the diffusion engine?); tried:" + tried);
}

} // namespace hdr::core
