#include "diffusion/pipeline/GenerationMetadata.h"

#include "diffusion/sampling/SchedulerConfig.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace hdr::diffusion {
namespace {

using core::ErrorCode;

// --- SHA-256 (FIPS 180-4) ------------------------------------------------------------------------
class Sha256 {
public:
    void update(const unsigned char* data, std::size_t size)
    {
        m_length += size;
        while (size > 0) {
            const std::size_t take = std::min(size, std::size_t(64) - m_fill);
            std::memcpy(m_block.data() + m_fill, data, take);
            m_fill += take;
            data += take;
            size -= take;
            if (m_fill == 64) {
                compress();
                m_fill = 0;
            }
        }
    }
    std::string hex()
    {
        const std::uint64_t bits = m_length * 8;
        const unsigned char one = 0x80;
        update(&one, 1);
        const unsigned char zero = 0;
        while (m_fill != 56) {
            update(&zero, 1);
        }
        unsigned char length[8];
        for (int i = 0; i < 8; ++i) {
            length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        }
        update(length, 8);
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (std::uint32_t word : m_state) {
            for (int i = 7; i >= 0; --i) {
                out += digits[(word >> (4 * i)) & 15];
            }
        }
        return out;
    }

private:
    static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
    void compress()
    {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i) {
            w[i] = std::uint32_t(m_block[4 * i]) << 24 | std::uint32_t(m_block[4 * i + 1]) << 16 |
                   std::uint32_t(m_block[4 * i + 2]) << 8 | std::uint32_t(m_block[4 * i + 3]);
        }
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::array<std::uint32_t, 8> v = m_state;
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t s1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
            const std::uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
            const std::uint32_t t1 = v[7] + s1 + ch + k[i] + w[i];
            const std::uint32_t s0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
            const std::uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            const std::uint32_t t2 = s0 + maj;
            v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
        }
        for (int i = 0; i < 8; ++i) {
            m_state[std::size_t(i)] += v[std::size_t(i)];
        }
    }

    std::array<std::uint32_t, 8> m_state{
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<unsigned char, 64> m_block{};
    std::size_t m_fill = 0;
    std::uint64_t m_length = 0;
};

bool hashFileInto(Sha256& sha, const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return false;
    }
    std::vector<char> buffer(std::size_t(4) << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        sha.update(reinterpret_cast<const unsigned char*>(buffer.data()), std::size_t(in.gcount()));
    }
    return in.eof();
}

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

std::pair<int, int> parseSize(const std::string& text, char separator)
{
    const auto pos = text.find(separator);
    if (pos == std::string::npos) {
        throw core::HdrError(ErrorCode::InvalidArgument, "expected two numbers in '" + text + "'");
    }
    return {std::stoi(text.substr(0, pos)), std::stoi(text.substr(pos + 1))};
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

nlohmann::json jsonOf(const GenerationParameters& p)
{
    nlohmann::json j{{"prompt", p.prompt},
                     {"seed", p.seed},
                     {"sampler", p.sampler},
                     {"steps", p.steps},
                     {"cfg", p.cfg},
                     {"width", p.width},
                     {"height", p.height},
                     {"batch_size", p.batchSize},
                     {"batch_pos", p.batchPosition},
                     {"model", p.modelName},
                     {"model_hash", p.modelHash},
                     {"loras", p.loras},
                     {"prompt_style", p.promptStyle},
                     {"clip_skip", p.clipSkip},
                     {"vae_tile", p.vaeTile},
                     {"parameters", formatA1111Parameters(p)}};
    j["negative_prompt"] = p.negative ? nlohmann::json(*p.negative) : nlohmann::json(nullptr);
    if (p.strength) {
        j["strength"] = *p.strength;
        j["init_image"] = p.initImage;
    }
    if (p.originalSize) j["original_size"] = *p.originalSize;
    if (p.cropTopLeft) j["crop_top_left"] = *p.cropTopLeft;
    if (p.targetSize) j["target_size"] = *p.targetSize;
    return j;
}

} // namespace

std::string sha256Hex(std::string_view bytes)
{
    Sha256 sha;
    sha.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return sha.hex();
}

core::Result<std::string> modelHash(const std::filesystem::path& modelPath)
{
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(modelPath, ec)) {
        for (const auto& dir : {modelPath / "unet", modelPath}) {
            if (!std::filesystem::is_directory(dir, ec)) continue;
            for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
                const std::string name = entry.path().filename().string();
                if (entry.is_regular_file() && name.starts_with(dir == modelPath ? "unet" : "") &&
                    (entry.path().extension() == ".safetensors" || entry.path().extension() == ".bin")) {
                    files.push_back(entry.path());
                }
            }
            if (!files.empty()) break;
        }
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(modelPath);
    }
    if (files.empty()) {
        return core::fail(ErrorCode::InvalidArgument, "no UNet weight file to hash", modelPath.string());
    }
    Sha256 sha;
    for (const auto& f : files) {
        if (!hashFileInto(sha, f)) {
            return core::fail(ErrorCode::IoError, "cannot read the model file to hash it", f.string());
        }
    }
    return sha.hex().substr(0, 10);
}

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
    if (p.strength) kv.emplace_back("Denoising strength", formatNumber(*p.strength));
    if (p.clipSkip > 0) kv.emplace_back("Clip skip", std::to_string(p.clipSkip + 1));
    if (p.vaeTile > 0) kv.emplace_back("VAE tile", std::to_string(p.vaeTile));
    if (p.batchSize > 1) {
        kv.emplace_back("Batch size", std::to_string(p.batchSize));
        kv.emplace_back("Batch pos", std::to_string(p.batchPosition));
    }
    if (p.originalSize) kv.emplace_back("Original size", *p.originalSize);
    if (p.cropTopLeft) kv.emplace_back("Crop top left", *p.cropTopLeft);
    if (p.targetSize) kv.emplace_back("Target size", *p.targetSize);
    if (!p.loras.empty()) {
        std::string joined;
        for (const auto& l : p.loras)
            joined += (joined.empty() ? "" : "; ") + l;
        kv.emplace_back("LoRA", joined);
    }
    kv.emplace_back("Prompt style", p.promptStyle);
    if (!p.initImage.empty()) kv.emplace_back("Init image", p.initImage);
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
            if (auto v = get("Size")) std::tie(p.width, p.height) = parseSize(*v, 'x');
            p.modelHash = get("Model hash").value_or("");
            p.modelName = get("Model").value_or("");
            if (auto v = get("Denoising strength")) p.strength = std::stod(*v);
            if (auto v = get("Clip skip")) p.clipSkip = std::max(0, std::stoi(*v) - 1);
            if (auto v = get("VAE tile")) p.vaeTile = std::max(0, std::stoi(*v));
            if (auto v = get("Batch size")) p.batchSize = std::stoi(*v);
            if (auto v = get("Batch pos")) p.batchPosition = std::stoi(*v);
            p.originalSize = get("Original size");
            p.cropTopLeft = get("Crop top left");
            p.targetSize = get("Target size");
            if (auto v = get("LoRA")) {
                std::string rest = *v;
                for (std::size_t pos; !rest.empty();) {
                    pos = rest.find("; ");
                    p.loras.push_back(rest.substr(0, pos));
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

std::string toJson(const GenerationParameters& p)
{
    return jsonOf(p).dump(2);
}

core::Result<GenerationParameters> parametersFromJson(std::string_view text)
{
    return core::guarded(ErrorCode::InvalidArgument, {}, [&]() -> GenerationParameters {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const std::exception& e) {
            throw core::HdrError(ErrorCode::InvalidArgument, std::string("invalid JSON: ") + e.what());
        }
        if (j.contains("parameters") && j["parameters"].is_string()) {
            auto parsed = parseA1111Parameters(j["parameters"].get<std::string>());
            if (!parsed) throw core::HdrError(parsed.error());
            return *parsed;
        }
        throw core::HdrError(ErrorCode::InvalidArgument, "the JSON has no \"parameters\" string");
    });
}

core::Result<GenerationParameters> readParametersFrom(const std::filesystem::path& path)
{
    const auto format = core::sniffFormat(path);
    if (format != core::FileFormat::Unknown) {
        auto image = core::readImage(path);
        if (!image) {
            return tl::unexpected(image.error());
        }
        const auto& attributes = image->metadata.attributes;
        const auto it = attributes.find("parameters");
        if (it == attributes.end()) {
            return core::fail(
                ErrorCode::InvalidArgument, "the image has no \"parameters\" metadata", path.string());
        }
        return parseA1111Parameters(it->second);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::fail(ErrorCode::IoError, "cannot open the parameters file", path.string());
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
        return parametersFromJson(text);
    }
    return parseA1111Parameters(text);
}

std::vector<std::string> expandGenerateList(const std::string& value, bool isImageArgument)
{
    std::error_code ec;
    const std::filesystem::path path(value);
    if (value.empty() || !std::filesystem::is_regular_file(path, ec) ||
        (isImageArgument && core::sniffFormat(path) != core::FileFormat::Unknown)) {
        return {value};
    }
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!trim(line).empty()) out.push_back(line);
    }
    return out.empty() ? std::vector<std::string>{value} : out;
}

} // namespace hdr::diffusion
