#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hdr::cli {

// A command's accepted options, for parsing and for --help.
struct OptionSpec {
    std::string name;      // "exposure" for --exposure
    std::string valueName; // empty for a flag, else shown in help ("EV")
    std::string help;
    bool required = false; // Args::parse refuses a command line without it
};

// Options several commands share, worded once.
OptionSpec outputOption(std::string valueName, std::string help); // required
OptionSpec overwriteOption(std::string help = "replace OUT if it exists");
OptionSpec jpegQualityOption(int defaultQuality, std::string what = "JPEG quality");
// The global tone-map operators of tonemap/ToneMap.h that display-referred outputs offer.
OptionSpec toneMapOption(const std::string& defaultOperator);

struct CommandSpec {
    std::string name;    // "convert"
    std::string usage;   // "IN OUT [options]"
    std::string summary; // one line
    std::string details; // extra paragraphs for --help (may be empty)
    std::vector<OptionSpec> options;
    int minPositional = 0;
    int maxPositional = 0; // -1: unbounded
};

// Parsed command line of one subcommand. --name VALUE and --name=VALUE are both accepted.
class Args {
public:
    // Returns an error message (for exit code 2) on unknown options, missing values or a wrong
    // number of positional arguments; helpRequested() is set on --help / -h.
    static std::optional<std::string>
    parse(const CommandSpec& spec, const std::vector<std::string>& argv, Args& out);

    bool helpRequested() const { return m_help; }
    bool flag(const std::string& name) const { return m_values.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const; // the last occurrence
    // A required option's value (parse() has refused a command line without it).
    std::string requiredValue(const std::string& name) const { return value(name).value_or(""); }
    std::vector<std::string> values(const std::string& name) const; // every occurrence, in order
    const std::vector<std::string>& positional() const { return m_positional; }

    // Typed accessors: report a usage error message in `error` for bad numbers.
    std::optional<double> number(const std::string& name, std::string& error) const;

private:
    std::map<std::string, std::vector<std::string>> m_values;
    std::vector<std::string> m_positional;
    bool m_help = false;
};

std::string formatHelp(const CommandSpec& spec);

} // namespace hdr::cli
