#pragma once
// A request type's settings, described once (SettingInfo) and bound to the request's members.
// From one RequestSpec<R>:
//   - the CLI builds its options and --help, and parses each flag with setText();
//   - the GUI configures its controls (range, default, tooltip, choices) and reads them back
//     through setValue();
//   - validate() checks a request the same way for both (ranges, choices, cross-field rules);
//   - toJson()/fromJson() write and read the metadata record (--params, sidecars).
// Defaults are the request struct's member initialisers: the spec reads them from R{}, so a
// default is written once, next to its member.
//
//   RequestSpec<GenerateRequest> spec;
//   spec.add(&GenerateRequest::steps, {.key = "steps", .label = "Steps", .valueName = "N",
//            .help = "denoising steps", .min = 1, .max = 1000});
//   spec.rule([](const GenerateRequest& r) -> std::optional<std::string> { ... });
#include "common/Error.h"
#include "spec/SettingCodec.h"
#include "spec/SettingInfo.h"
#include "spec/SettingJson.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hdr::spec {

template <typename R> struct Field {
    SettingInfo info;
    std::function<SettingValue(const R&)> get;
    std::function<void(R&, const SettingValue&)> set; // throws core::HdrError on a type mismatch
    // Extra check of this setting beyond the SettingInfo range (e.g. a file must exist).
    std::function<std::optional<std::string>(const R&)> check;
};

template <typename R> class RequestSpec {
public:
    using Rule = std::function<std::optional<std::string>(const R&)>;

    // Binds a member of R (or of a base of R) to a setting.
    template <typename T, typename C>
    requires std::is_base_of_v<C, R> RequestSpec& add(T C::*member, SettingInfo info, Rule check = {})
    {
        using Codec = detail::Codec<T>;
        info.kind = Codec::kind;
        if (info.kind == SettingKind::Text && !info.choices.empty()) {
            info.kind = SettingKind::Choice;
        }
        info.nullable = info.nullable || detail::isOptional<T>;
        T R::*bound = member;
        Field<R> field;
        field.get = [bound](const R& r) { return Codec::to(r.*bound); };
        field.set = [bound, info](R& r, const SettingValue& v) { r.*bound = Codec::from(v, info); };
        field.info = std::move(info);
        field.check = std::move(check);
        m_fields.push_back(std::move(field));
        return *this;
    }

    // A setting whose member needs its own conversion (e.g. LoRA specs <-> "path:strength").
    RequestSpec& addCustom(SettingInfo info,
                           std::function<SettingValue(const R&)> get,
                           std::function<void(R&, const SettingValue&)> set,
                           Rule check = {})
    {
        m_fields.push_back(Field<R>{std::move(info), std::move(get), std::move(set), std::move(check)});
        return *this;
    }

    // A check across settings ("the init image's strength ..."): nullopt when fine.
    RequestSpec& rule(Rule check)
    {
        m_rules.push_back(std::move(check));
        return *this;
    }

    // Appends another spec's settings and rules (a shared block such as the sampling settings).
    template <typename Base>
    requires std::is_base_of_v<Base, R> RequestSpec& include(const RequestSpec<Base>& other)
    {
        for (const auto& f : other.fields()) {
            Field<R> field;
            field.info = f.info;
            field.get = [g = f.get](const R& r) { return g(static_cast<const Base&>(r)); };
            field.set = [s = f.set](R& r, const SettingValue& v) { s(static_cast<Base&>(r), v); };
            if (f.check) field.check = [c = f.check](const R& r) { return c(static_cast<const Base&>(r)); };
            m_fields.push_back(std::move(field));
        }
        for (const auto& rule : other.rules()) {
            m_rules.push_back([rule](const R& r) { return rule(static_cast<const Base&>(r)); });
        }
        return *this;
    }

    // Changes a setting's description for this request (e.g. a different range or help).
    RequestSpec& adjust(std::string_view key, const std::function<void(SettingInfo&)>& change)
    {
        for (auto& f : m_fields) {
            if (f.info.key == key) change(f.info);
        }
        return *this;
    }

    const std::vector<Field<R>>& fields() const { return m_fields; }
    const std::vector<Rule>& rules() const { return m_rules; }
    const Field<R>* find(std::string_view key) const
    {
        for (const auto& f : m_fields) {
            if (f.info.key == key) return &f;
        }
        return nullptr;
    }
    const SettingInfo& info(std::string_view key) const { return require(key).info; }
    SettingValue defaultValue(std::string_view key) const
    {
        const R defaults; // default-initialised, not R{}: GCC 12 misreads aggregate init of bases
        return require(key).get(defaults);
    }
    SettingValue value(const R& r, std::string_view key) const { return require(key).get(r); }

    // Every problem of a request, one sentence each (empty: valid).
    std::vector<std::string> problems(const R& r) const
    {
        std::vector<std::string> out;
        for (const auto& f : m_fields) {
            if (auto p = checkSettingValue(f.info, f.get(r))) {
                out.push_back(*p);
            } else if (f.check) {
                if (auto q = f.check(r)) out.push_back(*q);
            }
        }
        for (const auto& rule : m_rules) {
            if (auto p = rule(r)) out.push_back(*p);
        }
        return out;
    }

    // The first problem as InvalidArgument, for the core entry points and the CLI.
    core::Status validate(const R& r) const
    {
        const auto all = problems(r);
        if (all.empty()) return {};
        return core::fail(core::ErrorCode::InvalidArgument, all.front());
    }

    // Sets a setting from command-line text (errors name the option).
    core::Status setText(R& r, std::string_view key, std::string_view text) const
    {
        return core::guarded(core::ErrorCode::InvalidArgument, {}, [&] {
            const Field<R>& f = require(key);
            f.set(r, parseSettingText(f.info, text));
        });
    }

    core::Status setValue(R& r, std::string_view key, const SettingValue& value) const
    {
        return core::guarded(core::ErrorCode::InvalidArgument, {}, [&] { require(key).set(r, value); });
    }

    // The settings with json = true, under jsonKeyOf(key).
    nlohmann::json toJson(const R& r) const
    {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& f : m_fields) {
            if (f.info.json) j[jsonKeyOf(f.info.key)] = spec::toJson(f.get(r));
        }
        return j;
    }

    // Reads the settings present in `j` (others keep their value in r); unknown keys are ignored.
    core::Status fromJson(R& r, const nlohmann::json& j) const
    {
        return core::guarded(core::ErrorCode::InvalidArgument, {}, [&] {
            if (!j.is_object()) {
                core::throwError(core::ErrorCode::InvalidArgument, "the settings are not a JSON object");
            }
            for (const auto& f : m_fields) {
                if (!f.info.json) continue;
                const auto it = j.find(jsonKeyOf(f.info.key));
                if (it != j.end()) f.set(r, settingFromJson(f.info, *it));
            }
        });
    }

private:
    const Field<R>& require(std::string_view key) const
    {
        if (const auto* f = find(key)) return *f;
        core::throwError(core::ErrorCode::Internal, "no setting '" + std::string(key) + "' in this request");
    }

    std::vector<Field<R>> m_fields;
    std::vector<Rule> m_rules;
};

} // namespace hdr::spec
