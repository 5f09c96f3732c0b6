// kill -9 of a training process, then resume: every checkpoint is intact, the index names only
// files that exist, the dead trainer's lock is taken over, at most the current epoch is lost, and
// the resumed run ends with exactly the weights of an uninterrupted run.
#include "TinyTask.h"
#include "support/TestSupport.h"

#include "training/Checkpoint.h"
#include "training/Trainer.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/utils.h>

#include <csignal>
#include <fstream>
#include <thread>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

nlohmann::json readIndex(const fs::path& runDir)
{
    std::ifstream in(runDir / "checkpoints" / "index.json");
    return nlohmann::json::parse(in, nullptr, false);
}

} // namespace

class TestTrainerCrash : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void killDashNineThenResume()
    {
        QTemporaryDir tmp;
        const fs::path runDir = fs::path(tmp.path().toStdString()) / "run";
        QProcess child;
        child.start(QStringLiteral(HDR_TRAINING_WORKER),
                    {QStringLiteral("crash"), QString::fromStdString(runDir)});
        QVERIFY(child.waitForStarted());
        // Wait until two epochs are checkpointed, then kill in the middle of the third.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        std::int64_t epochAtKill = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto index = readIndex(runDir);
            if (index.is_object() && index.contains("latest") && index["latest"].value("epoch", 0) >= 2) {
                epochAtKill = index["latest"].value("epoch", 0);
                break;
            }
            QVERIFY2(child.state() == QProcess::Running, "the training child ended early");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        QVERIFY(epochAtKill >= 2);
        std::this_thread::sleep_for(std::chrono::milliseconds(120)); // ~5 batches into the next epoch
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished());
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        QVERIFY(fs::exists(runDir / "lock")); // the dead trainer's lock is still there

        // Every checkpoint file loads; the index is valid and names existing files.
        const auto index = readIndex(runDir);
        QVERIFY(index.is_object());
        const std::int64_t lastSaved = index["latest"]["epoch"].get<std::int64_t>();
        QVERIFY(lastSaved >= epochAtKill);
        for (const auto& e : fs::directory_iterator(runDir / "checkpoints")) {
            const auto name = e.path().filename().string();
            if (name.starts_with(".") || e.path().extension() != ".pt") {
                continue;
            }
            test::TinyTask probe(8, 10);
            HDR_VERIFY_OK(training::loadCheckpoint(e.path(), probe.module(), nullptr));
        }
        for (const auto& e : index["checkpoints"]) {
            QVERIFY(fs::is_regular_file(runDir / "checkpoints" / e["file"].get<std::string>()));
        }

        // Resume: the stale lock is taken over (and said so); the run finishes.
        training::TrainingOptions o;
        o.runDir = runDir;
        o.resume = "latest";
        o.validationBatches = 1;
        o.vizSamples = 0;
        o.tensorboard = false;
        o.lr = 0.02;
        o.schedule = training::LrSchedule::Constant;
        o.epochs = lastSaved + 2;
        std::vector<std::string> messages;
        o.log = [&](std::string_view m) { messages.emplace_back(m); };
        test::TinyTask resumed(8, 10);
        auto result = training::train(resumed, o, core::nullJobContext());
        HDR_VERIFY_OK(result);
        QCOMPARE(result->epochsRun, std::int64_t(2)); // at most the killed epoch was lost
        bool tookOver = false;
        for (const auto& m : messages) {
            tookOver = tookOver || m.find("stale lock") != std::string::npos;
        }
        QVERIFY(tookOver);

        // Equal to an uninterrupted run of the same length (constant LR, as the child's).
        o.runDir = fs::path(tmp.path().toStdString()) / "straight";
        o.resume.clear();
        test::TinyTask straight(8, 10);
        HDR_VERIFY_OK(training::train(straight, o, core::nullJobContext()));
        const auto a = straight.flatParameters();
        const auto b = resumed.flatParameters();
        for (std::size_t i = 0; i < a.size(); ++i) {
            QVERIFY2(std::abs(a[i] - b[i]) <= 1e-6f,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(a[i]).arg(b[i])));
        }
    }
};

HDR_TEST_MAIN(TestTrainerCrash)
#include "tst_trainer_crash.moc"
