#pragma once
// Generated exposure brackets -> merged results and files (torch-free; issue 6 step 3-4).
//   (a) Mertens exposure fusion of the display-encoded brackets (what sd-hdr produces): a 16-bit
//       PNG/TIFF and, with --ldr, an 8-bit PNG. Display-referred, tone-mapped, not radiance.
//   (b) A radiance merge (hdr/BracketMerge.h, sRGB response, hat weights) into scene-linear
//       Rec.709 (EXR / Radiance .hdr / float TIFF / linear DNG), with each branch's exposure
//       estimated from the decoded pixels (hdr/ExposureEstimation.h: median luminance ratio over
//       pixels well exposed in both neighbours). When too few pixels are shared (tiny or flat
//       images) the nominal EVs are used and the JSON says so. Units: 1.0 = the clipping level of
//       the branch nearest EV 0.
// Files: <dir>/<stamp>.<ext> for the HDR formats, <stamp>_fused.png|tif, <stamp>_ldr.png,
// <stamp>_bracket<i>.png (16-bit, --save), <stamp>_threshold.png (--debug), <stamp>.json. All
// paths are checked first (nothing is replaced unless overwrite), every file is written
// atomically, and if any write fails or the job is cancelled the files already written by this
// call are removed again: a run leaves all its files or none.
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct BranchStatistics {
    double nominalEv = 0.0;
    double estimatedEv = 0.0;   // relative to the branch nearest EV 0
    double meanLuminance = 0.0; // linear Rec.709 Y of the decoded sRGB image
    double medianLuminance = 0.0;
    double clippedFraction = 0.0; // pixels with any channel >= 0.98 (display value)
    double blackFraction = 0.0;   // pixels with every channel <= 0.02
};

struct MergedBrackets {
    core::ImageF fused;    // display-encoded sRGB values (Mertens), may overshoot [0, 1] slightly
    core::ImageF radiance; // scene-linear Rec.709
    std::vector<BranchStatistics> branches;
    bool evsEstimated = false; // false: nominal EVs were used (see evNote)
    std::string evNote;
    int referenceIndex = 0;
};

// display: decoded brackets, sRGB values in [0, 1], ascending exposure; nominalEv per bracket.
core::Result<MergedBrackets> mergeGeneratedBrackets(std::span<const core::ImageF> display,
                                                    const std::vector<double>& nominalEv,
                                                    core::JobContext& job);

struct BracketOutputSettings {
    std::filesystem::path directory;
    std::string stamp;             // file name stem (epoch seconds)
    std::set<std::string> formats; // any of png, tiff, exr, hdr, dng
    bool saveBrackets = false;
    bool ldr = false;
    bool json = true;
    bool overwrite = false;
};

// Every path a call with these settings writes (for the existence check and tests).
std::vector<std::filesystem::path>
plannedOutputPaths(const BracketOutputSettings& settings, int bracketCount, bool withThresholdImage);

// Writes the outputs; `parameters` is the JSON's "parameters" object (the statistics are added
// here). thresholdImage: optional debug image (empty ImageF = none), display values.
core::Result<std::vector<std::filesystem::path>> writeBracketOutputs(const MergedBrackets& merged,
                                                                     std::span<const core::ImageF> display,
                                                                     const core::ImageF& thresholdImage,
                                                                     nlohmann::json parameters,
                                                                     const BracketOutputSettings& settings,
                                                                     core::JobContext& job);

// "png,exr" / "all" -> the set; fails on unknown names.
core::Result<std::set<std::string>> parseOutputFormats(const std::string& list);

} // namespace hdr::diffusion
