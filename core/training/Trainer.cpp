#include "training/Trainer.h"

#include "runlog/RunFolder.h"
#include "runlog/RunLogWriter.h"
#include "training/Checkpoint.h"
#include "training/CheckpointSet.h"
#include "training/DistributedContext.h"
#include "training/RunLock.h"
#include "training/TrainTask.h"

#include <ATen/autocast_mode.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

namespace hdr::training {

namespace fs = std::filesystem;

const char* nameOf(StopReason r)
{
    switch (r) {
    case StopReason::Completed: return "completed";
    case StopReason::EarlyStop: return "early-stop";
    case StopReason::StopRequested: return "stop-requested";
    case StopReason::Cancelled: return "cancelled";
    }
    return "?";
}

std::uint64_t BatchRequest::batchSeed() const
{
    // splitmix64 over (seed, epoch, index): independent streams per batch, the same on every rank.
    auto mix = [](std::uint64_t z) {
        z += 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    return mix(mix(mix(seed) ^ std::uint64_t(epoch)) ^ std::uint64_t(index));
}

namespace {

// Autocast for the forward pass and loss, as torch.autocast does it: enable, bump the nesting
// level, and on leaving the outermost scope drop the cast cache.
class AutocastScope {
public:
    AutocastScope(Precision precision, const torch::Device& device)
    {
        if (precision == Precision::Float32) {
            return;
        }
        m_active = true;
        m_cuda = device.is_cuda();
        const auto dtype = precision == Precision::Float16 ? at::kHalf : at::kBFloat16;
        if (m_cuda) {
            m_wasEnabled = at::autocast::is_enabled();
            m_oldType = at::autocast::get_autocast_gpu_dtype();
            at::autocast::set_autocast_gpu_dtype(dtype);
            at::autocast::set_enabled(true);
        } else {
            m_wasEnabled = at::autocast::is_cpu_enabled();
            m_oldType = at::autocast::get_autocast_cpu_dtype();
            at::autocast::set_autocast_cpu_dtype(dtype);
            at::autocast::set_cpu_enabled(true);
        }
        at::autocast::increment_nesting();
    }
    ~AutocastScope()
    {
        if (!m_active) {
            return;
        }
        if (at::autocast::decrement_nesting() == 0) {
            at::autocast::clear_cache();
        }
        if (m_cuda) {
            at::autocast::set_enabled(m_wasEnabled);
            at::autocast::set_autocast_gpu_dtype(m_oldType);
        } else {
            at::autocast::set_cpu_enabled(m_wasEnabled);
            at::autocast::set_autocast_cpu_dtype(m_oldType);
        }
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_active = false;
    bool m_cuda = false;
    bool m_wasEnabled = false;
    at::ScalarType m_oldType = at::kBFloat16;
};

// Dynamic loss scaling for fp16 (what torch.cuda.amp.GradScaler does): the loss is multiplied by
// `scale` before backward; gradients are divided by it before the step; a step with non-finite
// gradients is skipped and the scale halved; after `growthInterval` good steps it doubles.
struct LossScaler {
    bool enabled = false;
    double scale = 65536.0;
    int goodSteps = 0;
    static constexpr int growthInterval = 2000;

    // Returns false when the step must be skipped.
    bool unscale(const std::vector<torch::Tensor>& params)
    {
        if (!enabled) {
            return true;
        }
        bool finite = true;
        torch::NoGradGuard noGrad;
        for (const auto& p : params) {
            if (p.grad().defined()) {
                p.grad().mul_(1.0 / scale);
                finite = finite && torch::isfinite(p.grad()).all().item<bool>();
            }
        }
        if (!finite) {
            scale *= 0.5;
            goodSteps = 0;
            return false;
        }
        if (++goodSteps >= growthInterval) {
            scale *= 2.0;
            goodSteps = 0;
        }
        return true;
    }
};

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainingOptions& o,
                                                       std::vector<torch::Tensor> params)
{
    switch (o.optimizer) {
    case OptimizerKind::Adam:
        return std::make_unique<torch::optim::Adam>(
            params, torch::optim::AdamOptions(o.lr).weight_decay(o.weightDecay));
    case OptimizerKind::AdamW:
        return std::make_unique<torch::optim::AdamW>(
            params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weightDecay));
    case OptimizerKind::Sgd:
        return std::make_unique<torch::optim::SGD>(
            params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weightDecay));
    }
    return nullptr;
}

void setLearningRate(torch::optim::Optimizer& optimizer, double lr)
{
    for (auto& group : optimizer.param_groups()) {
        group.options().set_lr(lr);
    }
}

// Where the trainer is; saved in every checkpoint's metadata under "trainer".
struct LoopState {
    std::int64_t epoch = 1;     // the epoch being trained
    std::int64_t nextBatch = 0; // the micro-batch to continue with
    std::int64_t globalStep = 0;
    double bestLoss = std::numeric_limits<double>::quiet_NaN();
    std::int64_t bestEpoch = 0;
    int epochsWithoutImprovement = 0;
    double loss = std::numeric_limits<double>::quiet_NaN(); // the loss this checkpoint is ranked by

    nlohmann::json toJson() const
    {
        auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
        return {{"epoch", epoch},
                {"next_batch", nextBatch},
                {"global_step", globalStep},
                {"best_loss", num(bestLoss)},
                {"best_epoch", bestEpoch},
                {"epochs_without_improvement", epochsWithoutImprovement},
                {"loss", num(loss)}};
    }
    static LoopState fromJson(const nlohmann::json& j)
    {
        LoopState s;
        auto num = [&](const char* key) {
            return j.contains(key) && j[key].is_number() ? j[key].get<double>()
                                                         : std::numeric_limits<double>::quiet_NaN();
        };
        s.epoch = j.value("epoch", std::int64_t(1));
        s.nextBatch = j.value("next_batch", std::int64_t(0));
        s.globalStep = j.value("global_step", std::int64_t(0));
        s.bestLoss = num("best_loss");
        s.bestEpoch = j.value("best_epoch", std::int64_t(0));
        s.epochsWithoutImprovement = j.value("epochs_without_improvement", 0);
        s.loss = num("loss");
        return s;
    }
};

nlohmann::json
configJson(const TrainingOptions& options, const DistributedContext& dist, const torch::Device& device)
{
    auto j = options.toJson();
    j["machine"] = runlog::describeMachine();
    j["libraries"] = {{"libtorch", TORCH_VERSION},
                      {"nlohmann_json",
                       std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                           std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                           std::to_string(NLOHMANN_JSON_VERSION_PATCH)}};
    j["distributed"]["backend_used"] = dist.backendName();
    j["device_used"] = device.str();
    return j;
}

class Loop {
public:
    Loop(TrainTask& task, const TrainingOptions& options, core::JobContext& ctx)
        : m_task(task)
        , m_options(options)
        , m_ctx(ctx)
        , m_device(options.device)
    {
    }

    TrainResult run();

private:
    void say(const std::string& message) const
    {
        if (m_options.log && m_dist->isMain()) {
            m_options.log(message);
        }
    }
    void prepareRunFolder();
    nlohmann::json checkpointMeta() const;
    bool trainEpoch(double& lossSum, std::int64_t& lossCount); // false: stopped mid-epoch
    void finishEpoch(double trainLoss, double trainSeconds, bool& earlyStop);

    TrainTask& m_task;
    const TrainingOptions& m_options;
    core::JobContext& m_ctx;
    torch::Device m_device;
    std::optional<DistributedContext> m_dist;
    fs::path m_runDir;
    fs::path m_resumeFrom;
    std::optional<RunLock> m_lock;
    std::optional<runlog::RunLogWriter> m_writer;
    std::optional<CheckpointSet> m_checkpoints;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::vector<torch::Tensor> m_params;
    LossScaler m_scaler;
    LoopState m_state;
    std::int64_t m_batches = 0;
    std::int64_t m_totalSteps = 0;
    std::int64_t m_firstStep = 0;
    StopReason m_stop = StopReason::Completed;
    TrainResult m_result;
};

void Loop::prepareRunFolder()
{
    const auto& o = m_options;
    if (!o.resume.empty()) {
        if (o.resume == "best" || o.resume == "latest") {
            m_runDir = o.runDir;
        } else if (!o.runDir.empty()) {
            m_runDir = o.runDir;
        } else {
            const fs::path parent = fs::path(o.resume).parent_path();
            if (parent.filename() == "checkpoints") {
                m_runDir = parent.parent_path();
            }
        }
        m_resumeFrom = core::unwrap(resolveCheckpoint(m_runDir, o.resume));
    } else if (!o.runDir.empty()) {
        m_runDir = o.runDir;
    }
    if (!m_dist->isMain()) {
        return;
    }
    if (m_runDir.empty()) {
        m_runDir = core::unwrap(runlog::createRunFolder(o.runsRoot, o.tag));
    } else {
        std::error_code ec;
        fs::create_directories(m_runDir, ec);
        if (ec) {
            core::throwError(core::ErrorCode::IoError,
                             "Cannot create the run folder: " + ec.message() + ".",
                             m_runDir.string());
        }
    }
    std::string note;
    m_lock.emplace(core::unwrap(RunLock::acquire(m_runDir, &note)));
    if (!note.empty()) {
        say(note);
    }
    if (runlog::isStopRequested(m_runDir)) {
        say("Removed an old STOP_TRAINING request from the run folder.");
        core::unwrap(runlog::clearStopRequest(m_runDir));
    }
    runlog::RunLogWriterOptions writerOptions;
    writerOptions.tensorboard = o.tensorboard;
    m_writer.emplace(core::unwrap(runlog::RunLogWriter::open(m_runDir, writerOptions)));
    core::unwrap(m_writer->writeConfig(configJson(o, *m_dist, m_device)));
    m_checkpoints.emplace(m_runDir);
    // The first line a launcher (the app's dashboard) can follow the run folder from.
    say("run: " + m_runDir.string());
}

nlohmann::json Loop::checkpointMeta() const
{
    nlohmann::json meta;
    meta["trainer"] = m_state.toJson();
    meta["model"] = m_task.checkpointMetadata();
    meta["model"]["notes"] = m_options.notes;
    meta["config"] = m_options.toJson();
    return meta;
}

bool Loop::trainEpoch(double& lossSum, std::int64_t& lossCount)
{
    const std::int64_t epoch = m_state.epoch;
    const int accumulation = m_options.accumulation;
    m_task.module().train();
    m_optimizer->zero_grad();
    for (std::int64_t index = m_state.nextBatch; index < m_batches; ++index) {
        const std::int64_t windowStart = index / accumulation * accumulation;
        const std::int64_t windowSize = std::min<std::int64_t>(accumulation, m_batches - windowStart);
        setLearningRate(*m_optimizer, learningRateAt(m_options, m_state.globalStep, m_totalSteps, epoch));

        BatchRequest request{epoch, index, m_dist->rank(), m_dist->worldSize(), m_options.seed};
        torch::manual_seed(request.batchSeed());
        torch::Tensor loss;
        {
            AutocastScope autocast(m_options.precision, m_device);
            loss = m_task.batchLoss(request, m_device);
        }
        loss = loss.to(torch::kFloat32);
        const double scale = m_scaler.enabled ? m_scaler.scale : 1.0;
        (loss * (scale / double(windowSize))).backward();
        lossSum += loss.item<double>();
        ++lossCount;

        if (index + 1 != windowStart + windowSize) {
            continue;
        }
        bool stopHere = false;
        if (m_dist->isMain()) {
            if (m_ctx.isCancelled()) {
                m_stop = StopReason::Cancelled;
                stopHere = true;
            } else if (runlog::isStopRequested(m_runDir)) {
                m_stop = StopReason::StopRequested;
                stopHere = true;
            }
        }
        if (m_dist->allReduceGradients(m_task.module(), stopHere) && !stopHere) {
            m_stop = StopReason::StopRequested; // rank 0's decision, as seen on the other ranks
            stopHere = true;
        }
        if (m_scaler.unscale(m_params)) {
            if (m_options.clipGradNorm > 0) {
                torch::nn::utils::clip_grad_norm_(m_params, m_options.clipGradNorm);
            }
            m_optimizer->step();
        }
        m_optimizer->zero_grad();
        ++m_state.globalStep;
        m_state.nextBatch = index + 1;
        const double done = double(m_state.globalStep - m_firstStep) /
                            double(std::max<std::int64_t>(1, m_totalSteps - m_firstStep));
        m_ctx.setProgress(std::min(1.0, done),
                          "Epoch " + std::to_string(epoch) + "/" + std::to_string(m_options.epochs));
        const bool periodic = m_options.checkpointEverySteps > 0 &&
                              m_state.globalStep % m_options.checkpointEverySteps == 0 &&
                              index + 1 < m_batches;
        if ((stopHere || periodic) && m_dist->isMain()) {
            core::unwrap(m_checkpoints->saveLatest(m_task.module(), m_optimizer.get(), checkpointMeta()));
        }
        if (stopHere) {
            say(std::string(m_stop == StopReason::Cancelled ? "Cancelled" : "Stop requested") + " in epoch " +
                std::to_string(epoch) + " after batch " + std::to_string(index + 1) +
                "; latest.pt continues there.");
            return false;
        }
    }
    return true;
}

void Loop::finishEpoch(double trainLoss, double trainSeconds, bool& earlyStop)
{
    const std::int64_t epoch = m_state.epoch;
    const double lr =
        learningRateAt(m_options, std::max<std::int64_t>(0, m_state.globalStep - 1), m_totalSteps, epoch);
    bool improved = false;
    if (m_dist->isMain()) {
        const auto t0 = std::chrono::steady_clock::now();
        ValidationReport val;
        val.loss = std::numeric_limits<double>::quiet_NaN();
        if (m_options.validationBatches > 0) {
            m_task.module().eval();
            torch::NoGradGuard noGrad;
            val = m_task.validate(m_options.validationBatches, m_device, m_ctx);
            m_task.module().train();
        }
        const double valSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double ranked = std::isfinite(val.loss) ? val.loss : trainLoss;
        improved = std::isfinite(ranked) &&
                   (!std::isfinite(m_state.bestLoss) || ranked < m_state.bestLoss - m_options.minDelta);
        if (improved) {
            m_state.bestLoss = ranked;
            m_state.bestEpoch = epoch;
            m_state.epochsWithoutImprovement = 0;
        } else {
            ++m_state.epochsWithoutImprovement;
        }
        m_state.loss = ranked;
        m_result.lastValLoss = val.loss;

        core::unwrap(m_writer->logEpoch({epoch, "train", trainLoss, trainSeconds, lr, {}}));
        if (std::isfinite(val.loss)) {
            core::unwrap(m_writer->logEpoch({epoch, "val", val.loss, valSeconds, lr, {}}));
        }
        if (!val.metrics.empty()) {
            core::unwrap(m_writer->logMetrics(epoch, val.metrics));
        }
        if (m_options.vizSamples > 0) {
            m_task.module().eval();
            torch::NoGradGuard noGrad;
            const auto samples = m_task.vizSamples(m_options.vizSamples, m_device);
            m_task.module().train();
            for (std::size_t i = 0; i < samples.size(); ++i) {
                core::unwrap(m_writer->writeVizSample(epoch, int(i), samples[i]));
            }
        }
        // The checkpoints record the epoch as complete: a resume continues with the next one.
        m_state.nextBatch = m_batches;
        if (improved) {
            core::unwrap(m_checkpoints->saveBest(
                m_task.module(), m_optimizer.get(), checkpointMeta(), epoch, m_state.bestLoss));
        }
        core::unwrap(m_checkpoints->saveLatest(m_task.module(), m_optimizer.get(), checkpointMeta()));
        core::unwrap(m_writer->renderCurves());
        core::unwrap(m_writer->flush());
        char line[256];
        std::snprintf(line,
                      sizeof line,
                      "epoch %lld/%lld  train %.6g  val %.6g  lr %.3g  %.1f s%s",
                      static_cast<long long>(epoch),
                      static_cast<long long>(m_options.epochs),
                      trainLoss,
                      val.loss,
                      lr,
                      trainSeconds + valSeconds,
                      improved ? "  (best)" : "");
        say(line);
    }
    const bool patienceOut =
        m_dist->isMain() && m_options.patience > 0 && m_state.epochsWithoutImprovement >= m_options.patience;
    earlyStop = m_dist->anyRank(patienceOut);
}

TrainResult Loop::run()
{
    core::unwrap(m_options.validate());
    if (m_options.precision == Precision::Float16 && !m_device.is_cuda()) {
        core::throwError(core::ErrorCode::InvalidArgument,
                         "fp16 mixed precision needs a CUDA device; use bf16 on the CPU.",
                         "precision");
    }
    m_dist.emplace(core::unwrap(DistributedContext::create(m_options.distributed, m_device)));
    prepareRunFolder();

    auto& model = m_task.module();
    model.to(m_device);
    m_params = model.parameters(true);
    m_optimizer = makeOptimizer(m_options, m_params);
    m_scaler.enabled = m_options.precision == Precision::Float16;

    if (!m_resumeFrom.empty()) {
        const auto meta = core::unwrap(loadCheckpoint(m_resumeFrom, model, m_optimizer.get()));
        m_state = LoopState::fromJson(meta.value("trainer", nlohmann::json::object()));
        say("Resumed from " + m_resumeFrom.string() + " (epoch " + std::to_string(m_state.epoch) +
            ", batch " + std::to_string(m_state.nextBatch) + ").");
    }
    m_batches = m_task.batchesPerEpoch();
    if (m_batches < 1) {
        core::throwError(core::ErrorCode::InvalidArgument, "The training data gives no batches.", "data");
    }
    if (m_state.nextBatch >= m_batches) {
        ++m_state.epoch; // the checkpoint's epoch was complete
        m_state.nextBatch = 0;
    }
    if (m_options.startEpoch) {
        m_state.epoch = *m_options.startEpoch;
        m_state.nextBatch = 0;
    }
    m_dist->broadcastModule(model);

    const std::int64_t stepsPerEpoch = (m_batches + m_options.accumulation - 1) / m_options.accumulation;
    m_totalSteps = m_options.epochs * stepsPerEpoch;
    m_firstStep = m_state.globalStep;
    m_result.runDir = m_runDir;
    m_result.lastEpoch = m_state.epoch - 1;

    bool earlyStop = false;
    while (m_state.epoch <= m_options.epochs) {
        const auto t0 = std::chrono::steady_clock::now();
        double lossSum = 0;
        std::int64_t lossCount = 0;
        if (!trainEpoch(lossSum, lossCount)) {
            break;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double trainLoss =
            lossCount ? lossSum / double(lossCount) : std::numeric_limits<double>::quiet_NaN();
        finishEpoch(trainLoss, seconds, earlyStop);
        m_result.lastTrainLoss = trainLoss;
        m_result.lastEpoch = m_state.epoch;
        ++m_result.epochsRun;
        ++m_state.epoch;
        m_state.nextBatch = 0;
        if (earlyStop) {
            m_stop = StopReason::EarlyStop;
            say("Early stop: no better validation loss for " + std::to_string(m_options.patience) +
                " epochs.");
            break;
        }
    }
    if (m_writer) {
        core::unwrap(m_writer->close());
    }
    m_result.reason = m_stop;
    m_result.globalStep = m_state.globalStep;
    m_result.bestLoss = m_state.bestLoss;
    m_result.bestEpoch = m_state.bestEpoch;
    return m_result;
}

} // namespace

core::Result<TrainResult> train(TrainTask& task, const TrainingOptions& options, core::JobContext& ctx)
{
    return core::guarded(core::ErrorCode::Internal, options.runDir.string(), [&] {
        try {
            Loop loop(task, options, ctx);
            return loop.run();
        } catch (const c10::Error& e) {
            core::throwError(core::ErrorCode::Internal,
                             "libtorch failed during training: " + std::string(e.what_without_backtrace()));
        }
    });
}

} // namespace hdr::training
