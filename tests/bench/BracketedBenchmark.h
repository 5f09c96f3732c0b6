#pragma once
// Torch-free benchmark of bracketed generation (`hdrstudio-cli bench brackets`): a 3-bracket run
// (batched and sequential branches) against a plain generation with the same model, steps and
// size, and the run time against the cost model (1 - t) S + N t S image evaluations x the
// measured time of one evaluation (CFG pair, batch 1).
#include "common/Error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct BracketBenchSettings {
    std::filesystem::path model; // diffusers folder or single file (e.g. the tiny oracle model)
    bool randomSd15 = false;     // instead: random weights with SD1.5's UNet/VAE shapes
    int width = 128, height = 128, steps = 20, brackets = 3, repeat = 2, threads = 0;
    double timestep = 200.0;
    double cfg = 7.0;
};

struct BracketBenchResult {
    std::string label;
    int baseSteps = 0, branchSteps = 0, brackets = 0;
    double evaluations = 0.0;   // (1 - t) S + N t S
    double oneEvaluation = 0.0; // s, CFG pair at batch 1 (median)
    double oneDecode = 0.0;     // s, VAE decode of one image
    double plain = 0.0;         // s, plain generation incl. decode
    double batched = 0.0;       // s, bracketed run with batched branches incl. N decodes
    double sequential = 0.0;    // s, the same with one branch at a time
    double batchedUnet = 0.0;   // s, UNet time inside the batched run
};

core::Result<BracketBenchResult> benchmarkBrackets(const BracketBenchSettings& settings);

} // namespace hdr::diffusion
