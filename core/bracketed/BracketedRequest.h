#pragma once
// Torch-free entry point for exposure-bracketed HDR generation (issue 6): loads the model,
// prepares the run as every generation does (generate/PreparedGeneration.h: LoRAs, prompt, size,
// init image), runs the shared prefix and the branches (BracketedGeneration.h), merges and writes
// the files (BracketedOutput.h). The CLI (`hdrstudio-cli hdr`) and the GUI call this.
// Defaults are vladmandic/sd-hdr's (reference/diffusion.md §1.3): 1024x1024, 20 steps, CFG 7,
// Euler ancestral, 3 brackets 1 EV apart, branches below timestep 200.
#include "common/Error.h"
#include "common/JobContext.h"
#include "generate/DiffusionSettings.h"
#include "image/Image.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct BracketedRequest : DiffusionSettings {
    BracketedRequest(); // sd-hdr's defaults: euler_a, 1024x1024, diffusers prompt style

    std::vector<double> evs{-1.0, 0.0, 1.0};
    double exposureStep = 1.0;              // --exp: stops between brackets of a count (recorded)
    std::string strategy = "reference";     // reference | calibrated
    std::optional<double> timestep = 200.0; // branch below this timestep ...
    std::optional<double> branchFraction;   // ... or for this fraction of the steps (wins when set)
    bool sequentialBranches = false;
    bool sharedBranchNoise = true;
    double gamma = 2.2; // --gamma (recorded for sd-hdr compatibility; our HDR files are scene-linear)
    // Output
    std::filesystem::path outputDir = ".";
    std::set<std::string> formats{"exr", "png"};
    bool saveBrackets = false;
    bool ldr = false;
    bool json = true;
    bool debug = false; // also write the threshold image
    bool overwrite = false;
    std::string stamp; // file stem; empty = epoch seconds (bumped if taken)
};

// The diffusion settings plus the bracket, branch and output settings. --brackets (a count or an
// EV list, spaced by --exp) is the CLI's text for `evs`.
const spec::RequestSpec<BracketedRequest>& bracketedRequestSpec();

struct BracketedOutcome {
    std::vector<std::filesystem::path> files;
    std::vector<double> nominalEv, estimatedEv;
    bool evsEstimated = false;
    int baseSteps = 0, branchSteps = 0, unetCalls = 0;
    std::int64_t unetSamples = 0;
    double seconds = 0.0, unetSeconds = 0.0;
    std::string stamp;
};

struct BracketedCallbacks {
    // A decoded bracket (display sRGB values in an ImageF), as soon as it is ready.
    std::function<void(int index, double nominalEv, const core::ImageF& image)> onBracket;
};

core::Result<BracketedOutcome> runBracketedGeneration(const BracketedRequest& request,
                                                      core::JobContext& job,
                                                      const BracketedCallbacks& callbacks = {});

} // namespace hdr::diffusion
