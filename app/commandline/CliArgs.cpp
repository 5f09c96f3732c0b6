#include "commandline/CliArgs.h"

#include <cstdlib>
#include <sstream>

namespace hdr::cli {

std::optional<std::string>
Args::parse(const CommandSpec& spec, const std::vector<std::string>& argv, Args& out)
{
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--help" || a == "-h") {
            out.m_help = true;
            return std::nullopt;
        }
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string name = a.substr(2), value;
            bool hasInlineValue = false;
            if (const auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                hasInlineValue = true;
            }
            const OptionSpec* opt = nullptr;
            for (const auto& o : spec.options) {
                if (o.name == name) {
                    opt = &o;
                }
            }
            if (!opt) {
                return "unknown option --" + name + " for '" + spec.name + "' (see hdrstudio-cli " +
                       spec.name + " --help)";
            }
            if (opt->valueName.empty()) {
                if (hasInlineValue) {
                    return "option --" + name + " takes no value";
                }
                out.m_values[name].push_back("1");
            } else {
                if (!hasInlineValue) {
                    if (i + 1 >= argv.size()) {
                        return "option --" + name + " needs a value (" + opt->valueName + ")";
                    }
                    value = argv[++i];
                }
                out.m_values[name].push_back(value);
            }
            continue;
        }
        out.m_positional.push_back(a);
    }
    for (const auto& o : spec.options) {
        if (o.required && !out.value(o.name)) {
            return spec.name + " needs --" + o.name + " " + o.valueName;
        }
    }
    const int n = int(out.m_positional.size());
    if (n < spec.minPositional || (spec.maxPositional >= 0 && n > spec.maxPositional)) {
        return "usage: hdrstudio-cli " + spec.name + " " + spec.usage;
    }
    return std::nullopt;
}

OptionSpec outputOption(std::string valueName, std::string help)
{
    return {"output", std::move(valueName), std::move(help), true};
}

OptionSpec overwriteOption(std::string help)
{
    return {"overwrite", "", std::move(help)};
}

OptionSpec jpegQualityOption(int defaultQuality, std::string what)
{
    return {"quality", "Q", what + " 1-100 (default " + std::to_string(defaultQuality) + ")"};
}

OptionSpec toneMapOption(const std::string& defaultOperator)
{
    return {"tonemap",
            "OP",
            "clip | reinhard | drago | aces | agx | pbr-neutral | hable (default " + defaultOperator + ")"};
}

std::optional<std::string> Args::value(const std::string& name) const
{
    auto it = m_values.find(name);
    if (it == m_values.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second.back();
}

std::vector<std::string> Args::values(const std::string& name) const
{
    auto it = m_values.find(name);
    return it == m_values.end() ? std::vector<std::string>{} : it->second;
}

std::optional<double> Args::number(const std::string& name, std::string& error) const
{
    auto v = value(name);
    if (!v) {
        return std::nullopt;
    }
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0') {
        error = "--" + name + " expects a number, got '" + *v + "'";
        return std::nullopt;
    }
    return d;
}

std::string formatHelp(const CommandSpec& spec)
{
    std::ostringstream s;
    s << "usage: hdrstudio-cli " << spec.name << " " << spec.usage << "\n\n" << spec.summary << "\n";
    if (!spec.details.empty()) {
        s << "\n" << spec.details << "\n";
    }
    if (!spec.options.empty()) {
        s << "\noptions:\n";
        for (const auto& o : spec.options) {
            std::string left = "  --" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
            if (left.size() < 28) {
                left.resize(28, ' ');
            } else {
                left += "\n" + std::string(28, ' ');
            }
            s << left << o.help << "\n";
        }
        s << "  --help                    show this help\n";
    }
    return s.str();
}

} // namespace hdr::cli
