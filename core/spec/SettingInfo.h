#pragma once
// One setting of a request (a generation, a bracket run, an upscale ...), described once: its
// key, label, help text, range and where it appears. RequestSpec.h binds these descriptions to
// the members of a request struct; the CLI builds its flags, the GUI its controls and the
// metadata writers their JSON from the same description, so a new setting is added in one place
// and validated the same way everywhere (docs/architecture.md, "Requests").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hdr::spec {

// A setting's value, independent of the member's C++ type. monostate = unset (an optional
// member without a value).
using SettingValue = std::variant<std::monostate,
                                  bool,
                                  std::int64_t,
                                  std::uint64_t,
                                  double,
                                  std::string,
                                  std::vector<double>,
                                  std::vector<std::string>>;

enum class SettingKind {
    Flag,     // bool: --key sets it
    Integer,  // whole number (int, int64, uint64)
    Real,     // floating point
    Text,     // free text
    Path,     // a file or folder
    Choice,   // one of SettingInfo::choices
    RealList, // numbers, comma separated on the command line
    TextList, // strings; repeat the option (or comma separated when listSeparator is set)
};

struct SettingInfo {
    std::string key;                // kebab-case: "--key" on the command line, jsonKeyOf(key) in JSON
    std::string label;              // GUI label ("Steps"); also the subject of validation messages
    std::string valueName;          // command-line placeholder ("N", "PATH"); empty for flags
    std::string help;               // one line; the CLI appends the request's default
    std::string group;              // "Model", "Prompt", "Sampling", "Size", "Memory", "Output", ...
    std::optional<double> min, max; // inclusive range of numbers (list elements too)
    bool minExclusive = false;      // (min, max]: e.g. strength
    int multipleOf = 0;             // integers only (0: any)
    std::vector<std::string> choices;
    std::size_t minCount = 0, maxCount = 0; // lists (maxCount 0: unbounded)
    char listSeparator = ',';               // '\0': a list option is repeated instead
    bool cli = true;                        // a command-line option
    bool json = true;                       // written to and read from the metadata JSON
    bool gui = true;                        // the GUI offers a control
    bool nullable = false;                  // may be unset (std::optional members)
    SettingKind kind = SettingKind::Text;   // set by RequestSpec::add from the member type
};

// "vae-tile" -> "vaeTile": the JSON key of a setting.
std::string jsonKeyOf(std::string_view key);

// Text of a value as the command line and help show it ("20", "7.5", "-1,0,1", "" for unset).
std::string formatSettingValue(const SettingValue& value);

// Parses command-line text for a setting of `info.kind` (lists split at info.listSeparator).
// Throws core::HdrError(InvalidArgument) naming the option and what it expects.
SettingValue parseSettingText(const SettingInfo& info, std::string_view text);

// Range, multiple, choice and count checks: nullopt when the value is acceptable, otherwise one
// sentence ("Steps must be 1 to 1000.").
std::optional<std::string> checkSettingValue(const SettingInfo& info, const SettingValue& value);

// The one-line help of a setting for --help: "<help> (default <value>)".
std::string helpWithDefault(const SettingInfo& info, const SettingValue& defaultValue);

} // namespace hdr::spec
