#include "common/Log.h"
#include "common/Error.h"
#include "common/JobContext.h"

#include <cstdio>
#include <mutex>
#include <string>

namespace hdr::core {
namespace {
std::mutex g_sinkMutex;
LogSink g_sink;
} // namespace

void setLogSink(LogSink sink)
{
    std::lock_guard lock(g_sinkMutex);
    g_sink = std::move(sink);
}

void log(LogLevel level, std::string_view category, std::string_view message)
{
    std::lock_guard lock(g_sinkMutex);
    if (g_sink) {
        g_sink(level, category, message);
        return;
    }
    if (level >= LogLevel::Warning) {
        std::fprintf(stderr,
                     "%.*s: %.*s\n",
                     int(category.size()),
                     category.data(),
                     int(message.size()),
                     message.data());
    }
}

} // namespace hdr::core
