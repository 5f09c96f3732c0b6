#include "catalog/Infotext.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace hdr::catalog {
namespace {

std::string_view trim(std::string_view s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

bool isWordChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool isKeyChar(char c)
{
    return isWordChar(c) || c == ' ' || c == '-' || c == '/';
}

std::string unquote(std::string_view value)
{
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        try {
            return nlohmann::json::parse(value).get<std::string>();
        } catch (const std::exception&) {
        }
    }
    return std::string(value);
}

// Length of a quoted value `"(?:\\.|[^\\"])+"` at `pos`, or 0.
std::size_t quotedLength(std::string_view line, std::size_t pos)
{
    if (pos >= line.size() || line[pos] != '"') return 0;
    std::size_t i = pos + 1;
    std::size_t inside = 0;
    while (i < line.size()) {
        if (line[i] == '\\') {
            if (i + 1 >= line.size()) return 0;
            i += 2;
        } else if (line[i] == '"') {
            return inside > 0 ? i + 1 - pos : 0;
        } else {
            ++i;
        }
        ++inside;
    }
    return 0;
}

// The entries of a parameters line, as A1111's regex
//   \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
// finds them with re.findall (a failed match moves on by one character).
std::vector<std::pair<std::string, std::string>> parameterEntries(std::string_view line)
{
    std::vector<std::pair<std::string, std::string>> entries;
    std::size_t pos = 0;
    while (pos < line.size()) {
        std::size_t p = pos;
        while (p < line.size() && std::isspace(static_cast<unsigned char>(line[p])))
            ++p;
        const std::size_t keyBegin = p;
        if (p >= line.size() || !isWordChar(line[p])) {
            pos = p + 1;
            continue;
        }
        ++p;
        while (p < line.size() && isKeyChar(line[p]))
            ++p;
        if (p - keyBegin < 2 || p >= line.size() || line[p] != ':') {
            // Every start inside this run of key characters ends at the same place and fails
            // the same way: skip them all (keeps hostile lines linear).
            pos = std::max(pos + 1, p);
            continue;
        }
        const std::string_view key = line.substr(keyBegin, p - keyBegin);
        ++p;
        while (p < line.size() && std::isspace(static_cast<unsigned char>(line[p])))
            ++p;
        std::size_t valueEnd = p;
        const std::size_t quoted = quotedLength(line, p);
        if (quoted > 0 && (p + quoted == line.size() || line[p + quoted] == ',')) {
            valueEnd = p + quoted;
        } else {
            valueEnd = line.find(',', p);
            if (valueEnd == std::string_view::npos) valueEnd = line.size();
        }
        entries.emplace_back(std::string(trim(key)), unquote(trim(line.substr(p, valueEnd - p))));
        pos = valueEnd < line.size() ? valueEnd + 1 : line.size();
    }
    return entries;
}

std::optional<double> parseNumber(std::string_view s)
{
    s = trim(s);
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// "path:0.8" or "path" (the strength is the text after the last ':' when it is a number).
LoraUse loraFromSpec(std::string_view spec)
{
    LoraUse lora;
    std::string_view path = trim(spec);
    const auto colon = path.rfind(':');
    if (colon != std::string_view::npos) {
        if (auto strength = parseNumber(path.substr(colon + 1))) {
            lora.strength = *strength;
            path = path.substr(0, colon);
        }
    }
    lora.path = std::string(path);
    lora.name = loraNameOf(path);
    return lora;
}

// "<lora:name:0.8>" / "<lora:name>" tags in a prompt.
void addPromptTags(std::string_view prompt, std::vector<LoraUse>& out)
{
    for (std::size_t pos = prompt.find("<lora:"); pos != std::string_view::npos;
         pos = prompt.find("<lora:", pos + 1)) {
        const std::size_t close = prompt.find('>', pos);
        if (close == std::string_view::npos) break;
        const std::string_view body = prompt.substr(pos + 6, close - pos - 6);
        std::string_view name = body;
        double strength = 1.0;
        const auto colon = body.find(':');
        if (colon != std::string_view::npos) {
            name = body.substr(0, colon);
            std::string_view rest = body.substr(colon + 1);
            rest = rest.substr(0, rest.find(':')); // "unet:te" multipliers: the first one
            strength = parseNumber(rest).value_or(1.0);
        }
        if (!trim(name).empty()) out.push_back({"", std::string(trim(name)), "", strength});
    }
}

} // namespace

const std::string* Infotext::find(std::string_view key) const
{
    for (const auto& [k, v] : values) {
        if (k == key) return &v;
    }
    return nullptr;
}

Infotext parseInfotext(std::string_view text)
{
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= text.size();) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    while (!lines.empty() && trim(lines.back()).empty())
        lines.pop_back();
    Infotext info;
    if (!lines.empty()) {
        auto entries = parameterEntries(lines.back());
        if (entries.size() >= 3) {
            info.values = std::move(entries);
            lines.pop_back();
        }
    }
    std::string negative;
    bool inNegative = false;
    for (std::string_view line : lines) {
        line = trim(line);
        if (line.starts_with("Negative prompt:")) {
            inNegative = true;
            line = trim(line.substr(16));
        }
        std::string& target = inNegative ? negative : info.prompt;
        if (!target.empty()) target += '\n';
        target += line;
    }
    if (inNegative) info.negative = std::move(negative);
    return info;
}

std::vector<LoraUse> lorasOf(const Infotext& info)
{
    std::vector<LoraUse> loras;
    if (const std::string* ours = info.find("LoRA")) {
        std::string_view rest = *ours;
        while (!trim(rest).empty()) {
            const auto separator = rest.find(';');
            loras.push_back(loraFromSpec(rest.substr(0, separator)));
            rest = separator == std::string_view::npos ? std::string_view() : rest.substr(separator + 1);
        }
    }
    std::vector<LoraUse> tagged;
    addPromptTags(info.prompt, tagged);
    for (LoraUse& tag : tagged) {
        const bool known =
            std::any_of(loras.begin(), loras.end(), [&](const LoraUse& l) { return l.name == tag.name; });
        if (!known) loras.push_back(std::move(tag));
    }
    if (loras.empty()) {
        if (const std::string* hashes = info.find("Lora hashes")) {
            // "name: hash, name2: hash2"
            std::string_view rest = *hashes;
            while (!trim(rest).empty()) {
                const auto comma = rest.find(',');
                const std::string_view entry = rest.substr(0, comma);
                const std::string_view name = trim(entry.substr(0, entry.find(':')));
                if (!name.empty()) loras.push_back({"", std::string(name), "", 1.0});
                rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        }
    }
    return loras;
}

std::string loraNameOf(std::string_view path)
{
    const auto slash = path.find_last_of("/\\");
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    for (std::string_view extension : {".safetensors", ".ckpt", ".pt", ".bin"}) {
        if (name.size() > extension.size() && name.ends_with(extension)) {
            name.remove_suffix(extension.size());
            break;
        }
    }
    return std::string(name);
}

} // namespace hdr::catalog
