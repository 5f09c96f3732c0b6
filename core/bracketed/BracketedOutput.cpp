#include "bracketed/BracketedOutput.h"

#include "common/AtomicFile.h"
#include "common/OutputSet.h"
#include "hdr/BracketMerge.h"
#include "hdr/ExposureEstimation.h"
#include "hdr/ExposureFusion.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace hdr::diffusion {

using core::ErrorCode;
using core::ImageF;

namespace {

// Display sRGB values -> linear light (clipped to [0, 1] first: fusion may overshoot).
ImageF displayToLinear(const ImageF& display)
{
    ImageF linear(display.width(), display.height(), 3, display.colorSpace);
    const core::Transfer srgb = core::Transfer::srgb();
    for (int y = 0; y < display.height(); ++y) {
        const float* src = display.row(y);
        float* dst = linear.row(y);
        for (int x = 0; x < display.width(); ++x) {
            for (int c = 0; c < 3; ++c) {
                dst[x * 3 + c] = core::decode(srgb, std::clamp(src[x * display.channels() + c], 0.0f, 1.0f));
            }
        }
    }
    return linear;
}

BranchStatistics statisticsOf(const ImageF& display, const ImageF& linear)
{
    BranchStatistics s;
    std::vector<float> luminance;
    luminance.reserve(std::size_t(linear.pixelCount()));
    std::int64_t clipped = 0, black = 0;
    for (int y = 0; y < linear.height(); ++y) {
        for (int x = 0; x < linear.width(); ++x) {
            const float* l = linear.pixel(x, y);
            const float* d = display.pixel(x, y);
            luminance.push_back(0.2126f * l[0] + 0.7152f * l[1] + 0.0722f * l[2]);
            clipped += std::max({d[0], d[1], d[2]}) >= 0.98f ? 1 : 0;
            black += std::max({d[0], d[1], d[2]}) <= 0.02f ? 1 : 0;
        }
    }
    double sum = 0.0;
    for (const float v : luminance) {
        sum += v;
    }
    const auto n = double(std::max<std::size_t>(1, luminance.size()));
    s.meanLuminance = sum / n;
    if (!luminance.empty()) {
        auto mid = luminance.begin() + std::ptrdiff_t(luminance.size() / 2);
        std::nth_element(luminance.begin(), mid, luminance.end());
        s.medianLuminance = *mid;
    }
    s.clippedFraction = double(clipped) / n;
    s.blackFraction = double(black) / n;
    return s;
}

} // namespace

core::Result<MergedBrackets> mergeGeneratedBrackets(std::span<const ImageF> display,
                                                    const std::vector<double>& nominalEv,
                                                    core::JobContext& job)
{
    return core::guarded(ErrorCode::Internal, "bracket merge", [&]() -> MergedBrackets {
        if (display.size() < 2 || display.size() != nominalEv.size()) {
            core::throwError(ErrorCode::InvalidArgument,
                             "a merge needs two or more brackets with one EV each");
        }
        MergedBrackets merged;
        std::vector<ImageF> linear;
        for (std::size_t i = 0; i < display.size(); ++i) {
            linear.push_back(displayToLinear(display[i]));
            merged.branches.push_back(statisticsOf(display[i], linear.back()));
            merged.branches.back().nominalEv = nominalEv[i];
        }
        // Reference: the branch nearest EV 0 (the middle one for symmetric brackets).
        merged.referenceIndex =
            int(std::min_element(nominalEv.begin(),
                                 nominalEv.end(),
                                 [](double a, double b) { return std::abs(a) < std::abs(b); }) -
                nominalEv.begin());
        core::ExposureEstimationParams params;
        params.referenceIndex = merged.referenceIndex;
        params.minPixels = 16;
        auto estimate = core::estimateRelativeExposures(linear, params);
        std::vector<double> evs = nominalEv;
        for (double& ev : evs) {
            ev -= nominalEv[std::size_t(merged.referenceIndex)];
        }
        if (estimate) {
            const bool increasing = std::is_sorted(estimate->ev.begin(), estimate->ev.end());
            if (increasing) {
                evs = estimate->ev;
                merged.evsEstimated = true;
            } else {
                merged.evNote = "estimated EVs were not increasing; nominal EVs used";
            }
        } else {
            merged.evNote = "EV estimation failed (" + estimate.error().message + "); nominal EVs used";
        }
        for (std::size_t i = 0; i < evs.size(); ++i) {
            merged.branches[i].estimatedEv = evs[i];
        }
        core::throwIfCancelled(job);
        auto fused = core::fuseMertens(display, core::MertensParams{}, job);
        if (!fused) {
            throw core::HdrError(fused.error());
        }
        merged.fused = std::move(*fused);
        std::vector<double> exposures;
        for (const double ev : evs) {
            exposures.push_back(std::exp2(ev));
        }
        core::MergeParams mergeParams;
        mergeParams.referenceIndex = merged.referenceIndex;
        auto radiance = core::mergeBrackets(display, exposures, mergeParams, job);
        if (!radiance) {
            throw core::HdrError(radiance.error());
        }
        merged.radiance = std::move(*radiance);
        return merged;
    });
}

core::Result<std::set<std::string>> parseOutputFormats(const std::string& list)
{
    static const std::set<std::string> known{"png", "tiff", "exr", "hdr", "dng"};
    std::set<std::string> formats;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item == "all") {
            formats.insert(known.begin(), known.end());
        } else if (item == "tif") {
            formats.insert("tiff");
        } else if (known.count(item)) {
            formats.insert(item);
        } else {
            return core::fail(ErrorCode::InvalidArgument,
                              "unknown output format '" + item + "' (png, tiff, exr, hdr, dng or all)");
        }
    }
    if (formats.empty()) {
        return core::fail(ErrorCode::InvalidArgument,
                          "no output format given (png, tiff, exr, hdr, dng or all)");
    }
    return formats;
}

namespace {

struct PlannedFile {
    std::filesystem::path path;
    std::string kind; // what to write there
    int index = -1;   // bracket index
};

std::vector<PlannedFile> plan(const BracketOutputSettings& s, int bracketCount, bool withThreshold)
{
    std::vector<PlannedFile> files;
    const auto at = [&](const std::string& name) { return s.directory / (s.stamp + name); };
    for (const auto& f : s.formats) {
        if (f == "png") {
            files.push_back({at("_fused.png"), "fused-png"});
        } else if (f == "tiff") {
            files.push_back({at("_fused.tif"), "fused-tiff"});
            files.push_back({at(".tif"), "radiance-tiff"});
        } else {
            files.push_back({at("." + f), "radiance-" + f});
        }
    }
    if (s.ldr) {
        files.push_back({at("_ldr.png"), "ldr"});
    }
    if (s.saveBrackets) {
        for (int i = 0; i < bracketCount; ++i) {
            files.push_back({at("_bracket" + std::to_string(i) + ".png"), "bracket", i});
        }
    }
    if (withThreshold) {
        files.push_back({at("_threshold.png"), "threshold"});
    }
    if (s.json) {
        files.push_back({at(".json"), "json"});
    }
    return files;
}

} // namespace

std::vector<std::filesystem::path>
plannedOutputPaths(const BracketOutputSettings& settings, int bracketCount, bool withThresholdImage)
{
    std::vector<std::filesystem::path> paths;
    for (const auto& f : plan(settings, bracketCount, withThresholdImage)) {
        paths.push_back(f.path);
    }
    return paths;
}

core::Result<std::vector<std::filesystem::path>> writeBracketOutputs(const MergedBrackets& merged,
                                                                     std::span<const ImageF> display,
                                                                     const ImageF& thresholdImage,
                                                                     nlohmann::json parameters,
                                                                     const BracketOutputSettings& settings,
                                                                     core::JobContext& job)
{
    const auto files = plan(settings, int(display.size()), thresholdImage.width() > 0);
    // Every file is staged before anything is written: an existing output (without overwrite)
    // is refused before any work, and until commit() no user-visible file changes.
    core::OutputSet out(settings.overwrite);
    std::vector<std::filesystem::path> staged;
    for (const auto& f : files) {
        auto path = out.stage(f.path);
        if (!path) {
            return tl::unexpected(path.error());
        }
        staged.push_back(std::move(*path));
    }
    nlohmann::json doc;
    doc["parameters"] = std::move(parameters);
    doc["referenceBracket"] = merged.referenceIndex;
    doc["evsEstimated"] = merged.evsEstimated;
    if (!merged.evNote.empty()) {
        doc["evNote"] = merged.evNote;
    }
    for (std::size_t i = 0; i < merged.branches.size(); ++i) {
        const auto& b = merged.branches[i];
        doc["brackets"].push_back({{"index", i},
                                   {"nominalEv", b.nominalEv},
                                   {"estimatedEv", b.estimatedEv},
                                   {"meanLuminance", b.meanLuminance},
                                   {"medianLuminance", b.medianLuminance},
                                   {"clippedFraction", b.clippedFraction},
                                   {"blackFraction", b.blackFraction}});
    }
    nlohmann::json fileList = nlohmann::json::array();
    for (const auto& f : files) {
        fileList.push_back({{"path", f.path.filename().string()}, {"kind", f.kind}});
    }
    doc["files"] = fileList;

    std::map<std::string, std::string> attributes{{"Software", "HDR Studio"},
                                                  {"hdrstudio.generation", doc["parameters"].dump()}};
    // The staged files are ours: writers replace them (overwrite) and are told the format, which
    // the staged names do not show.
    const auto display16 = [&](const ImageF& image,
                               const PlannedFile& f,
                               const std::filesystem::path& to,
                               core::SampleType type) {
        core::WriteOptions o;
        o.sampleType = type;
        o.overwrite = true;
        o.attributes = attributes;
        o.format = core::formatFromExtension(f.path);
        return core::writeImage(displayToLinear(image), to, o);
    };
    for (std::size_t i = 0; i < files.size(); ++i) {
        const PlannedFile& f = files[i];
        const std::filesystem::path& to = staged[i];
        if (job.isCancelled()) {
            return core::fail(ErrorCode::Cancelled, "cancelled; none of this run's files were written");
        }
        core::Status status;
        if (f.kind == "fused-png" || f.kind == "fused-tiff") {
            status = display16(merged.fused, f, to, core::SampleType::U16);
        } else if (f.kind == "ldr") {
            status = display16(merged.fused, f, to, core::SampleType::U8);
        } else if (f.kind == "bracket") {
            status = display16(display[std::size_t(f.index)], f, to, core::SampleType::U16);
        } else if (f.kind == "threshold") {
            status = display16(thresholdImage, f, to, core::SampleType::U16);
        } else if (f.kind == "json") {
            const std::string text = doc.dump(2) + "\n";
            status = core::writeFileAtomically(
                to, std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()), true);
        } else {
            core::WriteOptions o;
            o.overwrite = true;
            o.attributes = attributes;
            o.format = core::formatFromExtension(f.path);
            if (f.kind == "radiance-tiff" || f.kind == "radiance-exr") {
                o.sampleType = core::SampleType::Float;
            }
            status = core::writeImage(merged.radiance, to, o);
        }
        if (!status) {
            core::Error error = status.error();
            error.where = f.path.string(); // the file the user asked for, not the staged name
            return tl::unexpected(error);
        }
    }
    if (job.isCancelled()) {
        return core::fail(ErrorCode::Cancelled, "cancelled; none of this run's files were written");
    }
    if (auto ok = out.commit(); !ok) {
        return tl::unexpected(ok.error());
    }
    return out.finalPaths();
}

} // namespace hdr::diffusion
