#pragma once
// Torch-free entry point for exposure-bracketed HDR generation (issue 6): loads the model,
// encodes the prompt, runs the shared prefix and the branches (BracketedGeneration.h), merges
// and writes the files (BracketedOutput.h). The CLI (`hdrstudio-cli hdr`) and the GUI call this.
// Defaults are vladmandic/sd-hdr's (reference/diffusion.md §1.3): 1024x1024, 20 steps, CFG 7,
// Euler ancestral, 3 brackets 1 EV apart, branches below timestep 200.
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct BracketedRequest {
    std::filesystem::path model;     // single file or diffusers folder
    std::filesystem::path configDir; // configs for single files (ModelOpenOptions)
    std::filesystem::path tokenizerDir;
    std::string dtype = "fp32"; // fp32 | fp16 | bf16
    std::string device = "cpu"; // cpu | cuda | cuda:N
    int width = 1024;
    int height = 1024;
    int steps = 20;
    std::uint64_t seed = 0;
    double cfg = 7.0;
    std::string sampler = "euler_a";
    std::string prompt;
    std::optional<std::string> negative;
    std::string promptStyle = "diffusers"; // diffusers (sd-hdr's) | a1111 (emphasis, long prompts)
    std::filesystem::path image;           // img2img input (empty: txt2img)
    double strength = 0.75;
    std::vector<double> evs{-1.0, 0.0, 1.0};
    std::string strategy = "reference";     // reference | calibrated
    std::optional<double> timestep = 200.0; // branch below this timestep ...
    std::optional<double> branchFraction;   // ... or for this fraction of the steps (wins when set)
    bool sequentialBranches = false;
    bool sharedBranchNoise = true;
    bool offload = false;      // free the text encoders / UNet once they are not needed
    int vaeTile = 0;           // tiled VAE decode: tile edge in pixels, multiple of 8 (0 = one piece)
    double exposureStep = 1.0; // --exp (recorded; evs already hold it)
    double gamma = 2.2;        // --gamma (recorded; our HDR files are scene-linear)
    // Output
    std::filesystem::path outputDir = ".";
    std::set<std::string> formats{"exr", "png"};
    bool saveBrackets = false;
    bool ldr = false;
    bool json = true;
    bool debug = false; // also write the threshold image
    bool overwrite = false;
    std::string stamp; // file stem; empty = epoch seconds (bumped if taken)
    int threads = 0;   // torch threads (0 = all cores)
};

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

// A prompt/negative/image argument: the lines of a text file when it names one (empty lines
// skipped), otherwise the string itself. Image files (sniffed) are never read as lists.
std::vector<std::string> expandListArgument(const std::string& value, bool isImageArgument);

} // namespace hdr::diffusion
