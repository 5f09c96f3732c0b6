#include "gmdiffusion/GainMapOutput.h"

#include "common/OutputSet.h"
#include "image/DisplayImage.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "io/UltraHdr.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

namespace hdr::diffusion {

using core::ErrorCode;
using core::ImageF;

namespace {

struct PlannedFile {
    std::filesystem::path path;
    std::string kind;
};

std::vector<PlannedFile> plan(const GainMapOutputSettings& s)
{
    const auto at = [&](const std::string& suffix) { return s.directory / (s.stamp + suffix); };
    std::vector<PlannedFile> files;
    for (const auto& [kind, suffix] : {std::pair{"exr", ".exr"},
                                       std::pair{"hdr", ".hdr"},
                                       std::pair{"sdr", "_sdr.png"},
                                       std::pair{"gainmap", "_gainmap.png"},
                                       std::pair{"jpg", "_ultrahdr.jpg"}}) {
        if (s.formats.count(kind)) {
            files.push_back({at(suffix), kind});
        }
    }
    if (s.json) {
        files.push_back({at(".json"), "json"});
    }
    return files;
}

// GM values in [0, 1] stored as the PNG's 16-bit code values themselves (rounded), with no
// encode/decode round trip that could move them (the sRGB tag only tells viewers how to show it).
core::DisplayImage16 gainMapCodes(const ImageF& gainMap)
{
    core::DisplayImage16 out;
    out.width = gainMap.width();
    out.height = gainMap.height();
    out.channels = 3;
    out.pixels.resize(std::size_t(out.width) * std::size_t(out.height) * 3);
    for (std::size_t i = 0; i < out.pixels.size(); ++i) {
        const float v = std::clamp(gainMap.data()[i], 0.0f, 1.0f);
        out.pixels[i] = std::uint16_t(std::lround(v * 65535.0f));
    }
    return out;
}

// Display values -> the linear values whose sRGB encoding they are (so a default PNG write
// stores exactly these code values).
ImageF asSrgbLinear(const ImageF& display)
{
    ImageF out(display.width(), display.height(), 3);
    for (std::size_t i = 0, n = std::size_t(out.pixelCount()) * 3; i < n; ++i) {
        out.data()[i] = core::srgbDecode(std::clamp(display.data()[i], 0.0f, 1.0f));
    }
    return out;
}

// The HDR of Eq. (1) as an Ultra HDR JPEG with the SDR as its (sRGB) base: the map is computed
// against the base as a decoder sees it (after JPEG compression and with the sRGB curve), one per
// channel like GM, offsets 1/64 like Eq. (1), so any standard decoder reproduces Eq. (1) up to the
// map's 8-bit quantisation (io/UltraHdr.h encodeUltraHdr).
core::Status writeGainMapUltraHdr(const ImageF& sdr,
                                  const ImageF& hdr,
                                  const GainMapOutputSettings& s,
                                  const std::filesystem::path& path)
{
    core::UltraHdrWriteOptions options;
    options.quality = s.jpegQuality;
    options.gainMapQuality = 100;
    options.gainMapRgb =
        true; // with quality 100: within ~2 codes of the 8-bit map (docs/gainmap-diffusion.md)
    options.encode.channels = 3;
    options.encode.offsetSdr = options.encode.offsetHdr = 1.0f / 64;
    options.overwrite = true; // the staged file is ours
    const ImageF base = asSrgbLinear(sdr);
    return core::writeUltraHdr(hdr, &base, path, options);
}

core::Status writeText(const std::filesystem::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        return core::fail(ErrorCode::IoError, "cannot write the JSON sidecar", path.string());
    }
    return {};
}

} // namespace

std::vector<std::filesystem::path> plannedGainMapOutputs(const GainMapOutputSettings& settings)
{
    std::vector<std::filesystem::path> paths;
    for (const auto& f : plan(settings)) {
        paths.push_back(f.path);
    }
    return paths;
}

std::string freeGainMapStamp(GainMapOutputSettings settings)
{
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string base = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    for (int suffix = 0;; ++suffix) {
        settings.stamp = suffix == 0 ? base : base + "-" + std::to_string(suffix);
        bool taken = false;
        std::error_code ec;
        for (const auto& p : plannedGainMapOutputs(settings)) {
            taken = taken || std::filesystem::exists(p, ec);
        }
        if (!taken) {
            return settings.stamp;
        }
    }
}

core::Result<std::vector<std::filesystem::path>> writeGainMapOutputs(const ImageF& sdr,
                                                                     const ImageF& gainMap,
                                                                     const ImageF& hdr,
                                                                     nlohmann::json record,
                                                                     const GainMapOutputSettings& settings,
                                                                     core::JobContext& job)
{
    return core::guarded(ErrorCode::IoError, settings.directory.string(), [&] {
        const auto files = plan(settings);
        nlohmann::json doc;
        doc["parameters"] = std::move(record);
        doc["qmax"] = settings.qmax;
        doc["encoding"] = {{"exr", "scene-linear Rec.709, 1.0 = SDR white, peak qmax + 1"},
                           {"hdr", "HDR / (qmax + 1), as GM-Diffusion's scripts write it"},
                           {"gainmap", "GM in [0, 1] (16-bit code values); Eq. (1) reads it linearly"}};
        nlohmann::json list = nlohmann::json::array();
        for (const auto& f : files) {
            list.push_back({{"path", f.path.filename().string()}, {"kind", f.kind}});
        }
        doc["files"] = list;
        const std::map<std::string, std::string> attributes{
            {"Software", "HDR Studio"}, {"hdrstudio.generation", doc["parameters"].dump()}};

        core::OutputSet out(settings.overwrite);
        for (const auto& f : files) {
            core::throwIfCancelled(job);
            const std::filesystem::path staged = core::unwrap(out.stage(f.path));
            core::WriteOptions o;
            o.overwrite = true; // the staged file is ours
            o.attributes = attributes;
            core::Status status;
            if (f.kind == "exr") {
                o.format = core::FileFormat::Exr;
                o.sampleType = core::SampleType::Float;
                status = core::writeImage(hdr, staged, o);
            } else if (f.kind == "hdr") {
                ImageF written = hdr;
                const float scale = float(1.0 / (settings.qmax + 1.0));
                for (std::size_t i = 0,
                                 n = std::size_t(written.pixelCount()) * std::size_t(written.channels());
                     i < n;
                     ++i) {
                    written.data()[i] *= scale;
                }
                o.format = core::FileFormat::Rgbe;
                status = core::writeImage(written, staged, o);
            } else if (f.kind == "sdr") {
                o.format = core::FileFormat::Png;
                o.sampleType = core::SampleType::U8;
                status = core::writeImage(asSrgbLinear(sdr), staged, o);
            } else if (f.kind == "gainmap") {
                o.format = core::FileFormat::Png;
                o.sampleType = core::SampleType::U16;
                status = core::writeDisplayImage(gainMapCodes(gainMap), staged, o);
            } else if (f.kind == "jpg") {
                status = writeGainMapUltraHdr(sdr, hdr, settings, staged);
            } else {
                status = writeText(staged, doc.dump(2) + "\n");
            }
            if (!status) {
                throw core::HdrError(status.error());
            }
        }
        core::throwIfCancelled(job);
        if (auto ok = out.commit(); !ok) {
            throw core::HdrError(ok.error());
        }
        return out.finalPaths();
    });
}

} // namespace hdr::diffusion
