// RunFollower on live and damaged run folders: a brand-new run, partial lines, a writer thread
// appending while we poll, hostile CSV/JSONL lines, a replaced log, and series moving to the
// more trusted source (CSV over TensorBoard).

#include "runlog/LineFollower.h"
#include "runlog/RunFollower.h"
#include "runlog/RunLogWriter.h"
#include "tensorboard/EventWriter.h"

#include "RunlogTestSupport.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <atomic>
#include <cmath>
#include <fcntl.h>
#include <random>
#include <thread>
#include <unistd.h>

using namespace hdr;
using namespace hdr::runlog;
using namespace hdr::runlog::test;
namespace fs = std::filesystem;

namespace {

bool hasProblemContaining(const std::vector<core::Error>& problems, const std::string& text)
{
    for (const auto& problem : problems) {
        if (problem.describe().find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// Appends with raw write() calls of random sizes, so lines arrive in pieces.
void appendInPieces(const fs::path& file, const std::string& text, std::mt19937& rng)
{
    const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0666);
    std::size_t done = 0;
    while (done < text.size()) {
        const std::size_t n = std::min<std::size_t>(text.size() - done, 1 + rng() % 37);
        if (::write(fd, text.data() + done, n) != ssize_t(n)) {
            break;
        }
        done += n;
    }
    ::close(fd);
}

} // namespace

class TestRunlogFollow : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path scratch(const char* name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void brandNewAndMissingRuns()
    {
        fs::create_directories(scratch("new"));
        RunFollower follower(scratch("new"));
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->scalars.empty() && update->images.empty() && update->problems.empty());
        QVERIFY(update->caughtUp);
        RunFollower missing(scratch("does-not-exist"));
        QCOMPARE(missing.poll().error().code, core::ErrorCode::IoError);
    }

    void partialLineIsWaitedOn()
    {
        const fs::path run = scratch("partial");
        fs::create_directories(run / "logs");
        appendText(RunPaths(run).trainCsv(),
                   "epoch,phase,loss,time,lr,timestamp\n1,train,0.5,1,0.1,2024-01-01T00:00:00Z");
        RunFollower follower(run);
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->scalars.empty());
        appendText(RunPaths(run).trainCsv(), "\n2,val,0.25,1,0.1,2024-01-01T01:00:00+01:00\n");
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY2(update->problems.empty(), qPrintable(describe(update->problems)));
        QCOMPARE(update->scalars.at("train/loss").size(), std::size_t(1));
        QCOMPARE(update->scalars.at("train/loss")[0].value, 0.5);
        QCOMPARE(update->scalars.at("train/loss")[0].wallTime, 1704067200.0);
        QCOMPARE(update->scalars.at("val/loss")[0].wallTime, 1704067200.0);
        QCOMPARE(update->scalars.at("lr").size(), std::size_t(1)); // the val row's lr is not a second point
    }

    // A writer thread logs while we poll: every point arrives exactly once, in order.
    void followsWhileAnotherWriterAppends()
    {
        const fs::path run = scratch("live");
        constexpr int kEpochs = 300;
        auto opened = RunLogWriter::open(run);
        HDR_VERIFY_OK(opened);
        std::atomic<bool> done{false};
        std::atomic<bool> failed{false};
        std::thread writer([&, w = std::move(*opened)]() mutable {
            for (int e = 0; e < kEpochs; ++e) {
                EpochLog entry;
                entry.epoch = e;
                entry.loss = 1.0 / (1 + e);
                entry.lr = 0.001;
                entry.extra = {{"accuracy", e / double(kEpochs)}};
                if (!w.logEpoch(entry) || !w.logMetrics(e, {{"psnr", 20 + e * 0.01}})) {
                    failed = true;
                }
                if (e % 16 == 0) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            }
            done = true;
        });
        RunFollower follower(run);
        RunSnapshot snapshot;
        int pollsWithData = 0;
        std::vector<core::Error> problems;
        for (bool last = false; !last;) {
            last = done.load();
            auto update = follower.poll();
            HDR_VERIFY_OK(update);
            problems.insert(problems.end(), update->problems.begin(), update->problems.end());
            pollsWithData += update->scalars.empty() ? 0 : 1;
            snapshot.apply(std::move(*update));
        }
        writer.join();
        QVERIFY(!failed);
        QVERIFY2(problems.empty(), qPrintable(describe(problems)));
        for (const char* series : {"train/loss", "train/accuracy", "metrics/psnr", "train/time", "lr"}) {
            const auto& points = snapshot.scalars.at(series);
            QCOMPARE(points.size(), std::size_t(kEpochs));
            for (int e = 0; e < kEpochs; ++e) {
                QCOMPARE(points[std::size_t(e)].step, std::int64_t(e));
            }
        }
        QCOMPARE(snapshot.scalars.at("train/loss")[123].value, 1.0 / 124);
        qInfo("%d polls returned points", pollsWithData);
    }

    // Lines arriving in random pieces (a reader racing a writer byte by byte).
    void linesArrivingInPieces()
    {
        const fs::path run = scratch("pieces");
        fs::create_directories(run / "logs");
        std::mt19937 rng(7);
        RunFollower follower(run);
        RunSnapshot snapshot;
        appendInPieces(RunPaths(run).trainJsonl(), "", rng);
        for (int e = 0; e < 200; ++e) {
            const std::string line = "{\"epoch\": " + std::to_string(e) +
                                     ", \"phase\": \"train\", \"loss\": " + std::to_string(e * 0.25) +
                                     ", \"kl\": null}\n";
            appendInPieces(RunPaths(run).trainJsonl(), line, rng);
            if (rng() % 3 == 0) {
                auto update = follower.poll();
                HDR_VERIFY_OK(update);
                QVERIFY2(update->problems.empty(), qPrintable(describe(update->problems)));
                snapshot.apply(std::move(*update));
            }
        }
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        snapshot.apply(std::move(*update));
        QCOMPARE(snapshot.scalars.at("train/loss").size(), std::size_t(200));
        QCOMPARE(snapshot.scalars.at("train/loss")[199].value, 199 * 0.25);
        QVERIFY(std::isnan(snapshot.scalars.at("train/kl")[0].value)); // JSON null = NaN
    }

    void hostileLines()
    {
        const fs::path run = scratch("hostile");
        fs::create_directories(run / "logs");
        std::string csv = "epoch,phase,loss,time,lr,timestamp\n";
        csv += "1,train,0.5,1,0.1,2024-01-01T00:00:00Z\n";
        csv += "2,train,0.5\n";                         // too few fields
        csv += "3,train,abc,1,0.1,x\n";                 // not a number (the rest of the row is kept)
        csv += std::string(3 << 20, 'x') + "\n";        // a 3 MiB line
        csv += std::string("\0\xff\xfe,\x01\x02\n", 8); // binary garbage
        csv += "4.5,train,0.5,1,0.1,\n";                // a fractional epoch
        csv += "\"5,train,0.5,1,0.1,\n";                // an unbalanced quote
        csv += "6,a/b,0.5,1,0.1,\n";                    // a phase that is not a name
        csv += "7,train,1e999,1,-1e999,\n";             // overflow: +-inf, as Python's float()
        csv += "8,train,0.25,1,0.1,2024-01-01T00:00:08Z\n";
        appendText(RunPaths(run).trainCsv(), csv);
        std::string jsonl;
        jsonl += std::string(100000, '[') + "\n"; // nesting bomb
        jsonl += "[1, 2]\n";                      // not an object
        jsonl += "{bad json\n";
        jsonl += "{\"epoch\": 1e300, \"loss\": 1}\n"; // step out of range
        jsonl +=
            "{\"epoch\": 1, \"loss\": \"high\", \"phase\": \"train\", \"x\": {\"y\": 1}}\n"; // no numbers
        jsonl += "{\"epoch\": 9, \"loss\": 0.125, \"note\": \"" + std::string(2 << 20, 'n') +
                 "\"}\n"; // 2 MiB line
        jsonl += "{\"epoch\": 9, \"phase\": \"train\", \"extra\": 3}\n";
        appendText(RunPaths(run).trainJsonl(), jsonl);
        std::string metrics = "epoch";
        for (int i = 0; i < 5000; ++i) {
            metrics += ",m" + std::to_string(i); // more columns than allowed
        }
        appendText(RunPaths(run).metricsCsv(), metrics + "\n1,2,3\n");

        RunFollower follower(run);
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        const auto& problems = update->problems;
        QVERIFY2(problems.size() >= 10, qPrintable(describe(problems)));
        QVERIFY(hasProblemContaining(problems, "longer than 1048576 bytes"));
        QVERIFY(hasProblemContaining(problems, "nested deeper"));
        QVERIFY(hasProblemContaining(problems, "not a JSON object"));
        QVERIFY(hasProblemContaining(problems, "epoch is not a whole number"));
        QVERIFY(hasProblemContaining(problems, "not a CSV header"));
        QVERIFY(hasProblemContaining(problems, "train_log.csv"));
        const auto& loss = update->scalars.at("train/loss");
        QCOMPARE(stepsOf(loss), (std::vector<std::int64_t>{1, 7, 8}));
        QVERIFY(std::isinf(loss[1].value) && loss[1].value > 0);
        QCOMPARE(update->scalars.at("lr").back().value, 0.1);
        QVERIFY(std::isinf(update->scalars.at("lr")[2].value) && update->scalars.at("lr")[2].value < 0);
        QCOMPARE(update->scalars.at("train/extra").size(), std::size_t(1));
        QVERIFY(!update->scalars.count("train/note"));
        QVERIFY(!update->scalars.count("metrics/m0"));
        // Nothing is reported twice: the next poll is quiet.
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY2(update->problems.empty(), qPrintable(describe(update->problems)));

        // A tighter line limit skips a line that is merely long.
        LineFollower lines(RunPaths(run).trainCsv(), {1024, 1 << 20});
        std::size_t lineCount = 0, skipped = 0;
        for (int poll = 0; poll < 100; ++poll) {
            auto batch = lines.poll();
            HDR_VERIFY_OK(batch);
            lineCount += batch->lines.size();
            skipped += batch->problems.size();
            if (batch->caughtUp) {
                break;
            }
        }
        QCOMPARE(skipped, std::size_t(1));
        QCOMPARE(lineCount, std::size_t(10)); // all but the 3 MiB one
        QCOMPARE(lines.offset(), std::uint64_t(fs::file_size(RunPaths(run).trainCsv())));
    }

    // Polls read huge logs in slices (maxBytesPerPoll) and say when they are not done.
    void hugeLogInSlices()
    {
        const fs::path run = scratch("slices");
        fs::create_directories(run / "logs");
        std::string csv = "epoch,loss\n";
        for (int e = 0; e < 20000; ++e) {
            csv += std::to_string(e) + ",0.5\n";
        }
        appendText(RunPaths(run).metricsCsv(), csv);
        FollowerOptions options;
        options.maxBytesPerPoll = 4096;
        RunFollower follower(run, options);
        RunSnapshot snapshot;
        int polls = 0;
        for (bool caughtUp = false; !caughtUp && polls < 10000; ++polls) {
            auto update = follower.poll();
            HDR_VERIFY_OK(update);
            caughtUp = update->caughtUp;
            snapshot.apply(std::move(*update));
        }
        QVERIFY(polls > 10);
        QCOMPARE(snapshot.scalars.at("metrics/loss").size(), std::size_t(20000));
        auto whole = readRunFolder(run, options);
        HDR_VERIFY_OK(whole);
        QCOMPARE(whole->scalars.at("metrics/loss").size(), std::size_t(20000));
    }

    // A log replaced by another file (rewritten, or a new run copied over) is read again.
    void replacedLogStartsOver()
    {
        const fs::path run = scratch("replaced");
        fs::create_directories(run / "logs");
        appendText(RunPaths(run).metricsCsv(), "epoch,psnr\n1,20\n2,21\n");
        RunFollower follower(run);
        RunSnapshot snapshot;
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        snapshot.apply(std::move(*update));
        const fs::path temp = run / "logs" / "new.csv";
        appendText(temp, "epoch,psnr\n1,30\n");
        fs::rename(temp, RunPaths(run).metricsCsv());
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->resetSeries.count("metrics/psnr"));
        snapshot.apply(std::move(*update));
        QCOMPARE(valuesOf(snapshot.scalars.at("metrics/psnr")), std::vector<double>{30});
        // Truncated in place to less than was read: also read again.
        fs::resize_file(RunPaths(run).metricsCsv(), 0);
        appendText(RunPaths(run).metricsCsv(), "epoch,psnr\n");
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->resetSeries.count("metrics/psnr"));
        snapshot.apply(std::move(*update));
        QVERIFY(snapshot.scalars.at("metrics/psnr").empty());
    }

    // A series TensorBoard delivered first moves to the CSV (exact doubles) once it appears.
    void moreTrustedSourceTakesOver()
    {
        const fs::path run = scratch("takeover");
        fs::create_directories(run / "tb");
        auto events = tensorboard::EventWriter::create(run / "tb");
        HDR_VERIFY_OK(events);
        HDR_VERIFY_OK(events->addScalar("train/loss", 0.3, 1));
        HDR_VERIFY_OK(events->addScalar("train/only_in_tb", 7, 1));
        RunFollower follower(run);
        RunSnapshot snapshot;
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        snapshot.apply(std::move(*update));
        QCOMPARE(snapshot.scalars.at("train/loss")[0].value, double(0.3f));
        fs::create_directories(run / "logs");
        appendText(RunPaths(run).trainCsv(), "epoch,phase,loss,time,lr,timestamp\n1,train,0.3,1,0.1,\n");
        HDR_VERIFY_OK(events->addScalar("train/loss", 0.2, 2)); // TensorBoard ahead of the CSV
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->resetSeries.count("train/loss"));
        snapshot.apply(std::move(*update));
        QCOMPARE(valuesOf(snapshot.scalars.at("train/loss")), std::vector<double>{0.3});
        QCOMPARE(snapshot.scalars.at("train/only_in_tb").size(), std::size_t(1));
        appendText(RunPaths(run).trainCsv(), "2,train,0.2,1,0.1,\n");
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->resetSeries.empty());
        snapshot.apply(std::move(*update));
        QCOMPARE(valuesOf(snapshot.scalars.at("train/loss")), (std::vector<double>{0.3, 0.2}));
    }

    // Our EventWriter's images and a damaged event file, followed live.
    void damagedEventFileIsReportedOnce()
    {
        const fs::path run = scratch("damaged");
        fs::create_directories(run);
        const fs::path file = run / "events.out.tfevents.1718000000.host.1.0";
        std::string bytes(64, '\x7f'); // a record header whose length checksum is wrong
        appendText(file, bytes);
        RunFollower follower(run);
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        QCOMPARE(update->problems.size(), std::size_t(1));
        QVERIFY(hasProblemContaining(update->problems, "events.out.tfevents"));
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->problems.empty());
        auto whole = readRunFolder(run); // does not spin on the stuck file
        HDR_VERIFY_OK(whole);
    }
};

HDR_TEST_MAIN(TestRunlogFollow)
#include "tst_runlog_follow.moc"
