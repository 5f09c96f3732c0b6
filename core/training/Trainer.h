#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "training/TrainingOptions.h"

#include <cstdint>
#include <filesystem>

namespace hdr::training {

class TrainTask;

enum class StopReason {
    Completed,     // the last epoch finished
    EarlyStop,     // no better validation loss for `patience` epochs
    StopRequested, // STOP_TRAINING appeared in the run folder
    Cancelled,     // the job was cancelled
};
const char* nameOf(StopReason r);

struct TrainResult {
    std::filesystem::path runDir; // empty on ranks other than 0 of a new run
    StopReason reason = StopReason::Completed;
    std::int64_t lastEpoch = 0;  // last completed epoch (0: none)
    std::int64_t epochsRun = 0;  // epochs completed by this call
    std::int64_t globalStep = 0; // optimizer steps since the run began (resumes included)
    double lastTrainLoss = 0;
    double lastValLoss = 0; // NaN without validation
    double bestLoss = 0;    // the validation loss best.pt holds (train loss without validation)
    std::int64_t bestEpoch = 0;
};

// The training loop every model uses (TrainTask.h is the model's side):
//  - AMP: bf16 autocast on CPU; fp16 (with dynamic loss scaling) or bf16 on CUDA devices.
//  - Gradient accumulation over `accumulation` micro-batches (losses averaged, so k micro-batches
//    of n samples step like one batch of k·n), clipping by global norm, the LR schedule per
//    optimizer step (TrainingOptions.h has the formulas), Adam/AdamW/SGD.
//  - Each epoch: validation (N batches), logs/metrics/viz/TensorBoard/curves through
//    runlog::RunLogWriter, latest.pt, and best.pt plus ckpt_eXXX_best.pt when the validation loss
//    improved; early stop after `patience` epochs without improvement.
//  - STOP_TRAINING in the run folder (or a cancelled job) stops after the current optimizer step;
//    latest.pt then records the exact batch to continue with, so resuming reproduces the
//    uninterrupted run (data is a function of the batch index; see BatchRequest).
//  - A lock file refuses a second trainer on the same folder (RunLock.h); kill -9 loses at most
//    the steps since the last checkpoint (checkpoints are written atomically).
//  - Distributed (options.distributed.worldSize > 1): every rank calls train(); gradients are
//    averaged each step; rank 0 validates and writes the run folder, and its stop and early-stop
//    decisions reach all ranks. Resuming needs the checkpoint readable on every rank.
core::Result<TrainResult> train(TrainTask& task, const TrainingOptions& options, core::JobContext& ctx);

} // namespace hdr::training
