#pragma once
// Command-line options built from a request spec (core/spec/RequestSpec.h): one option per setting
// with cli = true, its --help line with the request's default, and parsing straight into the
// request through the spec, so the CLI defaults, parses and range-checks exactly as the GUI and
// the core do. Flags: a setting that is off by default is --key, one that is on is --no-key.
#include "commandline/CliArgs.h"
#include "spec/RequestSpec.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hdr::cli {

template <typename R>
void addSpecOptions(std::vector<OptionSpec>& options,
                    const spec::RequestSpec<R>& requestSpec,
                    const std::set<std::string>& skip = {})
{
    for (const auto& f : requestSpec.fields()) {
        if (!f.info.cli || skip.count(f.info.key)) continue;
        const spec::SettingValue fallback = requestSpec.defaultValue(f.info.key);
        if (f.info.kind == spec::SettingKind::Flag) {
            const bool on = std::get<bool>(fallback);
            options.push_back(
                {on ? "no-" + f.info.key : f.info.key, "", on ? "do not " + f.info.help : f.info.help});
        } else {
            options.push_back({f.info.key, f.info.valueName, spec::helpWithDefault(f.info, fallback)});
        }
    }
}

// Sets the settings given on the command line (others keep their value in `request`); returns a
// usage error message for a value the spec refuses.
template <typename R>
std::optional<std::string> applySpecOptions(const spec::RequestSpec<R>& requestSpec,
                                            const Args& args,
                                            R& request,
                                            const std::set<std::string>& skip = {})
{
    for (const auto& f : requestSpec.fields()) {
        const std::string& key = f.info.key;
        if (!f.info.cli || skip.count(key)) continue;
        core::Status status;
        if (f.info.kind == spec::SettingKind::Flag) {
            const bool on = std::get<bool>(requestSpec.defaultValue(key));
            if (args.flag(on ? "no-" + key : key)) status = requestSpec.setValue(request, key, !on);
        } else if (f.info.kind == spec::SettingKind::TextList && f.info.listSeparator == '\0') {
            if (const auto all = args.values(key); !all.empty())
                status = requestSpec.setValue(request, key, all);
        } else if (const auto text = args.value(key)) {
            status = requestSpec.setText(request, key, *text);
        }
        if (!status) return status.error().message;
    }
    return std::nullopt;
}

} // namespace hdr::cli
