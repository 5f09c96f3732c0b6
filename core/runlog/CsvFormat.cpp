#include "runlog/CsvFormat.h"

#include <charconv>
#include <cmath>

namespace hdr::runlog {

std::string csvField(std::string_view text)
{
    const bool needsQuotes = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                             (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!needsQuotes) {
        return std::string(text);
    }
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') {
            out += "\"\"";
        } else if (c == '\n' || c == '\r') {
            out += ' '; // one record per line: a newline inside a field would split it
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string joinCsv(const std::vector<std::string>& fields)
{
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) {
            line += ',';
        }
        line += csvField(fields[i]);
    }
    return line;
}

std::optional<std::vector<std::string>> splitCsvLine(std::string_view line, std::size_t maxFields)
{
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    std::vector<std::string> fields;
    std::string field;
    std::size_t i = 0;
    while (true) {
        field.clear();
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                field += line[i++];
            }
            if (!closed || (i < line.size() && line[i] != ',')) {
                return std::nullopt;
            }
        } else {
            const std::size_t end = line.find(',', i);
            const std::size_t stop = end == std::string_view::npos ? line.size() : end;
            field.assign(line.substr(i, stop - i));
            if (field.find('"') != std::string::npos) {
                return std::nullopt;
            }
            i = stop;
        }
        if (fields.size() >= maxFields) {
            return std::nullopt;
        }
        fields.push_back(field);
        if (i >= line.size()) {
            break;
        }
        ++i; // the comma
        if (i == line.size()) {
            if (fields.size() >= maxFields) {
                return std::nullopt;
            }
            fields.emplace_back(); // "a,b," ends with an empty field
            break;
        }
    }
    return fields;
}

std::string formatNumber(double value)
{
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value < 0 ? "-inf" : "inf";
    }
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::optional<double> parseNumber(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    if (text.empty() || text.size() > 400) {
        return std::nullopt;
    }
    bool negative = false;
    std::string_view digits = text;
    if (digits.front() == '+' || digits.front() == '-') {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    double value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ec == std::errc::result_out_of_range) {
        // from_chars leaves the value alone on overflow/underflow; keep what the text means.
        const bool tiny = digits.find_first_of("eE") != std::string_view::npos &&
                          digits.find('-', digits.find_first_of("eE")) != std::string_view::npos;
        value = tiny ? 0.0 : HUGE_VAL;
    } else if (result.ec != std::errc() || result.ptr != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return negative ? -value : value;
}

} // namespace hdr::runlog
