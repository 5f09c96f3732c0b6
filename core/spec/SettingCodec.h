#pragma once
// How a request member of type T becomes a SettingValue and back (RequestSpec.h). Conversions
// that cannot hold the value (a negative seed, a fraction for a step count, a number out of the
// member's range) throw core::HdrError(InvalidArgument) naming the setting.
#include "common/Error.h"
#include "spec/SettingInfo.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace hdr::spec::detail {

[[noreturn]] inline void codecMismatch(const SettingInfo& info, const char* expected)
{
    core::throwError(core::ErrorCode::InvalidArgument,
                     (info.label.empty() ? "--" + info.key : info.label) + " must be " + expected + ".");
}

inline double numberFrom(const SettingValue& v, const SettingInfo& info)
{
    if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&v)) return double(*u);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    codecMismatch(info, "a number");
}

template <typename T> struct Codec;

template <> struct Codec<bool> {
    static constexpr SettingKind kind = SettingKind::Flag;
    static SettingValue to(bool b) { return b; }
    static bool from(const SettingValue& v, const SettingInfo& info)
    {
        if (const auto* b = std::get_if<bool>(&v)) return *b;
        codecMismatch(info, "on or off");
    }
};

template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) struct Codec<T> {
    static constexpr SettingKind kind = SettingKind::Integer;
    static SettingValue to(T v)
    {
        if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
            return std::uint64_t(v);
        } else {
            return std::int64_t(v);
        }
    }
    static T from(const SettingValue& v, const SettingInfo& info)
    {
        if (const auto* u = std::get_if<std::uint64_t>(&v)) {
            if (*u > std::uint64_t(std::numeric_limits<T>::max())) codecMismatch(info, "smaller");
            return T(*u);
        }
        std::int64_t i = 0;
        if (const auto* p = std::get_if<std::int64_t>(&v)) {
            i = *p;
        } else {
            const double d = numberFrom(v, info);
            if (d != std::round(d)) codecMismatch(info, "a whole number");
            i = std::int64_t(d);
        }
        if constexpr (std::is_unsigned_v<T>) {
            if (i < 0) codecMismatch(info, "zero or more");
        } else {
            if (i < std::int64_t(std::numeric_limits<T>::min()) ||
                i > std::int64_t(std::numeric_limits<T>::max()))
                codecMismatch(info, "a smaller number");
        }
        return T(i);
    }
};

template <typename T>
requires std::is_floating_point_v<T>
struct Codec<T> {
    static constexpr SettingKind kind = SettingKind::Real;
    static SettingValue to(T v) { return double(v); }
    static T from(const SettingValue& v, const SettingInfo& info) { return T(numberFrom(v, info)); }
};

template <> struct Codec<std::string> {
    static constexpr SettingKind kind = SettingKind::Text;
    static SettingValue to(const std::string& s) { return s; }
    static std::string from(const SettingValue& v, const SettingInfo& info)
    {
        if (const auto* s = std::get_if<std::string>(&v)) return *s;
        codecMismatch(info, "text");
    }
};

template <> struct Codec<std::filesystem::path> {
    static constexpr SettingKind kind = SettingKind::Path;
    static SettingValue to(const std::filesystem::path& p) { return p.string(); }
    static std::filesystem::path from(const SettingValue& v, const SettingInfo& info)
    {
        return Codec<std::string>::from(v, info);
    }
};

template <> struct Codec<std::vector<double>> {
    static constexpr SettingKind kind = SettingKind::RealList;
    static SettingValue to(const std::vector<double>& list) { return list; }
    static std::vector<double> from(const SettingValue& v, const SettingInfo& info)
    {
        if (const auto* list = std::get_if<std::vector<double>>(&v)) return *list;
        codecMismatch(info, "a list of numbers");
    }
};

// Two integers such as a size "1024x1024" or a position "0,0" (info.listSeparator says which).
template <> struct Codec<std::array<int, 2>> {
    static constexpr SettingKind kind = SettingKind::RealList;
    static SettingValue to(const std::array<int, 2>& a)
    {
        return std::vector<double>{double(a[0]), double(a[1])};
    }
    static std::array<int, 2> from(const SettingValue& v, const SettingInfo& info)
    {
        const auto list = Codec<std::vector<double>>::from(v, info);
        if (list.size() != 2 || list[0] != std::round(list[0]) || list[1] != std::round(list[1]) ||
            std::abs(list[0]) > 1e6 || std::abs(list[1]) > 1e6) {
            codecMismatch(info, "two whole numbers");
        }
        return {int(list[0]), int(list[1])};
    }
};

template <> struct Codec<std::vector<std::string>> {
    static constexpr SettingKind kind = SettingKind::TextList;
    static SettingValue to(const std::vector<std::string>& list) { return list; }
    static std::vector<std::string> from(const SettingValue& v, const SettingInfo& info)
    {
        if (const auto* list = std::get_if<std::vector<std::string>>(&v)) return *list;
        if (const auto* s = std::get_if<std::string>(&v)) return {*s};
        codecMismatch(info, "a list of names");
    }
};

template <> struct Codec<std::set<std::string>> {
    static constexpr SettingKind kind = SettingKind::TextList;
    static SettingValue to(const std::set<std::string>& set)
    {
        return std::vector<std::string>(set.begin(), set.end());
    }
    static std::set<std::string> from(const SettingValue& v, const SettingInfo& info)
    {
        const auto list = Codec<std::vector<std::string>>::from(v, info);
        return {list.begin(), list.end()};
    }
};

template <typename T> struct Codec<std::optional<T>> {
    static constexpr SettingKind kind = Codec<T>::kind;
    static SettingValue to(const std::optional<T>& v) { return v ? Codec<T>::to(*v) : SettingValue{}; }
    static std::optional<T> from(const SettingValue& v, const SettingInfo& info)
    {
        if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
        return Codec<T>::from(v, info);
    }
};

template <typename T> inline constexpr bool isOptional = false;
template <typename T> inline constexpr bool isOptional<std::optional<T>> = true;

} // namespace hdr::spec::detail
