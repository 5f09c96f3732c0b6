// Data-parallel training through c10d/gloo: two processes, each with half of a batch, end one
// optimizer step with the weights a single process gets on the whole batch.
#include "TinyTask.h"
#include "support/TestSupport.h"

#include "training/DistributedConfig.h"
#include "training/Trainer.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/utils.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::vector<float> readFloats(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> out(bytes.size() / sizeof(float));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
    return out;
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void environmentVariablesAsTorchrun()
    {
        ::setenv("RANK", "1", 1);
        ::setenv("WORLD_SIZE", "4", 1);
        ::setenv("LOCAL_RANK", "1", 1);
        ::setenv("MASTER_ADDR", "10.0.0.2", 1);
        ::setenv("MASTER_PORT", "29555", 1);
        auto config = training::distributedConfigFromEnvironment();
        HDR_VERIFY_OK(config);
        QCOMPARE(config->rank, 1);
        QCOMPARE(config->worldSize, 4);
        QCOMPARE(config->localRank, 1);
        QCOMPARE(config->masterAddr, std::string("10.0.0.2"));
        QCOMPARE(config->masterPort, 29555);
        ::setenv("RANK", "one", 1);
        auto bad = training::distributedConfigFromEnvironment();
        QVERIFY(!bad);
        QVERIFY(bad.error().message.find("RANK") != std::string::npos);
        for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) {
            ::unsetenv(v);
        }
        training::DistributedConfig wrongRank;
        wrongRank.worldSize = 2;
        wrongRank.rank = 2;
        QVERIFY(!wrongRank.validate());
    }

    void twoProcessesEqualOneProcessOnTheWholeBatch()
    {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        const QString port = QString::number(freePort());
        QProcess ranks[2];
        for (int r = 0; r < 2; ++r) {
            ranks[r].setProcessChannelMode(QProcess::MergedChannels);
            ranks[r].start(QStringLiteral(HDR_TRAINING_WORKER),
                           {QStringLiteral("dist"),
                            QString::number(r),
                            QStringLiteral("2"),
                            port,
                            QString::fromStdString(root / ("rank" + std::to_string(r) + ".bin"))});
        }
        for (auto& p : ranks) {
            QVERIFY(p.waitForFinished(120000));
            QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAll().constData());
        }
        const auto rank0 = readFloats(root / "rank0.bin");
        const auto rank1 = readFloats(root / "rank1.bin");
        QVERIFY(!rank0.empty());
        QVERIFY(rank0 == rank1); // every rank holds the same weights

        // The same step in one process on the whole batch of 16 samples.
        training::TrainingOptions o;
        o.runDir = root / "single";
        o.epochs = 1;
        o.lr = 0.02;
        o.validationBatches = 1;
        o.vizSamples = 0;
        o.tensorboard = false;
        test::TinyTask single(16, 1);
        const auto before = single.flatParameters();
        HDR_VERIFY_OK(training::train(single, o, core::nullJobContext()));
        const auto after = single.flatParameters();
        QCOMPARE(after.size(), rank0.size());
        float moved = 0;
        for (std::size_t i = 0; i < after.size(); ++i) {
            QVERIFY2(std::abs(after[i] - rank0[i]) <= 1e-6f,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(after[i]).arg(rank0[i])));
            moved = std::max(moved, std::abs(after[i] - before[i]));
        }
        QVERIFY(moved > 1e-3f); // the step did change the weights
        // Rank 0 wrote the run folder, rank 1 nothing.
        QVERIFY(fs::exists(root / "rank0.bin.run" / "checkpoints" / "latest.pt"));
        QVERIFY(!fs::exists(root / "rank1.bin.run"));
    }
};

HDR_TEST_MAIN(TestDistributed)
#include "tst_distributed.moc"
