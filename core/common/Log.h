#pragma once

#include <functional>
#include <string_view>

namespace hdr::core {

enum class LogLevel { Debug, Info, Warning, Error };

// Core modules log through this hook; the Qt layer routes it into QLoggingCategory per module
// ("hdr.io", "hdr.color", ...). Without a sink, warnings and errors go to stderr.
using LogSink = std::function<void(LogLevel, std::string_view category, std::string_view message)>;

void setLogSink(LogSink sink);
void log(LogLevel level, std::string_view category, std::string_view message);

} // namespace hdr::core
