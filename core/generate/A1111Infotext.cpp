#include "generate/A1111Infotext.h"

#include "generate/GenerationMetadata.h"

#include "diffusion/sampling/SchedulerConfig.h"

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <sstream>

namespace hdr::diffusion {
namespace {

using core::ErrorCode;

// --- A1111 infotext ------------------------------------------------------------------------------
// quote(): JSON string when the value contains ',', '\n' or ':' (§5.4).
std::string quoteValue(const std::string& value)
{
    if (value.find_first_of(",\n:") == std::string::npos) {
        return value;
    }
    return nlohmann::json(value).dump();
}

std::string unquoteValue(const std::string& value)
{
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        try {
            return nlohmann::json::parse(value).get<std::string>();
        } catch (const std::exception&) {
        }
    }
    return value;
}

std::string formatNumber(double v)
{
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}

std::string trim(std::string s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) {
        return {};
    }
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::array<int, 2> parsePair(const std::string& text, char separator)
{
    const auto pos = text.find(separator);
    if (pos == std::string::npos) {
        throw core::HdrError(ErrorCode::InvalidArgument, "expected two numbers in '" + text + "'");
    }
    return {std::stoi(text.substr(0, pos)), std::stoi(text.substr(pos + 1))};
}

std::string pairText(const std::array<int, 2>& pair, char separator)
{
    return std::to_string(pair[0]) + separator + std::to_string(pair[1]);
}

// Our sampler name for an A1111 display name (+ "Schedule type").
std::string samplerFromDisplay(const std::string& display, const std::string& scheduleType)
{
    std::string wanted = display;
    if (!scheduleType.empty() && scheduleType != "Automatic" && scheduleType != "Uniform") {
        wanted += " " + scheduleType;
    }
    for (const std::string& name : samplerNames()) {
        if (samplerDisplayName(name) == wanted) {
            return name;
        }
    }
    for (const std::string& name : samplerNames()) {
        if (name == display) {
            return name;
        }
    }
    return display; // unknown here: kept, the scheduler factory reports it when used
}

} // namespace

std::string formatA1111Parameters(const GenerationParameters& p)
{
    std::vector<std::pair<std::string, std::string>> kv;
    std::string sampler = samplerDisplayName(p.sampler);
    kv.emplace_back("Steps", std::to_string(p.steps));
    kv.emplace_back("Sampler", sampler);
    kv.emplace_back("CFG scale", formatNumber(p.cfg));
    kv.emplace_back("Seed", std::to_string(p.seed));
    kv.emplace_back("Size", std::to_string(p.width) + "x" + std::to_string(p.height));
    if (!p.modelHash.empty()) kv.emplace_back("Model hash", p.modelHash);
    if (!p.modelName.empty()) kv.emplace_back("Model", p.modelName);
    if (p.imageToImage) kv.emplace_back("Denoising strength", formatNumber(p.strength));
    if (p.clipSkip > 0) kv.emplace_back("Clip skip", std::to_string(p.clipSkip + 1));
    if (p.vaeTile > 0) kv.emplace_back("VAE tile", std::to_string(p.vaeTile));
    if (p.batchSize > 1) {
        kv.emplace_back("Batch size", std::to_string(p.batchSize));
        kv.emplace_back("Batch pos", std::to_string(p.batchPosition));
    }
    if (!p.refiner.empty()) {
        kv.emplace_back("Refiner", p.refiner.stem().string());
        kv.emplace_back("Refiner switch at", formatNumber(p.refinerSwitch));
    }
    if (p.originalSize) kv.emplace_back("Original size", pairText(*p.originalSize, 'x'));
    if (p.cropTopLeft) kv.emplace_back("Crop top left", pairText(*p.cropTopLeft, ','));
    if (p.targetSize) kv.emplace_back("Target size", pairText(*p.targetSize, 'x'));
    if (!p.loras.empty()) {
        std::string joined;
        for (const auto& l : p.loras)
            joined += (joined.empty() ? "" : "; ") + formatLoraSpec(l);
        kv.emplace_back("LoRA", joined);
    }
    kv.emplace_back("Prompt style", p.promptStyle);
    if (!p.initImage.empty()) kv.emplace_back("Init image", p.initImage.string());
    std::string params;
    for (const auto& [k, v] : kv) {
        params += (params.empty() ? "" : ", ") + k + ": " + quoteValue(v);
    }
    std::string text = p.prompt;
    if (p.negative && !p.negative->empty()) {
        text += "\nNegative prompt: " + *p.negative;
    }
    return text + "\n" + params;
}

core::Result<GenerationParameters> parseA1111Parameters(std::string_view textView)
{
    return core::guarded(ErrorCode::InvalidArgument, {}, [&]() -> GenerationParameters {
        static const std::regex entry(R"re(\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$))re");
        std::vector<std::string> lines;
        {
            std::string text(textView);
            std::istringstream in(text);
            for (std::string line; std::getline(in, line);)
                lines.push_back(line);
        }
        while (!lines.empty() && trim(lines.back()).empty())
            lines.pop_back();
        if (lines.empty()) {
            throw core::HdrError(ErrorCode::InvalidArgument, "the generation parameters text is empty");
        }
        const std::string last = lines.back();
        std::map<std::string, std::string> values;
        int matches = 0;
        for (auto it = std::sregex_iterator(last.begin(), last.end(), entry); it != std::sregex_iterator();
             ++it) {
            values[trim((*it)[1].str())] = unquoteValue(trim((*it)[2].str()));
            ++matches;
        }
        if (matches < 3) {
            throw core::HdrError(ErrorCode::InvalidArgument,
                                 "no A1111 parameters line (\"Steps: ..., Sampler: ..., Seed: ...\") found");
        }
        lines.pop_back();
        GenerationParameters p;
        std::string prompt, negative;
        bool inNegative = false, sawNegative = false;
        for (std::string line : lines) {
            line = trim(line);
            if (line.starts_with("Negative prompt:")) {
                inNegative = sawNegative = true;
                line = trim(line.substr(16));
            }
            std::string& target = inNegative ? negative : prompt;
            target += (target.empty() ? "" : "\n") + line;
        }
        p.prompt = prompt;
        if (sawNegative) p.negative = negative;
        const auto get = [&](const char* key) -> std::optional<std::string> {
            const auto it = values.find(key);
            return it == values.end() ? std::nullopt : std::optional(it->second);
        };
        try {
            if (auto v = get("Steps")) p.steps = std::stoi(*v);
            if (auto v = get("Sampler"))
                p.sampler = samplerFromDisplay(*v, get("Schedule type").value_or(""));
            if (auto v = get("CFG scale")) p.cfg = std::stod(*v);
            if (auto v = get("Seed")) p.seed = std::stoull(*v);
            if (auto v = get("Size")) {
                const auto size = parsePair(*v, 'x');
                p.width = size[0];
                p.height = size[1];
            }
            p.modelHash = get("Model hash").value_or("");
            p.modelName = get("Model").value_or("");
            if (auto v = get("Denoising strength")) {
                p.strength = std::stod(*v);
                p.imageToImage = true;
            }
            if (auto v = get("Clip skip")) p.clipSkip = std::max(0, std::stoi(*v) - 1);
            if (auto v = get("VAE tile")) p.vaeTile = std::max(0, std::stoi(*v));
            if (auto v = get("Batch size")) p.batchSize = std::stoi(*v);
            if (auto v = get("Batch pos")) p.batchPosition = std::stoi(*v);
            if (auto v = get("Refiner"))
                p.refiner = *v; // a name: requestFromParameters keeps the user's path
            if (auto v = get("Refiner switch at")) p.refinerSwitch = std::stod(*v);
            if (auto v = get("Original size")) p.originalSize = parsePair(*v, 'x');
            if (auto v = get("Crop top left")) p.cropTopLeft = parsePair(*v, ',');
            if (auto v = get("Target size")) p.targetSize = parsePair(*v, 'x');
            if (auto v = get("LoRA")) {
                std::string rest = *v;
                for (std::size_t pos; !rest.empty();) {
                    pos = rest.find("; ");
                    auto lora = parseLoraSpec(rest.substr(0, pos));
                    if (!lora) throw core::HdrError(lora.error());
                    p.loras.push_back(*lora);
                    rest = pos == std::string::npos ? "" : rest.substr(pos + 2);
                }
            }
            p.promptStyle = get("Prompt style").value_or("a1111");
            p.initImage = get("Init image").value_or("");
        } catch (const std::logic_error&) {
            throw core::HdrError(ErrorCode::InvalidArgument,
                                 "a number in the parameters line is not valid: " + last);
        }
        return p;
    });
}

} // namespace hdr::diffusion
