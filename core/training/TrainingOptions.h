#pragma once

#include "common/Error.h"
#include "training/DistributedConfig.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hdr::training {

enum class LrSchedule { Constant, Cosine, Step };
enum class Precision { Float32, BFloat16, Float16 };
enum class OptimizerKind { Adam, AdamW, Sgd };

const char* nameOf(LrSchedule s);    // "constant", "cosine", "step"
const char* nameOf(Precision p);     // "fp32", "bf16", "fp16"
const char* nameOf(OptimizerKind k); // "adam", "adamw", "sgd"
std::optional<LrSchedule> lrScheduleFromName(std::string_view name);
std::optional<Precision> precisionFromName(std::string_view name);
std::optional<OptimizerKind> optimizerFromName(std::string_view name);

// Everything the generic training loop (Trainer.h) is told; the model's own options travel in
// `taskConfig` (recorded in config.json and in every checkpoint). Steps are optimizer steps: one
// step = `accumulation` micro-batches.
struct TrainingOptions {
    // Run folder: a new runs/<timestamp>[_tag]/ under runsRoot, or an existing `runDir` (which is
    // where --resume best|latest looks). A checkpoint path given to `resume` continues the run
    // that holds it (its checkpoints/ parent) unless runDir says otherwise.
    std::filesystem::path runsRoot = "runs";
    std::string tag;
    std::filesystem::path runDir;
    std::string resume;                     // "", "best", "latest" or a checkpoint file
    std::optional<std::int64_t> startEpoch; // overrides the epoch to continue with (1-based)

    std::int64_t epochs = 10; // the last epoch to train (1-based, inclusive)
    int accumulation = 1;     // micro-batches per optimizer step
    OptimizerKind optimizer = OptimizerKind::Adam;
    double lr = 1e-3;
    double minLr = 0; // floor of the cosine schedule
    double weightDecay = 0;
    double momentum = 0.9; // SGD only
    LrSchedule schedule = LrSchedule::Cosine;
    std::int64_t warmupSteps = 0; // linear warm-up from lr / warmupSteps
    std::int64_t stepEpochs = 10; // Step: multiply by stepGamma every stepEpochs epochs
    double stepGamma = 0.5;
    double clipGradNorm = 0; // 0: off
    Precision precision = Precision::Float32;
    std::string device = "cpu"; // "cpu", "cuda", "cuda:1"

    int patience = 0;          // early stop after this many epochs without a better validation loss; 0: off
    double minDelta = 0;       // an improvement must beat the best by more than this
    int validationBatches = 4; // N validation batches per epoch (the task decides what a batch is)
    int vizSamples = 2;        // viz/epochXXXX_sampleN.png per epoch
    std::int64_t checkpointEverySteps = 0; // also refresh latest.pt mid-epoch; 0: at epoch ends only
    std::uint64_t seed = 1;
    bool tensorboard = true;
    std::string notes; // free text, into the checkpoint metadata

    DistributedConfig distributed;
    nlohmann::json taskConfig = nlohmann::json::object();

    // Messages for the user (resumed from ..., took over a stale lock, early stop); may be empty.
    std::function<void(std::string_view)> log;

    core::Status validate() const;
    // Every option (not the log hook) as JSON, for config.json and checkpoint metadata.
    nlohmann::json toJson() const;
};

// Learning rate at optimizer step `step` (0-based) of `totalSteps`, in epoch `epoch` (1-based):
//   warm-up  lr · (step + 1) / warmupSteps              while step < warmupSteps
//   constant lr
//   cosine   minLr + (lr − minLr) · (1 + cos(π · t)) / 2, t = (step − warmup) / (total − warmup)
//   step     lr · stepGamma^⌊(epoch − 1) / stepEpochs⌋
double learningRateAt(const TrainingOptions& options,
                      std::int64_t step,
                      std::int64_t totalSteps,
                      std::int64_t epoch);

} // namespace hdr::training
