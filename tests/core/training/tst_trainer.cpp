// The training loop on a tiny regression task: stop file, resume equals an uninterrupted run,
// early stop, accumulation equals a bigger batch, bf16 autocast, the run folder and checkpoints.
#include "TinyTask.h"
#include "support/TestSupport.h"

#include "runlog/RunFolder.h"
#include "training/Checkpoint.h"
#include "training/RunLock.h"
#include "training/Trainer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/utils.h>

#include <fstream>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

training::TrainingOptions baseOptions(const fs::path& runDir)
{
    training::TrainingOptions o;
    o.runDir = runDir;
    o.epochs = 3;
    o.lr = 0.02;
    o.schedule = training::LrSchedule::Cosine;
    o.warmupSteps = 2;
    o.clipGradNorm = 5.0;
    o.validationBatches = 2;
    o.vizSamples = 1;
    o.tensorboard = true;
    return o;
}

nlohmann::json readJson(const fs::path& p)
{
    std::ifstream in(p);
    return nlohmann::json::parse(in, nullptr, false);
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void writesTheRunFolder()
    {
        QTemporaryDir tmp;
        training::TrainingOptions o;
        o.runsRoot = fs::path(tmp.path().toStdString()) / "runs";
        o.tag = "tiny";
        o.epochs = 2;
        o.notes = "a note";
        o.validationBatches = 2;
        o.vizSamples = 2;
        test::TinyTask task(8, 5);
        auto result = training::train(task, o, core::nullJobContext());
        HDR_VERIFY_OK(result);
        QCOMPARE(result->reason, training::StopReason::Completed);
        QCOMPARE(result->lastEpoch, std::int64_t(2));
        QCOMPARE(result->globalStep, std::int64_t(10));
        const runlog::RunPaths paths(result->runDir);
        QVERIFY(result->runDir.parent_path() == o.runsRoot);
        QVERIFY(result->runDir.filename().string().ends_with("_tiny"));
        for (const auto& p : {paths.trainCsv(),
                              paths.trainJsonl(),
                              paths.metricsCsv(),
                              paths.config(),
                              paths.lossCurves(),
                              paths.metricsCurves(),
                              paths.checkpoints() / "latest.pt",
                              paths.checkpoints() / "best.pt",
                              paths.checkpointIndex(),
                              paths.viz() / runlog::vizFileName(2, 1)}) {
            QVERIFY2(fs::is_regular_file(p), p.c_str());
        }
        QVERIFY(!fs::exists(paths.lock())); // released at the end
        QVERIFY(!fs::is_empty(paths.tensorboard()));
        // train + val rows per epoch, after the header.
        std::ifstream csv(paths.trainCsv());
        std::string line;
        int rows = -1;
        while (std::getline(csv, line)) {
            ++rows;
        }
        QCOMPARE(rows, 4);
        const auto config = readJson(paths.config());
        QCOMPARE(config["epochs"].get<int>(), 2);
        QVERIFY(config.contains("machine"));
        QVERIFY(config["libraries"]["libtorch"].get<std::string>().starts_with("1."));
        // Checkpoint metadata: the task's tiling fields, notes, the whole config, the loop state.
        auto meta = training::readCheckpointMetadata(paths.checkpoints() / "latest.pt");
        HDR_VERIFY_OK(meta);
        QCOMPARE((*meta)["model"]["tile"].get<int>(), 64);
        QCOMPARE((*meta)["model"]["overlap"].get<int>(), 8);
        QCOMPARE((*meta)["model"]["scale_hdr"].get<double>(), 1.0);
        QCOMPARE((*meta)["model"]["alpha_loss"].get<double>(), 0.5);
        QCOMPARE((*meta)["model"]["notes"].get<std::string>(), std::string("a note"));
        QCOMPARE((*meta)["config"]["epochs"].get<int>(), 2);
        QCOMPARE((*meta)["trainer"]["epoch"].get<int>(), 2);
        const auto index = readJson(paths.checkpointIndex());
        QVERIFY(!index["checkpoints"].empty());
        for (const auto& e : index["checkpoints"]) {
            const auto file = e["file"].get<std::string>();
            QVERIFY(runlog::parseCheckpointEpoch(file).has_value());
            QVERIFY(fs::is_regular_file(paths.checkpoints() / file));
        }
        // A checkpoint loads back into a fresh network and gives the same predictions.
        test::TinyTask fresh(8, 5);
        HDR_VERIFY_OK(training::loadCheckpoint(paths.checkpoints() / "latest.pt", fresh.module(), nullptr));
        QVERIFY(fresh.flatParameters() == task.flatParameters());
    }

    void stopFileStopsAndResumeEqualsUninterrupted()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        // Uninterrupted reference.
        test::TinyTask reference(8, 6);
        HDR_VERIFY_OK(training::train(reference, baseOptions(root / "straight"), core::nullJobContext()));

        // The same run, stopped by STOP_TRAINING in epoch 2 after batch 3 (0-based index 2).
        const fs::path runDir = root / "stopped";
        test::TinyTask first(8, 6);
        first.onBatch = [&](const training::BatchRequest& r) {
            if (r.epoch == 2 && r.index == 2) {
                QVERIFY(runlog::requestStop(runDir).has_value());
            }
        };
        auto stopped = training::train(first, baseOptions(runDir), core::nullJobContext());
        HDR_VERIFY_OK(stopped);
        QCOMPARE(stopped->reason, training::StopReason::StopRequested);
        QCOMPARE(stopped->lastEpoch, std::int64_t(1));
        auto meta = training::readCheckpointMetadata(runDir / "checkpoints" / "latest.pt");
        HDR_VERIFY_OK(meta);
        QCOMPARE((*meta)["trainer"]["epoch"].get<int>(), 2);
        QCOMPARE((*meta)["trainer"]["next_batch"].get<int>(), 3);
        QVERIFY(!fs::exists(runDir / "lock"));

        // Resume from latest in a fresh process state (a new network object): the old stop
        // request is cleared and the run finishes exactly as the uninterrupted one.
        test::TinyTask second(8, 6);
        auto o = baseOptions(runDir);
        o.resume = "latest";
        std::vector<std::string> messages;
        o.log = [&](std::string_view m) { messages.emplace_back(m); };
        auto resumed = training::train(second, o, core::nullJobContext());
        HDR_VERIFY_OK(resumed);
        QCOMPARE(resumed->reason, training::StopReason::Completed);
        QCOMPARE(resumed->lastEpoch, std::int64_t(3));
        QCOMPARE(resumed->globalStep, std::int64_t(18));
        const auto a = reference.flatParameters();
        const auto b = second.flatParameters();
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QVERIFY2(std::abs(a[i] - b[i]) <= 1e-6f, qPrintable(QString::number(i)));
        }
        bool sawResume = false;
        for (const auto& m : messages) {
            sawResume = sawResume || m.starts_with("Resumed from");
        }
        QVERIFY(sawResume);

        // --resume best with --start-epoch continues from the best weights at that epoch.
        auto fromBest = baseOptions(runDir);
        fromBest.resume = "best";
        fromBest.startEpoch = 3;
        test::TinyTask third(8, 6);
        auto again = training::train(third, fromBest, core::nullJobContext());
        HDR_VERIFY_OK(again);
        QCOMPARE(again->epochsRun, std::int64_t(1));
    }

    void cancelledJobSavesLatest()
    {
        QTemporaryDir tmp;
        const fs::path runDir = fs::path(tmp.path().toStdString()) / "run";
        core::SimpleJobContext ctx;
        test::TinyTask task(8, 6);
        task.onBatch = [&](const training::BatchRequest& r) {
            if (r.epoch == 1 && r.index == 4) {
                ctx.cancel();
            }
        };
        auto result = training::train(task, baseOptions(runDir), ctx);
        HDR_VERIFY_OK(result);
        QCOMPARE(result->reason, training::StopReason::Cancelled);
        auto meta = training::readCheckpointMetadata(runDir / "checkpoints" / "latest.pt");
        HDR_VERIFY_OK(meta);
        QCOMPARE((*meta)["trainer"]["next_batch"].get<int>(), 5);
    }

    void secondTrainerOnTheSameFolderIsRefused()
    {
        QTemporaryDir tmp;
        const fs::path runDir = fs::path(tmp.path().toStdString()) / "run";
        fs::create_directories(runDir);
        auto lock = training::RunLock::acquire(runDir);
        HDR_VERIFY_OK(lock);
        test::TinyTask task(8, 2);
        auto result = training::train(task, baseOptions(runDir), core::nullJobContext());
        QVERIFY(!result);
        QCOMPARE(result.error().code, core::ErrorCode::AlreadyExists);
        QVERIFY(result.error().message.find(std::to_string(::getpid())) != std::string::npos);
    }

    void earlyStopAfterPatience()
    {
        QTemporaryDir tmp;
        auto o = baseOptions(fs::path(tmp.path().toStdString()) / "run");
        o.epochs = 20;
        o.lr = 1e-9; // nothing improves by minDelta after the first epoch
        o.minDelta = 1e-3;
        o.patience = 2;
        o.vizSamples = 0;
        test::TinyTask task(8, 2);
        auto result = training::train(task, o, core::nullJobContext());
        HDR_VERIFY_OK(result);
        QCOMPARE(result->reason, training::StopReason::EarlyStop);
        QCOMPARE(result->lastEpoch, std::int64_t(3)); // epoch 1 is the best, 2 and 3 are not
        QCOMPARE(result->bestEpoch, std::int64_t(1));
    }

    void accumulationEqualsABiggerBatch()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        auto o = baseOptions(root / "big");
        o.vizSamples = 0;
        o.validationBatches = 0;
        test::TinyTask big(16, 3); // 3 steps of 16 samples per epoch
        HDR_VERIFY_OK(training::train(big, o, core::nullJobContext()));

        o.runDir = root / "accumulated";
        o.accumulation = 2;
        test::TinyTask small(8, 6); // 6 micro-batches of 8 = the same samples, 3 steps
        auto result = training::train(small, o, core::nullJobContext());
        HDR_VERIFY_OK(result);
        QCOMPARE(result->globalStep, std::int64_t(9));
        const auto a = big.flatParameters();
        const auto b = small.flatParameters();
        for (std::size_t i = 0; i < a.size(); ++i) {
            QVERIFY2(std::abs(a[i] - b[i]) <= 1e-6f,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(a[i]).arg(b[i])));
        }
    }

    void bf16AutocastRunsAndLossFalls()
    {
        QTemporaryDir tmp;
        auto o = baseOptions(fs::path(tmp.path().toStdString()) / "run");
        o.precision = training::Precision::BFloat16;
        o.epochs = 6;
        o.lr = 0.03;
        o.vizSamples = 0;
        std::vector<double> losses;
        test::TinyTask task(16, 8);
        auto result = training::train(task, o, core::nullJobContext());
        HDR_VERIFY_OK(result);
        QVERIFY(task.sawAutocast);
        QCOMPARE(task.lastPredictionType, torch::kBFloat16); // linear ran in bf16
        QVERIFY(!at::autocast::is_cpu_enabled());            // restored after the step
        std::ifstream csv(fs::path(result->runDir) / "logs" / "train_log.csv");
        std::string line;
        while (std::getline(csv, line)) {
            if (line.find(",train,") != std::string::npos) {
                losses.push_back(std::stod(line.substr(line.find(",train,") + 7)));
            }
        }
        QCOMPARE(losses.size(), std::size_t(6));
        QVERIFY2(losses.back() < 0.3 * losses.front(),
                 qPrintable(QStringLiteral("%1 -> %2").arg(losses.front()).arg(losses.back())));
        QVERIFY(std::isfinite(result->lastValLoss));
    }

    void fp16NeedsCuda()
    {
        QTemporaryDir tmp;
        auto o = baseOptions(fs::path(tmp.path().toStdString()) / "run");
        o.precision = training::Precision::Float16;
        test::TinyTask task(8, 2);
        auto result = training::train(task, o, core::nullJobContext());
        QVERIFY(!result);
        QCOMPARE(result.error().code, core::ErrorCode::InvalidArgument);
    }

    void damagedCheckpointsAreRefusedWithAReason()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        auto o = baseOptions(root / "run");
        o.epochs = 1;
        o.vizSamples = 0;
        test::TinyTask task(8, 2);
        HDR_VERIFY_OK(training::train(task, o, core::nullJobContext()));
        const fs::path good = root / "run" / "checkpoints" / "latest.pt";
        auto bytes = test::readAll(good);
        bytes.resize(bytes.size() / 2);
        test::writeAll(root / "truncated.pt", bytes);
        test::writeAll(root / "text.pt", {'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p'});
        for (const char* name : {"truncated.pt", "text.pt", "missing.pt"}) {
            test::TinyTask probe(8, 2);
            auto loaded = training::loadCheckpoint(root / name, probe.module(), nullptr);
            QVERIFY2(!loaded, name);
            QVERIFY(loaded.error().where.find(name) != std::string::npos);
        }
        // Another architecture: the missing tensor is named.
        struct OtherNet : torch::nn::Module {
            OtherNet() { register_parameter("weight", torch::zeros({3})); }
        } other;
        auto mismatch = training::loadCheckpoint(good, other, nullptr);
        QVERIFY(!mismatch);
        QVERIFY2(mismatch.error().message.find("'weight'") != std::string::npos,
                 mismatch.error().message.c_str());
        // Resuming from a damaged checkpoint fails cleanly, and releases the lock.
        auto resume = baseOptions(root / "run");
        resume.resume = (root / "truncated.pt").string();
        test::TinyTask again(8, 2);
        QVERIFY(!training::train(again, resume, core::nullJobContext()));
        QVERIFY(!fs::exists(root / "run" / "lock"));
    }

    void scheduleFormulas()
    {
        training::TrainingOptions o;
        o.lr = 1.0;
        o.minLr = 0.1;
        o.warmupSteps = 4;
        QCOMPARE(training::learningRateAt(o, 0, 104, 1), 0.25);
        QCOMPARE(training::learningRateAt(o, 4, 104, 1), 1.0);
        QVERIFY(std::abs(training::learningRateAt(o, 54, 104, 1) - 0.55) < 1e-12);
        QVERIFY(std::abs(training::learningRateAt(o, 104, 104, 1) - 0.1) < 1e-12);
        o.schedule = training::LrSchedule::Step;
        o.stepEpochs = 2;
        o.stepGamma = 0.5;
        QCOMPARE(training::learningRateAt(o, 10, 104, 5), 0.25);
        o.schedule = training::LrSchedule::Constant;
        QCOMPARE(training::learningRateAt(o, 10, 104, 5), 1.0);
    }
};

HDR_TEST_MAIN(TestTrainer)
#include "tst_trainer.moc"
