#pragma once
// A batch output tree as the batch generator writes it (core/catalog/CandidateMetadata.h):
// stage1/<stamp>_stage1_<W>x<H>.png with an A1111 "parameters" chunk, metadata/<stem>.json,
// final/<stamp>_final_<W2>x<H2>.png with its own JSON. Shared by the catalog and gallery tests.
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <QtGlobal>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace hdr::test::catalog {

struct SyntheticLora {
    std::string kind; // "character", "style", "prompt"
    std::string name;
    double strength = 1.0;
    std::string path() const { return "/loras/" + kind + "/" + name + ".safetensors"; }
};

struct SyntheticCandidate {
    std::string stamp; // "20240501_101112" or with "-1"
    std::uint64_t seed = 0;
    std::string prompt;
    std::string negative; // empty: none
    std::vector<SyntheticLora> loras;
    int width = 1024;
    int height = 1024;
    bool writeJson = true;
    float red = 0.5f, green = 0.5f, blue = 0.5f; // the image's colour (linear)

    std::string stem() const
    {
        return stamp + "_stage1_" + std::to_string(width) + "x" + std::to_string(height);
    }
};

inline std::string infotextOf(const SyntheticCandidate& c)
{
    std::string text = c.prompt;
    if (!c.negative.empty()) text += "\nNegative prompt: " + c.negative;
    text += "\nSteps: 30, Sampler: Euler, CFG scale: 7, Seed: " + std::to_string(c.seed) +
            ", Size: " + std::to_string(c.width) + "x" + std::to_string(c.height) +
            ", Model: sdxl_base.safetensors";
    if (!c.loras.empty()) {
        std::string joined;
        for (const SyntheticLora& l : c.loras)
            joined += (joined.empty() ? "" : "; ") + l.path() + ":" + std::to_string(l.strength);
        text += ", LoRA: \"" + joined + "\"";
    }
    return text;
}

inline void
writeSmallPng(const std::filesystem::path& path, float r, float g, float b, const std::string& parameters)
{
    core::ImageF image(48, 32, 3);
    for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 48; ++x) {
            float* p = image.pixel(x, y);
            const float shade = (x < 8 && y < 8) ? 1.0f : 0.8f; // a corner mark: orientation is visible
            p[0] = r * shade;
            p[1] = g * shade;
            p[2] = b * shade;
        }
    }
    core::WriteOptions options;
    options.overwrite = true;
    if (!parameters.empty()) options.attributes["parameters"] = parameters;
    std::filesystem::create_directories(path.parent_path());
    const auto ok = core::writeImage(image, path, options);
    if (!ok) qFatal("cannot write %s: %s", path.string().c_str(), ok.error().describe().c_str());
}

inline void writeJsonFile(const std::filesystem::path& path, const nlohmann::json& j)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << j.dump(2);
}

// Writes the candidate's PNG and (unless writeJson is false) its metadata JSON; returns the PNG.
inline std::filesystem::path writeCandidate(const std::filesystem::path& root, const SyntheticCandidate& c)
{
    const std::filesystem::path image = root / "stage1" / (c.stem() + ".png");
    writeSmallPng(image, c.red, c.green, c.blue, infotextOf(c));
    if (!c.writeJson) return image;
    nlohmann::json loraSpecs = nlohmann::json::array();
    nlohmann::json loras = nlohmann::json::array();
    for (const SyntheticLora& l : c.loras) {
        loraSpecs.push_back(l.path() + ":" + std::to_string(l.strength));
        loras.push_back({{"kind", l.kind},
                         {"name", l.name},
                         {"path", l.path()},
                         {"strength", l.strength},
                         {"trigger", l.name + " style"}});
    }
    nlohmann::json parameters = {
        {"prompt", c.prompt},
        {"negative", c.negative.empty() ? nlohmann::json() : nlohmann::json(c.negative)},
        {"seed", c.seed},
        {"sampler", "euler"},
        {"steps", 30},
        {"cfg", 7.0},
        {"width", c.width},
        {"height", c.height},
        {"model", "/models/sdxl_base.safetensors"},
        {"modelName", "sdxl_base.safetensors"},
        {"modelHash", "31e35c80fc"},
        {"lora", loraSpecs},
        {"parameters", infotextOf(c)},
        {"clipSkip", 0}};
    writeJsonFile(
        root / "metadata" / (c.stem() + ".json"),
        {{"stage", "stage1"},
         {"image", "stage1/" + c.stem() + ".png"},
         {"stamp", c.stamp},
         {"parameters", parameters},
         {"loras", loras},
         {"promptOptions", nlohmann::json::array({"golden hour"})},
         {"config", {{"count", 8}, {"promptOptions", nlohmann::json::array({"golden hour", "rain"})}}},
         {"finals", nlohmann::json::array()}});
    return image;
}

// The upscale stage's output for a candidate: final PNG, its JSON, and the candidate's "finals".
inline std::filesystem::path
writeFinal(const std::filesystem::path& root, const SyntheticCandidate& c, int width, int height)
{
    const std::string stem = c.stamp + "_final_" + std::to_string(width) + "x" + std::to_string(height);
    const std::filesystem::path image = root / "final" / (stem + ".png");
    writeSmallPng(image, c.red, c.green, c.blue, {});
    writeJsonFile(
        root / "metadata" / (stem + ".json"),
        {{"stage", "final"}, {"image", "final/" + stem + ".png"}, {"source", "stage1/" + c.stem() + ".png"}});
    const std::filesystem::path json = root / "metadata" / (c.stem() + ".json");
    if (std::filesystem::exists(json)) {
        std::ifstream in(json);
        nlohmann::json j = nlohmann::json::parse(in);
        j["finals"].push_back("final/" + stem + ".png");
        writeJsonFile(json, j);
    }
    return image;
}

} // namespace hdr::test::catalog
