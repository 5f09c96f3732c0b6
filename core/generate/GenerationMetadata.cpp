#include "generate/GenerationMetadata.h"

#include "io/ImageIO.h"

#include <fstream>

namespace hdr::diffusion {
namespace {

using core::ErrorCode;

std::string trim(const std::string& s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) {
        return {};
    }
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

spec::RequestSpec<GenerationParameters> makeSpec()
{
    spec::RequestSpec<GenerationParameters> s;
    s.include(diffusionSettingsSpec());
    const auto recordOnly = [](spec::SettingInfo info) {
        info.cli = false;
        info.gui = false;
        return info;
    };
    s.add(
        &GenerationParameters::batchSize,
        recordOnly({.key = "batch-size", .label = "Batch size", .help = "images drawn together", .min = 1}));
    s.add(&GenerationParameters::batchPosition,
          recordOnly(
              {.key = "batch-position", .label = "Batch position", .help = "image of the batch", .min = 0}));
    s.add(&GenerationParameters::modelName,
          recordOnly({.key = "model-name", .label = "Model name", .help = "name"}));
    s.add(&GenerationParameters::modelHash,
          recordOnly({.key = "model-hash", .label = "Model hash", .help = "AutoV2"}));
    s.add(&GenerationParameters::imageToImage,
          recordOnly({.key = "image-to-image", .label = "Image to image", .help = "strength applies"}));
    return s;
}

} // namespace

const spec::RequestSpec<GenerationParameters>& generationParametersSpec()
{
    static const spec::RequestSpec<GenerationParameters> spec = makeSpec();
    return spec;
}

GenerationParameters parametersOf(const DiffusionSettings& s, bool sdxl)
{
    GenerationParameters p;
    static_cast<DiffusionSettings&>(p) = s;
    p.width = resolvedWidth(s, sdxl);
    p.height = resolvedHeight(s, sdxl);
    p.modelName = s.model.filename().string();
    p.imageToImage = !s.initImage.empty() || s.initPixels;
    p.initPixels.reset(); // the record names files, never holds pixels
    if (s.initPixels && p.initImage.empty()) p.initImage = "(in memory)";
    return p;
}

nlohmann::json metadataJson(const GenerationParameters& p)
{
    nlohmann::json j = generationParametersSpec().toJson(p);
    j["parameters"] = formatA1111Parameters(p);
    return j;
}

std::string toJson(const GenerationParameters& p)
{
    return metadataJson(p).dump(2);
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
        if (j.is_object() && j.contains("steps") && j.contains("sampler")) {
            GenerationParameters p;
            if (auto ok = generationParametersSpec().fromJson(p, j); !ok) throw core::HdrError(ok.error());
            return p;
        }
        if (j.is_object() && j.contains("parameters") && j["parameters"].is_string()) {
            auto parsed = parseA1111Parameters(j["parameters"].get<std::string>());
            if (!parsed) throw core::HdrError(parsed.error());
            return *parsed;
        }
        throw core::HdrError(ErrorCode::InvalidArgument,
                             "the JSON has neither our settings nor a \"parameters\" string");
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

std::vector<std::string> expandListArgument(const std::string& value, bool isImageArgument)
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
