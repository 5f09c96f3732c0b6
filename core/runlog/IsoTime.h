#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hdr::runlog {

// ISO-8601 local time with milliseconds and the UTC offset: "2024-06-11T15:30:00.123+02:00".
std::string isoTimestamp(std::chrono::system_clock::time_point time);

// Seconds since the Unix epoch of "YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]"; without a
// zone the time is local (what Python's datetime.now().isoformat() writes). None when malformed.
std::optional<double> parseIsoTimestamp(std::string_view text);

} // namespace hdr::runlog
