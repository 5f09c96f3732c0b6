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
};

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
    std::vector<std::string> values(const std::string& name) const;  // every occurrence, in order
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
