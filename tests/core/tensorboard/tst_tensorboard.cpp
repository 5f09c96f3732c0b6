// EventWriter and EventFileFollower: names, round trips, live following, lazy images, run-folder
// discovery. Damaged and hostile files: tst_tensorboard_damage.cpp.

#include "tensorboard/EventFiles.h"
#include "tensorboard/EventReader.h"
#include "tensorboard/EventWriter.h"

#include "TensorBoardTestSupport.h"

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace hdr::tensorboard;
using namespace hdr::test::tensorboard;
using hdr::core::ErrorCode;
namespace fs = std::filesystem;

class TestTensorBoard : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void fileNames()
    {
        QCOMPARE(eventFileName(1700000000, "host", 42, 3, ".suffix"),
                 std::string("events.out.tfevents.1700000000.host.42.3.suffix"));
        QCOMPARE(eventFileName(5, "h", 1, 0), std::string("events.out.tfevents.0000000005.h.1.0"));
        QVERIFY(isEventFileName("events.out.tfevents.1700000000.host"));
        QVERIFY(!isEventFileName("checkpoint.pt"));
    }

    void writerStartsWithFileVersion()
    {
        const fs::path dir = tempPath(m_dir, "version/nested");
        auto writer = EventWriter::create(dir, {".v", "my-host"});
        HDR_VERIFY_OK(writer);
        const std::string name = writer->file().filename().string();
        const std::regex pattern("events\\.out\\.tfevents\\.\\d{10}\\.my-host\\." +
                                 std::to_string(::getpid()) + "\\.\\d+\\.v");
        QVERIFY2(std::regex_match(name, pattern), name.c_str());
        QCOMPARE(writer->file().parent_path(), dir);
        auto batch = readEventFile(writer->file());
        HDR_VERIFY_OK(batch);
        QCOMPARE(batch->eventsRead, std::uint64_t(1));
        QVERIFY(batch->scalars.empty() && batch->problems.empty() && batch->caughtUp);
        EventFileFollower follower(writer->file());
        HDR_VERIFY_OK(follower.poll());
        QCOMPARE(follower.fileVersion(), std::string("brain.Event:2"));
        // Two writers in the same second get two files.
        auto second = EventWriter::create(dir, {".v", "my-host"});
        HDR_VERIFY_OK(second);
        QVERIFY(second->file() != writer->file());
    }

    void roundTripScalarsAndImages()
    {
        auto writer = EventWriter::create(tempPath(m_dir, "roundtrip"));
        HDR_VERIFY_OK(writer);
        std::mt19937 rng(11);
        std::uniform_real_distribution<double> value(-1e3, 1e3);
        std::vector<ScalarPoint> scalars;
        std::vector<ImageRecord> images;
        for (std::int64_t step = 0; step < 15000; ++step) { // > 1 MiB of small records: read-ahead refills
            const std::int64_t s = step < 14990 ? step : (std::int64_t(1) << 40) + step; // big steps too
            const double wall = 1.7e9 + double(step) * 0.25;
            const double loss = value(rng);
            HDR_VERIFY_OK(writer->addScalar("loss", loss, s, wall));
            scalars.push_back({"loss", s, wall, double(float(loss))});
            const double a = value(rng), b = value(rng);
            const NamedScalar pair[] = {{"metrics/a", a}, {"metrics/b", b}};
            HDR_VERIFY_OK(writer->addScalars(pair, s, wall));
            scalars.push_back({"metrics/a", s, wall, double(float(a))});
            scalars.push_back({"metrics/b", s, wall, double(float(b))});
            if (step % 250 == 0) {
                const std::size_t size = step == 500 ? (std::size_t(3) << 20) : std::size_t(1 + rng() % 5000);
                const std::string png = randomBytes(rng, size);
                const int w = 1 + int(rng() % 4000), h = 1 + int(rng() % 4000), c = 1 + int(step / 250 % 4);
                HDR_VERIFY_OK(writer->addImage("samples/img", png, w, h, c, s, wall));
                ImageRecord expected;
                expected.tag = "samples/img";
                expected.step = s;
                expected.wallTime = wall;
                expected.encoded = png;
                expected.width = w;
                expected.height = h;
                expected.channels = c;
                images.push_back(expected);
            }
        }
        HDR_VERIFY_OK(writer->addScalar("time/now", 1.0, 0)); // wall time defaults to now
        HDR_VERIFY_OK(writer->close());

        auto batch = readEventFile(writer->file());
        HDR_VERIFY_OK(batch);
        QVERIFY(batch->problems.empty());
        QVERIFY(batch->caughtUp);
        QCOMPARE(batch->scalars.size(), scalars.size() + 1);
        for (std::size_t i = 0; i < scalars.size(); ++i) {
            const auto& got = batch->scalars[i];
            QCOMPARE(got.tag, scalars[i].tag);
            QCOMPARE(got.step, scalars[i].step);
            QCOMPARE(got.wallTime, scalars[i].wallTime);
            QCOMPARE(got.value, scalars[i].value);
        }
        const double now = currentWallTime();
        QVERIFY(std::abs(batch->scalars.back().wallTime - now) < 600);
        QCOMPARE(batch->images.size(), images.size());
        for (std::size_t i = 0; i < images.size(); ++i) {
            const auto& got = batch->images[i];
            QCOMPARE(got.tag, images[i].tag);
            QCOMPARE(got.step, images[i].step);
            QCOMPARE(got.wallTime, images[i].wallTime);
            QVERIFY(got.encoded == images[i].encoded);
            QCOMPARE(got.width, images[i].width);
            QCOMPARE(got.height, images[i].height);
            QCOMPARE(got.channels, images[i].channels);
            QCOMPARE(got.sample, 0);
        }
    }

    void writerRefusesBadArguments()
    {
        auto writer = EventWriter::create(tempPath(m_dir, "args"));
        HDR_VERIFY_OK(writer);
        QCOMPARE(writer->addScalar("", 1.0, 0).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(writer->addImage("img", "png", 0, 5, 3, 0).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(writer->addImage("img", "png", 5, 5, 5, 0).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(writer->addImage("img", "", 5, 5, 3, 0).error().code, ErrorCode::InvalidArgument);
        HDR_VERIFY_OK(writer->flush());
        HDR_VERIFY_OK(writer->close());
        QVERIFY(!writer->addScalar("x", 1.0, 0));
        // Nothing but the version event reached the file.
        QCOMPARE(readEventFile(writer->file())->eventsRead, std::uint64_t(1));
        // A log folder that cannot be created.
        writeBytes(tempPath(m_dir, "a-file"), "x");
        QCOMPARE(EventWriter::create(tempPath(m_dir, "a-file/sub")).error().code, ErrorCode::IoError);
    }

    // A write that fails halfway (here: the file-size limit, as a full disk would) is cut off
    // again, so no torn record sits in the middle of the file when later writes succeed.
    void failedWriteLeavesNoTornRecord()
    {
        auto writer = EventWriter::create(tempPath(m_dir, "fsize"));
        HDR_VERIFY_OK(writer);
        HDR_VERIFY_OK(writer->addScalar("before", 1.0, 0, 1.0));
        const auto sizeBefore = fs::file_size(writer->file());
        rlimit saved{};
        QVERIFY(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
        const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN); // EFBIG instead of the signal
        rlimit limited = saved;
        limited.rlim_cur = rlim_t(sizeBefore + 100);
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
        std::mt19937 rng(1);
        auto failed = writer->addImage("big", randomBytes(rng, 1000), 8, 8, 3, 1, 1.0); // 100 bytes fit
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
        std::signal(SIGXFSZ, previousHandler);
        QVERIFY(!failed);
        QCOMPARE(failed.error().code, ErrorCode::IoError);
        QCOMPARE(fs::file_size(writer->file()), sizeBefore);
        HDR_VERIFY_OK(writer->addScalar("after", 2.0, 2, 1.0));
        auto batch = readEventFile(writer->file());
        HDR_VERIFY_OK(batch);
        QVERIFY(batch->problems.empty() && batch->images.empty());
        QCOMPARE(batch->scalars.size(), std::size_t(2));
        QCOMPARE(batch->scalars.back().tag, std::string("after"));
    }

    void followWhileWriting()
    {
        auto writer = EventWriter::create(tempPath(m_dir, "follow"));
        HDR_VERIFY_OK(writer);
        EventFileFollower follower(writer->file());
        std::mt19937 rng(5);
        std::int64_t written = 0, read = 0, images = 0;
        for (int round = 0; round < 60; ++round) {
            const int n = int(rng() % 20);
            for (int i = 0; i < n; ++i) {
                HDR_VERIFY_OK(writer->addScalar("live", double(written), written, 2.0));
                ++written;
            }
            if (round % 10 == 0) {
                HDR_VERIFY_OK(writer->addImage("live/img", randomBytes(rng, 100), 4, 4, 3, round));
            }
            auto batch = follower.poll(); // sees everything added so far, no flush() needed
            HDR_VERIFY_OK(batch);
            QVERIFY(batch->caughtUp && batch->problems.empty());
            for (const auto& s : batch->scalars) {
                QCOMPARE(s.step, read);
                QCOMPARE(s.value, double(read));
                ++read;
            }
            images += std::int64_t(batch->images.size());
            QCOMPARE(read, written);
            QCOMPARE(follower.offset(), std::uint64_t(fs::file_size(writer->file())));
        }
        QCOMPARE(images, std::int64_t(6));
        auto idle = follower.poll();
        HDR_VERIFY_OK(idle);
        QVERIFY(idle->scalars.empty() && idle->eventsRead == 0);
    }

    // A record appended a byte at a time: every prefix is "not yet", never an error.
    void lazyImagesAndSlicedPolls()
    {
        auto writer = EventWriter::create(tempPath(m_dir, "lazy"));
        HDR_VERIFY_OK(writer);
        std::mt19937 rng(9);
        std::vector<std::string> pngs;
        for (int i = 0; i < 20; ++i) {
            pngs.push_back(randomBytes(rng, 1000 + std::size_t(i) * 100));
            HDR_VERIFY_OK(writer->addImage("img", pngs.back(), 8, 8, 4, i, 1.0));
            HDR_VERIFY_OK(writer->addScalar("s", i, i, 1.0));
        }
        ReaderOptions options;
        options.keepImageBytes = false;
        options.maxBytesPerPoll = 5000;
        EventFileFollower follower(writer->file(), options);
        std::vector<ImageRecord> images;
        std::size_t scalars = 0;
        int polls = 0;
        for (bool done = false; !done; ++polls) {
            auto batch = follower.poll();
            HDR_VERIFY_OK(batch);
            done = batch->caughtUp;
            scalars += batch->scalars.size();
            images.insert(images.end(), batch->images.begin(), batch->images.end());
            QVERIFY(polls < 100);
        }
        QVERIFY(polls > 3);
        QCOMPARE(scalars, std::size_t(20));
        QCOMPARE(images.size(), std::size_t(20));
        for (std::size_t i = 0; i < images.size(); ++i) {
            QVERIFY(images[i].encoded.empty());
            auto loaded = follower.loadImages(images[i].recordOffset);
            HDR_VERIFY_OK(loaded);
            QCOMPARE(loaded->size(), std::size_t(1));
            QVERIFY(loaded->front().encoded == pngs[i]);
            QCOMPARE(loaded->front().step, std::int64_t(i));
        }
        QVERIFY(!follower.loadImages(images[0].recordOffset + 1));
        QVERIFY(!follower.loadImages(follower.offset()));
    }

    void findsEventFilesInRunFolders()
    {
        const fs::path run = tempPath(m_dir, "runs/exp1");
        fs::create_directories(run / "tb");
        fs::create_directories(run / "version_0" / "sub");
        fs::create_directories(run / "empty");
        for (const fs::path& p : {run / "events.out.tfevents.2.host",
                                  run / "events.out.tfevents.1.host",
                                  run / "tb" / "events.out.tfevents.3.host",
                                  run / "version_0" / "sub" / "events.out.tfevents.4.host.1.0.x"}) {
            writeBytes(p, smallFile(1));
        }
        writeBytes(run / "checkpoint.pt", "not events");
        fs::create_directory_symlink(run, run / "tb" / "loop"); // not followed: no cycle
        auto files = findEventFiles(run);
        HDR_VERIFY_OK(files);
        const std::vector<fs::path> expected = {run / "events.out.tfevents.1.host",
                                                run / "events.out.tfevents.2.host",
                                                run / "tb" / "events.out.tfevents.3.host",
                                                run / "version_0" / "sub" /
                                                    "events.out.tfevents.4.host.1.0.x"};
        QCOMPARE(*files, expected);
        auto single = findEventFiles(run / "tb" / "events.out.tfevents.3.host");
        HDR_VERIFY_OK(single);
        QCOMPARE(single->size(), std::size_t(1));
        QCOMPARE(findEventFiles(run / "checkpoint.pt").error().code, ErrorCode::UnsupportedFormat);
        QVERIFY(findEventFiles(run / "empty")->empty());
        QCOMPARE(findEventFiles(run / "missing").error().code, ErrorCode::IoError);
    }
};

HDR_TEST_MAIN(TestTensorBoard)
#include "tst_tensorboard.moc"
