#include "spec/SettingInfo.h"

#include "common/Error.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace hdr::spec {
namespace {

using core::ErrorCode;

std::string trimmed(std::string_view text)
{
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string formatNumber(double v)
{
    if (std::isfinite(v) && v == std::round(v) && std::abs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", v);
    return buffer;
}

[[noreturn]] void badText(const SettingInfo& info, std::string_view expected, std::string_view text)
{
    core::throwError(ErrorCode::InvalidArgument,
                     "--" + info.key + " expects " + std::string(expected) + ", got '" + std::string(text) +
                         "'");
}

double parseReal(const SettingInfo& info, std::string_view raw)
{
    std::string text = trimmed(raw);
    // A pasted true minus sign (U+2212) reads as '-'.
    if (text.rfind("\xE2\x88\x92", 0) == 0) {
        text = "-" + text.substr(3);
    }
    double v = 0.0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) {
        badText(info, "a number", raw);
    }
    return v;
}

SettingValue parseInteger(const SettingInfo& info, std::string_view raw)
{
    const std::string text = trimmed(raw);
    const auto* end = text.data() + text.size();
    if (!text.empty() && text[0] != '-') {
        std::uint64_t u = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), end, u);
        if (ec == std::errc() && ptr == end) {
            if (u <= std::uint64_t(INT64_MAX)) {
                return std::int64_t(u);
            }
            return u;
        }
    }
    std::int64_t i = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), end, i);
    if (text.empty() || ec != std::errc() || ptr != end) {
        badText(info, "a whole number", raw);
    }
    return i;
}

std::vector<std::string> splitList(std::string_view text, char separator)
{
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == separator) {
            parts.push_back(trimmed(current));
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(trimmed(current));
    std::vector<std::string> nonEmpty;
    for (auto& p : parts) {
        if (!p.empty()) {
            nonEmpty.push_back(std::move(p));
        }
    }
    return nonEmpty;
}

std::optional<double> numberOf(const SettingValue& value)
{
    if (const auto* i = std::get_if<std::int64_t>(&value)) return double(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&value)) return double(*u);
    if (const auto* d = std::get_if<double>(&value)) return *d;
    return std::nullopt;
}

std::string rangeText(const SettingInfo& info)
{
    if (info.min && info.max) {
        return (info.minExclusive ? "above " + formatNumber(*info.min) + " and at most "
                                  : formatNumber(*info.min) + " to ") +
               formatNumber(*info.max);
    }
    if (info.min) {
        return (info.minExclusive ? "above " : "at least ") + formatNumber(*info.min);
    }
    return "at most " + formatNumber(info.max.value_or(0.0));
}

std::optional<std::string> checkNumber(const SettingInfo& info, double v, const std::string& subject)
{
    const bool belowMin = info.min && (info.minExclusive ? v <= *info.min : v < *info.min);
    const bool aboveMax = info.max && v > *info.max;
    if (!std::isfinite(v) || belowMin || aboveMax) {
        return subject + " must be " + rangeText(info) + ".";
    }
    if (info.multipleOf > 0 && std::fmod(v, double(info.multipleOf)) != 0.0) {
        return subject + " must be a multiple of " + std::to_string(info.multipleOf) + ".";
    }
    return std::nullopt;
}

} // namespace

std::string jsonKeyOf(std::string_view key)
{
    std::string out;
    bool upper = false;
    for (char c : key) {
        if (c == '-' || c == '_') {
            upper = true;
            continue;
        }
        out += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

std::string formatSettingValue(const SettingValue& value)
{
    struct Visitor {
        std::string operator()(std::monostate) const { return {}; }
        std::string operator()(bool b) const { return b ? "on" : "off"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(std::uint64_t u) const { return std::to_string(u); }
        std::string operator()(double d) const { return formatNumber(d); }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const std::vector<double>& list) const
        {
            std::string out;
            for (double d : list) {
                out += (out.empty() ? "" : ",") + formatNumber(d);
            }
            return out;
        }
        std::string operator()(const std::vector<std::string>& list) const
        {
            std::string out;
            for (const auto& s : list) {
                out += (out.empty() ? "" : ",") + s;
            }
            return out;
        }
    };
    return std::visit(Visitor{}, value);
}

SettingValue parseSettingText(const SettingInfo& info, std::string_view text)
{
    switch (info.kind) {
    case SettingKind::Flag: {
        const std::string t = trimmed(text);
        if (t.empty() || t == "1" || t == "true" || t == "on" || t == "yes") return true;
        if (t == "0" || t == "false" || t == "off" || t == "no") return false;
        badText(info, "on or off", text);
    }
    case SettingKind::Integer: return parseInteger(info, text);
    case SettingKind::Real: return parseReal(info, text);
    case SettingKind::Text:
    case SettingKind::Path: return std::string(text);
    case SettingKind::Choice: {
        const std::string t = trimmed(text);
        for (const auto& c : info.choices) {
            if (c == t) return t;
        }
        std::string all;
        for (const auto& c : info.choices) {
            all += (all.empty() ? "" : ", ") + c;
        }
        badText(info, "one of " + all, text);
    }
    case SettingKind::RealList: {
        std::vector<double> list;
        for (const auto& part : splitList(text, info.listSeparator ? info.listSeparator : ',')) {
            list.push_back(parseReal(info, part));
        }
        return list;
    }
    case SettingKind::TextList:
        if (info.listSeparator == '\0') {
            return std::vector<std::string>{std::string(text)};
        }
        return splitList(text, info.listSeparator);
    }
    badText(info, "a value", text);
}

std::optional<std::string> checkSettingValue(const SettingInfo& info, const SettingValue& value)
{
    const std::string subject = info.label.empty() ? "--" + info.key : info.label;
    if (std::holds_alternative<std::monostate>(value)) {
        if (info.nullable) return std::nullopt;
        return subject + " must be set.";
    }
    if (const auto number = numberOf(value)) {
        return checkNumber(info, *number, subject);
    }
    if (const auto* text = std::get_if<std::string>(&value); text && info.kind == SettingKind::Choice) {
        for (const auto& c : info.choices) {
            if (c == *text) return std::nullopt;
        }
        return subject + " cannot be '" + *text + "'.";
    }
    std::size_t count = 0;
    if (const auto* list = std::get_if<std::vector<double>>(&value)) {
        count = list->size();
        for (double v : *list) {
            if (auto problem = checkNumber(info, v, "Each value of " + subject)) return problem;
        }
    } else if (const auto* texts = std::get_if<std::vector<std::string>>(&value)) {
        count = texts->size();
        if (!info.choices.empty()) {
            for (const auto& t : *texts) {
                bool known = false;
                for (const auto& c : info.choices)
                    known = known || c == t;
                if (!known) return subject + " cannot contain '" + t + "'.";
            }
        }
    } else {
        return std::nullopt;
    }
    if (count < info.minCount) {
        return subject + " needs at least " + std::to_string(info.minCount) + " values.";
    }
    if (info.maxCount > 0 && count > info.maxCount) {
        return subject + " takes at most " + std::to_string(info.maxCount) + " values.";
    }
    return std::nullopt;
}

std::string helpWithDefault(const SettingInfo& info, const SettingValue& defaultValue)
{
    const std::string shown = formatSettingValue(defaultValue);
    if (info.kind == SettingKind::Flag || shown.empty()) {
        return info.help;
    }
    return info.help + " (default " + shown + ")";
}

} // namespace hdr::spec
