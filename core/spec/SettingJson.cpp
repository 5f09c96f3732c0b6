#include "spec/SettingJson.h"

#include "common/Error.h"

#include <cmath>

namespace hdr::spec {
namespace {

[[noreturn]] void wrongType(const SettingInfo& info, const char* expected)
{
    core::throwError(core::ErrorCode::InvalidArgument,
                     "the value of \"" + jsonKeyOf(info.key) + "\" must be " + expected);
}

SettingValue integerFromJson(const SettingInfo& info, const nlohmann::json& v)
{
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u <= std::uint64_t(INT64_MAX)) return std::int64_t(u);
        return u;
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::round(d) && std::abs(d) < 9e15) return std::int64_t(d);
    }
    wrongType(info, "a whole number");
}

} // namespace

nlohmann::json toJson(const SettingValue& value)
{
    struct Visitor {
        nlohmann::json operator()(std::monostate) const { return nullptr; }
        nlohmann::json operator()(bool b) const { return b; }
        nlohmann::json operator()(std::int64_t i) const { return i; }
        nlohmann::json operator()(std::uint64_t u) const { return u; }
        nlohmann::json operator()(double d) const { return d; }
        nlohmann::json operator()(const std::string& s) const { return s; }
        nlohmann::json operator()(const std::vector<double>& list) const { return list; }
        nlohmann::json operator()(const std::vector<std::string>& list) const { return list; }
    };
    return std::visit(Visitor{}, value);
}

SettingValue settingFromJson(const SettingInfo& info, const nlohmann::json& v)
{
    if (v.is_null()) {
        return std::monostate{};
    }
    switch (info.kind) {
    case SettingKind::Flag:
        if (v.is_boolean()) return v.get<bool>();
        if (v.is_number_integer()) return v.get<std::int64_t>() != 0;
        wrongType(info, "true or false");
    case SettingKind::Integer: return integerFromJson(info, v);
    case SettingKind::Real:
        if (v.is_number()) return v.get<double>();
        wrongType(info, "a number");
    case SettingKind::Text:
    case SettingKind::Path:
    case SettingKind::Choice:
        if (v.is_string()) return v.get<std::string>();
        wrongType(info, "a string");
    case SettingKind::RealList: {
        if (!v.is_array()) wrongType(info, "a list of numbers");
        std::vector<double> list;
        for (const auto& e : v) {
            if (!e.is_number()) wrongType(info, "a list of numbers");
            list.push_back(e.get<double>());
        }
        return list;
    }
    case SettingKind::TextList: {
        if (v.is_string()) return std::vector<std::string>{v.get<std::string>()};
        if (!v.is_array()) wrongType(info, "a list of strings");
        std::vector<std::string> list;
        for (const auto& e : v) {
            if (!e.is_string()) wrongType(info, "a list of strings");
            list.push_back(e.get<std::string>());
        }
        return list;
    }
    }
    wrongType(info, "a value");
}

} // namespace hdr::spec
