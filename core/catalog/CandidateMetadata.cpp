#include "catalog/CandidateMetadata.h"

#include "catalog/PngTextChunks.h"
#include "common/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace hdr::catalog {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYYMMDD_HHMMSS" or "YYYYMMDD_HHMMSS-n"
bool isStamp(std::string_view s)
{
    if (s.size() < 15 || !allDigits(s.substr(0, 8)) || s[8] != '_' || !allDigits(s.substr(9, 6)))
        return false;
    return s.size() == 15 || (s[15] == '-' && allDigits(s.substr(16)));
}

std::pair<std::string_view, std::uint64_t> splitStamp(std::string_view stamp)
{
    const auto dash = stamp.find('-');
    if (dash == std::string_view::npos) return {stamp, 0};
    std::uint64_t n = 0;
    const std::string_view digits = stamp.substr(dash + 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return {stamp.substr(0, dash), n};
}

std::string stringAt(const json& object, const char* key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<double> numberAt(const json& object, const char* key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

int intAt(const json& object, const char* key)
{
    const auto v = numberAt(object, key);
    return v && *v >= 0.0 && *v <= 1e9 ? int(*v) : 0;
}

std::optional<std::uint64_t> seedAt(const json& object, const char* key)
{
    const auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (it->is_number_unsigned()) return it->get<std::uint64_t>();
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0)
        return std::uint64_t(it->get<std::int64_t>());
    return std::nullopt;
}

std::optional<std::uint64_t> parseSeed(std::string_view s)
{
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> parseDouble(std::string_view s)
{
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// A count from text (steps, pixels): unknown (fallback) when absent, negative or absurd.
int boundedCount(std::optional<double> v, int fallback)
{
    return v && *v >= 0.0 && *v <= 1e9 ? int(*v) : fallback;
}

void readParameters(const json& p, Candidate& c)
{
    c.prompt = stringAt(p, "prompt");
    if (const auto it = p.find("negative"); it != p.end() && it->is_string())
        c.negative = it->get<std::string>();
    c.seed = seedAt(p, "seed");
    c.sampler = stringAt(p, "sampler");
    c.steps = intAt(p, "steps");
    c.cfg = numberAt(p, "cfg").value_or(0.0);
    c.width = intAt(p, "width");
    c.height = intAt(p, "height");
    c.modelName = stringAt(p, "modelName");
    if (c.modelName.empty()) c.modelName = fs::path(stringAt(p, "model")).filename().string();
    c.parameters = stringAt(p, "parameters");
    if (const auto it = p.find("lora"); it != p.end() && it->is_array()) {
        std::string joined;
        for (const json& spec : *it) {
            if (spec.is_string()) joined += (joined.empty() ? "" : "; ") + spec.get<std::string>();
        }
        Infotext asInfotext;
        asInfotext.values.emplace_back("LoRA", joined);
        c.loras = lorasOf(asInfotext);
    }
}

void readLoras(const json& loras, Candidate& c)
{
    std::vector<LoraUse> out;
    for (const json& l : loras) {
        if (!l.is_object()) continue;
        LoraUse use;
        use.kind = stringAt(l, "kind");
        use.path = stringAt(l, "path");
        use.name = stringAt(l, "name");
        if (use.name.empty()) use.name = loraNameOf(use.path);
        use.strength = numberAt(l, "strength").value_or(1.0);
        if (!use.name.empty()) out.push_back(std::move(use));
    }
    if (!out.empty()) c.loras = std::move(out);
}

void readFinals(const json& finals, const fs::path& root, Candidate& c)
{
    for (const json& f : finals) {
        std::string relative = f.is_string()   ? f.get<std::string>()
                               : f.is_object() ? stringAt(f, "image")
                                               : "";
        if (relative.empty()) continue;
        const fs::path path(relative);
        c.finals.push_back(path.is_absolute() ? path : root / path);
    }
}

} // namespace

int compareStamps(const std::string& a, const std::string& b)
{
    const auto [baseA, nA] = splitStamp(a);
    const auto [baseB, nB] = splitStamp(b);
    if (const int c = baseA.compare(baseB); c != 0) return c < 0 ? -1 : 1;
    if (nA != nB) return nA < nB ? -1 : 1;
    return 0;
}

std::string stampOfStem(std::string_view stem)
{
    for (std::string_view marker : {"_stage1_", "_final_"}) {
        const auto pos = stem.find(marker);
        if (pos != std::string_view::npos && isStamp(stem.substr(0, pos)))
            return std::string(stem.substr(0, pos));
    }
    return {};
}

bool readMetadataJson(const fs::path& path, const fs::path& root, Candidate& c)
{
    auto bytes = core::readFileBytes(path, kMaxMetadataBytes);
    if (!bytes) {
        c.problem = "cannot read the metadata: " + bytes.error().describe();
        return false;
    }
    const auto* text = reinterpret_cast<const char*>(bytes->data());
    const json j = json::parse(text, text + bytes->size(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        c.problem = "the metadata file is not a JSON object (" + path.filename().string() + ")";
        return false;
    }
    c.metadata = path;
    if (const std::string stamp = stringAt(j, "stamp"); isStamp(stamp)) c.stamp = stamp;
    if (const auto it = j.find("parameters"); it != j.end() && it->is_object()) readParameters(*it, c);
    if (const auto it = j.find("loras"); it != j.end() && it->is_array()) readLoras(*it, c);
    if (const auto it = j.find("promptOptions"); it != j.end() && it->is_array()) {
        for (const json& o : *it) {
            if (o.is_string()) c.promptOptions.push_back(o.get<std::string>());
        }
    }
    if (const auto it = j.find("finals"); it != j.end() && it->is_array()) readFinals(*it, root, c);
    return true;
}

void readImageParameters(Candidate& c)
{
    auto info = readPngText(c.image);
    if (!info) {
        if (info.error().code != core::ErrorCode::UnsupportedFormat) c.problem = info.error().describe();
        return;
    }
    c.width = info->width;
    c.height = info->height;
    if (const auto it = info->text.find("parameters"); it != info->text.end()) applyInfotext(it->second, c);
}

void applyInfotext(std::string_view infotext, Candidate& c)
{
    const Infotext info = parseInfotext(infotext);
    c.parameters = std::string(infotext);
    c.prompt = info.prompt;
    c.negative = info.negative;
    if (const std::string* v = info.find("Steps")) c.steps = boundedCount(parseDouble(*v), 0);
    if (const std::string* v = info.find("Sampler")) {
        c.sampler = *v;
        const std::string* schedule = info.find("Schedule type");
        if (schedule && *schedule != "Automatic") c.sampler += " " + *schedule;
    }
    if (const std::string* v = info.find("CFG scale")) c.cfg = parseDouble(*v).value_or(0.0);
    if (const std::string* v = info.find("Seed")) c.seed = parseSeed(*v);
    if (const std::string* v = info.find("Size")) {
        const auto x = v->find('x');
        if (x != std::string::npos) {
            c.width = boundedCount(parseDouble(std::string_view(*v).substr(0, x)), c.width);
            c.height = boundedCount(parseDouble(std::string_view(*v).substr(x + 1)), c.height);
        }
    }
    if (const std::string* v = info.find("Model")) c.modelName = *v;
    c.loras = lorasOf(info);
}

} // namespace hdr::catalog
