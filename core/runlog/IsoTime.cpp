#include "runlog/IsoTime.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace hdr::runlog {

namespace {

// `count` digits at text[pos], or -1.
int digitsAt(std::string_view text, std::size_t pos, std::size_t count)
{
    if (pos + count > text.size()) {
        return -1;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

std::string isoTimestamp(std::chrono::system_clock::time_point time)
{
    const auto sinceEpoch = time.time_since_epoch();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(sinceEpoch).count() -
                        std::int64_t(seconds) * 1000;
    std::tm local{};
    localtime_r(&seconds, &local);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
    const long offsetMinutes = local.tm_gmtoff / 60;
    const long absMinutes = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    char out[64];
    std::snprintf(out,
                  sizeof out,
                  "%s.%03d%c%02ld:%02ld",
                  date,
                  int(millis < 0 ? 0 : millis),
                  offsetMinutes < 0 ? '-' : '+',
                  absMinutes / 60,
                  absMinutes % 60);
    return out;
}

std::optional<double> parseIsoTimestamp(std::string_view text)
{
    if (text.size() > 64) {
        return std::nullopt;
    }
    const int year = digitsAt(text, 0, 4), month = digitsAt(text, 5, 2), day = digitsAt(text, 8, 2);
    const int hour = digitsAt(text, 11, 2), minute = digitsAt(text, 14, 2), second = digitsAt(text, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    std::size_t pos = 19;
    double fraction = 0;
    if (pos < text.size() && text[pos] == '.') {
        double scale = 0.1;
        ++pos;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    std::tm fields{};
    fields.tm_year = year - 1900;
    fields.tm_mon = month - 1;
    fields.tm_mday = day;
    fields.tm_hour = hour;
    fields.tm_min = minute;
    fields.tm_sec = second;
    if (pos == text.size()) {
        fields.tm_isdst = -1; // local time: let mktime decide about daylight saving
        const std::time_t local = std::mktime(&fields);
        return local == std::time_t(-1) ? std::nullopt : std::optional<double>(double(local) + fraction);
    }
    long offsetSeconds = 0;
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
        offsetSeconds = 0;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const int sign = text[pos] == '-' ? -1 : 1;
        const int offHours = digitsAt(text, pos + 1, 2);
        const bool colon = pos + 3 < text.size() && text[pos + 3] == ':';
        const int offMinutes = digitsAt(text, pos + (colon ? 4 : 3), 2);
        if (offHours < 0 || offHours > 23 || offMinutes < 0 || offMinutes > 59 ||
            pos + (colon ? 6 : 5) != text.size()) {
            return std::nullopt;
        }
        offsetSeconds = sign * (offHours * 3600L + offMinutes * 60L);
    } else {
        return std::nullopt;
    }
    const std::time_t utc = timegm(&fields);
    return double(utc) - double(offsetSeconds) + fraction;
}

} // namespace hdr::runlog
