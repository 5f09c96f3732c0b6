#include "training/TrainingOptions.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hdr::training {

const char* nameOf(LrSchedule s)
{
    switch (s) {
    case LrSchedule::Constant: return "constant";
    case LrSchedule::Cosine: return "cosine";
    case LrSchedule::Step: return "step";
    }
    return "?";
}

const char* nameOf(Precision p)
{
    switch (p) {
    case Precision::Float32: return "fp32";
    case Precision::BFloat16: return "bf16";
    case Precision::Float16: return "fp16";
    }
    return "?";
}

const char* nameOf(OptimizerKind k)
{
    switch (k) {
    case OptimizerKind::Adam: return "adam";
    case OptimizerKind::AdamW: return "adamw";
    case OptimizerKind::Sgd: return "sgd";
    }
    return "?";
}

std::optional<LrSchedule> lrScheduleFromName(std::string_view name)
{
    for (auto s : {LrSchedule::Constant, LrSchedule::Cosine, LrSchedule::Step}) {
        if (name == nameOf(s)) {
            return s;
        }
    }
    return std::nullopt;
}

std::optional<Precision> precisionFromName(std::string_view name)
{
    if (name == "fp32" || name == "float32" || name == "none") {
        return Precision::Float32;
    }
    if (name == "bf16" || name == "bfloat16") {
        return Precision::BFloat16;
    }
    if (name == "fp16" || name == "float16" || name == "half") {
        return Precision::Float16;
    }
    return std::nullopt;
}

std::optional<OptimizerKind> optimizerFromName(std::string_view name)
{
    for (auto k : {OptimizerKind::Adam, OptimizerKind::AdamW, OptimizerKind::Sgd}) {
        if (name == nameOf(k)) {
            return k;
        }
    }
    return std::nullopt;
}

core::Status TrainingOptions::validate() const
{
    using core::ErrorCode;
    auto bad = [](std::string message, std::string where) {
        return core::fail(ErrorCode::InvalidArgument, std::move(message), std::move(where));
    };
    if (epochs < 1) {
        return bad("The number of epochs must be at least 1.", "epochs");
    }
    if (accumulation < 1 || accumulation > 4096) {
        return bad("Gradient accumulation must be 1..4096 micro-batches.", "accumulation");
    }
    if (!(lr > 0) || !std::isfinite(lr)) {
        return bad("The learning rate must be a positive number.", "lr");
    }
    if (!(minLr >= 0) || minLr > lr) {
        return bad("The minimum learning rate must be in [0, lr].", "min-lr");
    }
    if (!(weightDecay >= 0) || !std::isfinite(weightDecay)) {
        return bad("Weight decay must be a non-negative number.", "weight-decay");
    }
    if (warmupSteps < 0) {
        return bad("Warm-up steps must not be negative.", "warmup");
    }
    if (stepEpochs < 1 || !(stepGamma > 0) || stepGamma > 1) {
        return bad("The step schedule needs step epochs >= 1 and a factor in (0, 1].", "step-epochs");
    }
    if (!(clipGradNorm >= 0) || !std::isfinite(clipGradNorm)) {
        return bad("The gradient clipping norm must be >= 0 (0: off).", "clip-grad");
    }
    if (patience < 0 || !(minDelta >= 0)) {
        return bad("Early-stop patience and minimum improvement must not be negative.", "patience");
    }
    if (validationBatches < 0 || vizSamples < 0 || vizSamples > 64) {
        return bad("Validation batches must be >= 0 and viz samples 0..64.", "val-batches");
    }
    if (checkpointEverySteps < 0) {
        return bad("The checkpoint interval must not be negative.", "checkpoint-every");
    }
    if (startEpoch && *startEpoch < 1) {
        return bad("The start epoch is 1-based.", "start-epoch");
    }
    if ((resume == "best" || resume == "latest") && runDir.empty()) {
        return bad("--resume best|latest needs the run folder to resume (--run-dir).", "resume");
    }
    return distributed.validate();
}

nlohmann::json TrainingOptions::toJson() const
{
    nlohmann::json j;
    j["runs_root"] = runsRoot.string();
    j["tag"] = tag;
    j["run_dir"] = runDir.string();
    j["resume"] = resume;
    j["start_epoch"] = startEpoch ? nlohmann::json(*startEpoch) : nlohmann::json(nullptr);
    j["epochs"] = epochs;
    j["accumulation"] = accumulation;
    j["optimizer"] = nameOf(optimizer);
    j["lr"] = lr;
    j["min_lr"] = minLr;
    j["weight_decay"] = weightDecay;
    j["momentum"] = momentum;
    j["schedule"] = nameOf(schedule);
    j["warmup_steps"] = warmupSteps;
    j["step_epochs"] = stepEpochs;
    j["step_gamma"] = stepGamma;
    j["clip_grad_norm"] = clipGradNorm;
    j["precision"] = nameOf(precision);
    j["device"] = device;
    j["patience"] = patience;
    j["min_delta"] = minDelta;
    j["validation_batches"] = validationBatches;
    j["viz_samples"] = vizSamples;
    j["checkpoint_every_steps"] = checkpointEverySteps;
    j["seed"] = seed;
    j["tensorboard"] = tensorboard;
    j["notes"] = notes;
    j["distributed"] = {{"rank", distributed.rank},
                        {"world_size", distributed.worldSize},
                        {"local_rank", distributed.localRank},
                        {"master_addr", distributed.masterAddr},
                        {"master_port", distributed.masterPort},
                        {"backend", distributed.backend}};
    j["task"] = taskConfig;
    return j;
}

double
learningRateAt(const TrainingOptions& o, std::int64_t step, std::int64_t totalSteps, std::int64_t epoch)
{
    if (step < o.warmupSteps) {
        return o.lr * double(step + 1) / double(o.warmupSteps);
    }
    switch (o.schedule) {
    case LrSchedule::Constant: return o.lr;
    case LrSchedule::Step: {
        const auto drops = std::max<std::int64_t>(0, (epoch - 1) / o.stepEpochs);
        return o.lr * std::pow(o.stepGamma, double(drops));
    }
    case LrSchedule::Cosine: {
        const double span = double(std::max<std::int64_t>(1, totalSteps - o.warmupSteps));
        const double t = std::clamp(double(step - o.warmupSteps) / span, 0.0, 1.0);
        return o.minLr + (o.lr - o.minLr) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
    }
    }
    return o.lr;
}

} // namespace hdr::training
