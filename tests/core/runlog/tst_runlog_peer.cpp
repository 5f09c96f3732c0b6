// A run folder holding only a TensorBoard event file from an independent writer: the file that
// tests/core/tensorboard/tensorboard_peer.py builds with the protobuf runtime the way PyTorch's
// SummaryWriter (simple_value, new_style tensors, add_image) and TensorFlow 2 do. RunFollower
// must show its scalars and images as a run.

#include "runlog/RunFollower.h"

#include "RunlogTestSupport.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <map>

using namespace hdr;
using namespace hdr::runlog;
namespace fs = std::filesystem;

namespace {

struct PeerScalar {
    std::int64_t step;
    double wallTime;
    double value;
};

struct PeerImage {
    std::string tag;
    std::int64_t step;
    int sample;
    std::string bytes;
};

bool same(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

} // namespace

class TestRunlogPeer : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    // The peer's "write" output: expected scalars per tag (in file order), images, problems.
    QByteArray runPeer(const fs::path& file)
    {
        QProcess p;
        p.start(QStringLiteral(HDR_PYTHON3),
                {QStringLiteral(HDR_TENSORBOARD_PEER),
                 QStringLiteral("write"),
                 QString::fromStdString(file.string())});
        if (!p.waitForStarted(10000)) {
            return "skip: needs " HDR_PYTHON3;
        }
        p.waitForFinished(120000);
        if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 3) {
            return "skip: needs the python3 protobuf runtime (Debian package python3-protobuf)";
        }
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            return "fail: " + p.readAllStandardError();
        }
        return p.readAllStandardOutput();
    }

    void readPeerRun(const char* subfolder, const std::string& seriesSuffix)
    {
        const fs::path run = fs::path(m_dir.path().toStdString()) /
                             (std::string("run_") + (subfolder[0] ? subfolder : "root"));
        fs::create_directories(run / subfolder);
        const QByteArray output = runPeer(run / subfolder / "events.out.tfevents.1718000000.peer.123.0");
        if (output.startsWith("skip: ")) QSKIP(output.constData() + 6);
        QVERIFY2(!output.startsWith("fail: "), output.constData());

        std::map<std::string, std::vector<PeerScalar>> scalars;
        std::vector<PeerImage> images;
        int problems = 0;
        for (const QByteArray& line : output.split('\n')) {
            const QList<QByteArray> f = line.split('\t');
            if (f.size() == 5 && f[0] == "scalar") {
                scalars[f[1].toStdString() + seriesSuffix].push_back(
                    {f[2].toLongLong(),
                     std::strtod(f[3].constData(), nullptr),
                     std::strtod(f[4].constData(), nullptr)});
            } else if (f.size() == 9 && f[0] == "image") {
                images.push_back({f[1].toStdString(),
                                  f[2].toLongLong(),
                                  f[7].toInt(),
                                  QByteArray::fromHex(f[8]).toStdString()});
            } else if (f.size() == 2 && f[0] == "problem") {
                ++problems;
            }
        }
        QVERIFY(scalars.size() > 10 && images.size() == 6 && problems == 1);

        RunFollower follower(run);
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->caughtUp);
        // The checksum the peer damaged on purpose, reported once, naming the file.
        QCOMPARE(update->problems.size(), std::size_t(1));
        QVERIFY(update->problems[0].describe().find("events.out.tfevents") != std::string::npos);
        RunSnapshot snapshot;
        snapshot.apply(std::move(*update));

        QCOMPARE(snapshot.scalars.size(), scalars.size());
        for (auto& [series, expected] : scalars) {
            QVERIFY2(snapshot.scalars.count(series), series.c_str());
            // A series is listed in step order (the file has step -3 last).
            std::stable_sort(expected.begin(), expected.end(), [](const PeerScalar& a, const PeerScalar& b) {
                return a.step < b.step;
            });
            const auto& got = snapshot.scalars.at(series);
            QCOMPARE(got.size(), expected.size());
            for (std::size_t i = 0; i < got.size(); ++i) {
                QVERIFY2(got[i].step == expected[i].step && same(got[i].value, expected[i].value) &&
                             got[i].wallTime == expected[i].wallTime,
                         qPrintable(QStringLiteral("%1 #%2").arg(QString::fromStdString(series)).arg(i)));
            }
        }
        QVERIFY(std::isinf(snapshot.scalars.at("special" + seriesSuffix).front().value));

        // Images, listed lazily and loaded on demand.
        std::size_t imageCount = 0;
        for (const auto& [series, bySteps] : snapshot.images) {
            imageCount += bySteps.size();
        }
        QCOMPARE(imageCount, images.size());
        for (const PeerImage& image : images) {
            const std::string series =
                image.tag + (image.sample > 0 ? "#" + std::to_string(image.sample) : "") + seriesSuffix;
            QVERIFY2(snapshot.images.count(series), series.c_str());
            const ImageRef& ref = snapshot.images.at(series).at(image.step);
            QVERIFY(ref.inEventFile);
            auto bytes = follower.loadImageBytes(ref);
            HDR_VERIFY_OK(bytes);
            QVERIFY(*bytes == image.bytes);
        }
        // Nothing new, nothing reported again.
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->empty() && update->problems.empty());
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // SummaryWriter(log_dir=run): the event file sits in the run folder itself.
    void eventFileInTheRunFolder() { readPeerRun("", ""); }
    // Lightning-style version_0/: its series carry the folder.
    void eventFileInASubfolder() { readPeerRun("version_0", " (version_0)"); }
};

HDR_TEST_MAIN(TestRunlogPeer)
#include "tst_runlog_peer.moc"
