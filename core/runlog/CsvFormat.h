#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::runlog {

// The little CSV (RFC 4180) the run logs need: one record per line (the writer never puts a
// newline inside a field), fields quoted only when they hold ',', '"' or a leading/trailing space.

std::string csvField(std::string_view text);
std::string joinCsv(const std::vector<std::string>& fields);

// The fields of one line (without its '\n'; a trailing '\r' is dropped). None when a quote is
// unbalanced or the line has more than maxFields fields.
std::optional<std::vector<std::string>> splitCsvLine(std::string_view line, std::size_t maxFields);

// Shortest text that reads back to the same double ("0.1", "1e-05", "nan", "inf", "-inf"), as
// Python's repr() and float() agree on.
std::string formatNumber(double value);

// A number written by us, Python (repr, "nan", "inf", "-inf", "Infinity") or C; surrounding
// spaces allowed. None for empty or malformed text.
std::optional<double> parseNumber(std::string_view text);

} // namespace hdr::runlog
