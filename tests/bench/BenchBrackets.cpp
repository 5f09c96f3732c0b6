// `hdrstudio-cli bench brackets`: exposure-bracketed generation (issue 6) on the tiny oracle
// SD1.5 model (or `--file random-sd15`: SD1.5-shaped networks with random weights, 64x64).
// Prints plain vs 3-bracket wall time, batched vs sequential branches, and measured time divided
// by (evaluations x one measured evaluation), decode time listed separately.
#include "BenchBrackets.h"

#include "BracketedBenchmark.h"

#include <cstdio>

namespace hdr::cli {

int benchBrackets(const Args& args, int repeat)
{
    diffusion::BracketBenchSettings settings;
    const std::string file = args.value("file").value_or("");
    settings.model = HDR_SHARED_DIR "/oracle/models/tiny-sd15";
    if (file == "random-sd15") {
        settings.randomSd15 = true;
        settings.width = settings.height = 64;
        settings.steps = 10;
        settings.timestep = 300.0;
    } else if (!file.empty()) {
        settings.model = file;
    }
    std::string error;
    settings.brackets = int(args.number("images", error).value_or(3));
    if (!error.empty()) {
        return usageError(error);
    }
    settings.repeat = std::max(1, std::min(repeat, 3));
    auto r = diffusion::benchmarkBrackets(settings);
    if (!r) {
        return reportError(r.error());
    }
    const double decodes = double(r->brackets) * r->oneDecode;
    const double model = r->evaluations * r->oneEvaluation;
    std::printf("bench brackets: %s, %d brackets, %d base + %d branch steps\n",
                r->label.c_str(),
                r->brackets,
                r->baseSteps,
                r->branchSteps);
    std::printf("  one evaluation (CFG pair, batch 1)  %8.4f s    one VAE decode %8.4f s\n",
                r->oneEvaluation,
                r->oneDecode);
    std::printf("  plain generation (+1 decode)        %8.3f s\n", r->plain);
    std::printf("  brackets, batched (+%d decodes)      %8.3f s   = %.2f x plain\n",
                r->brackets,
                r->batched,
                r->batched / r->plain);
    std::printf("  brackets, sequential (+%d decodes)   %8.3f s   batched is %.2f x faster\n",
                r->brackets,
                r->sequential,
                r->sequential / r->batched);
    std::printf(
        "  cost model: %.0f evaluations x %.4f s = %.3f s\n", r->evaluations, r->oneEvaluation, model);
    std::printf("  batched UNet time / model           %8.3f\n", r->batchedUnet / model);
    std::printf("  batched total / (model + decodes)   %8.3f   (<= 1.05 expected)\n",
                r->batched / (model + decodes));
    std::printf("  sequential total / (model + decodes) %7.3f\n", r->sequential / (model + decodes));
    return kExitOk;
}

} // namespace hdr::cli
