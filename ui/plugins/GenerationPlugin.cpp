#include "ui/plugins/GenerationPlugin.h"

#include "common/PluginLoader.h"

#include <mutex>

namespace hdr::ui {

core::Result<GenerationPlugin*> loadGenerationPlugin()
{
    static std::once_flag once;
    static core::Result<GenerationPlugin*> loaded = core::fail(core::ErrorCode::Internal, "not loaded");
    std::call_once(once, [] {
        auto entry = core::resolvePluginSymbol("hdr_ui_generation", "hdrstudio_generation_plugin");
        if (!entry) {
            loaded = tl::unexpected(entry.error());
            return;
        }
        using Factory = GenerationPlugin* (*)();
        GenerationPlugin* plugin = reinterpret_cast<Factory>(*entry)();
        loaded = plugin ? core::Result<GenerationPlugin*>(plugin)
                        : core::fail(core::ErrorCode::Internal, "The generation plugin returned no engine");
    });
    return loaded;
}

} // namespace hdr::ui
