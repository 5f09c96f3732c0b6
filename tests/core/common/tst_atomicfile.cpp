#include "common/AtomicFile.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hdr::core;
namespace fs = std::filesystem;

class TestAtomicFile : public QObject {
    Q_OBJECT
    static std::string readAll(const fs::path& p)
    {
        std::ifstream f(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(f), {}};
    }
    static int entries(const fs::path& dir)
    {
        return int(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
    }
    static std::span<const std::byte> bytes(const std::string& s)
    {
        return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
    }
    static std::vector<std::string> names(const fs::path& dir)
    {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir)) {
            out.push_back(e.path().filename().string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    // A pid that no process has: a child that has exited and been reaped.
    static pid_t deadPid()
    {
        const pid_t child = ::fork();
        if (child == 0) {
            ::_exit(0);
        }
        ::waitpid(child, nullptr, 0);
        return child;
    }
    static void setAge(const fs::path& p, std::chrono::seconds age)
    {
        const auto when = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - age);
        const struct timespec times[2] = {{when, 0}, {when, 0}};
        QCOMPARE(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
    }
    static unsigned modeOf(const fs::path& p)
    {
        struct stat st {};
        ::lstat(p.c_str(), &st);
        return unsigned(st.st_mode & 07777);
    }

private slots:
    void writesAndCommits()
    {
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / "out.bin";
        HDR_VERIFY_OK(writeFileAtomically(p, bytes("hello"), false));
        QCOMPARE(readAll(p), std::string("hello"));
        QCOMPARE(entries(p.parent_path()), 1); // no temp file left behind
    }
    void refusesToOverwriteAndKeepsTheOldFile()
    {
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / "out.bin";
        HDR_VERIFY_OK(writeFileAtomically(p, bytes("first"), false));
        auto again = writeFileAtomically(p, bytes("second"), false);
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::AlreadyExists);
        QCOMPARE(readAll(p), std::string("first"));
        HDR_VERIFY_OK(writeFileAtomically(p, bytes("second"), true));
        QCOMPARE(readAll(p), std::string("second"));
    }
    void uncommittedOutputLeavesNothing()
    {
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / "out.bin";
        {
            auto out = AtomicOutputFile::create(p, false);
            QVERIFY(out.has_value());
            std::ofstream(out->tempPath()) << "partial";
            QVERIFY(fs::exists(out->tempPath()));
        } // destroyed without commit, e.g. a cancelled job
        QVERIFY(!fs::exists(p));
        QCOMPARE(entries(p.parent_path()), 0);
    }
    void fileAppearingDuringTheWriteIsNotClobbered()
    {
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / "out.bin";
        auto out = AtomicOutputFile::create(p, false);
        QVERIFY(out.has_value());
        std::ofstream(out->tempPath()) << "ours";
        std::ofstream(p) << "someone else's";
        auto committed = out->commit();
        QVERIFY(!committed);
        QCOMPARE(committed.error().code, ErrorCode::AlreadyExists);
        QCOMPARE(readAll(p), std::string("someone else's"));
    }
    void temporaryIsPrivateUntilCommitThenFollowsTheUmask()
    {
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / "out.bin";
        const mode_t previous = ::umask(027);
        auto out = AtomicOutputFile::create(p, false);
        QVERIFY(out.has_value());
        QVERIFY(fs::is_regular_file(fs::symlink_status(out->tempPath()))); // created by create()
        QCOMPARE(modeOf(out->tempPath()), 0600u);
        std::ofstream(out->tempPath()) << "data";
        HDR_VERIFY_OK(out->commit());
        QCOMPARE(modeOf(p), 0640u); // 0666 & ~027
        ::umask(previous);
    }
    void linkPlantedAtTheTemporaryNameIsNotFollowed()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        const fs::path victim = folder / "victim.txt";
        std::ofstream(victim) << "precious";
        const fs::path p = folder / "out.bin";
        // The names come from a per-process counter: plant links at the next ones.
        const fs::path probe = temporarySiblingPath(p);
        const std::string stem = probe.filename().string();
        const unsigned next = unsigned(std::stoul(stem.substr(stem.rfind('-') + 1))) + 1;
        const std::string prefix = stem.substr(0, stem.rfind('-') + 1);
        std::vector<fs::path> planted;
        for (unsigned n = next; n < next + 8; ++n) {
            planted.push_back(folder / (prefix + std::to_string(n)));
            fs::create_symlink(victim, planted.back());
        }
        auto out = AtomicOutputFile::create(p, false);
        HDR_VERIFY_OK(out);
        QVERIFY(std::find(planted.begin(), planted.end(), out->tempPath()) == planted.end());
        QVERIFY(fs::is_regular_file(fs::symlink_status(out->tempPath())));
        std::ofstream(out->tempPath()) << "new data";
        HDR_VERIFY_OK(out->commit());
        QCOMPARE(readAll(victim), std::string("precious"));
        QCOMPARE(readAll(p), std::string("new data"));
        for (const auto& link : planted) {
            QVERIFY(fs::is_symlink(link)); // ours (this pid is alive): left alone, not followed
        }
    }
    void temporaryReplacedByALinkIsNotCommitted()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        std::ofstream(folder / "elsewhere.txt") << "not ours";
        auto out = AtomicOutputFile::create(folder / "out.bin", false);
        QVERIFY(out.has_value());
        fs::remove(out->tempPath());
        fs::create_symlink(folder / "elsewhere.txt", out->tempPath());
        auto committed = out->commit();
        QVERIFY(!committed);
        QCOMPARE(committed.error().code, ErrorCode::IoError);
        QVERIFY(!fs::exists(folder / "out.bin"));
    }
    void killedWriterLeavesTheOldFileAndItsTemporaryIsCleanedUp()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        const fs::path p = folder / "out.bin";
        HDR_VERIFY_OK(writeFileAtomically(p, bytes("old"), false));
        const pid_t child = ::fork();
        if (child == 0) {
            // A write that dies before commit (crash, kill -9): no destructor runs.
            auto out = AtomicOutputFile::create(p, true);
            if (out) {
                std::ofstream(out->tempPath()) << "half of the new";
            }
            ::_exit(out ? 0 : 1);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        QCOMPARE(readAll(p), std::string("old"));
        const auto left = names(folder);
        QCOMPARE(left.size(), std::size_t(2));
        QVERIFY(left[0].find(".tmp-" + std::to_string(child) + "-") != std::string::npos);

        HDR_VERIFY_OK(writeFileAtomically(p, bytes("new"), true)); // the next write in that folder
        QCOMPARE(names(folder), std::vector<std::string>{"out.bin"});
        QCOMPARE(readAll(p), std::string("new"));
    }
    void onlyStaleTemporariesAreRemoved()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        const std::string dead = std::to_string(deadPid());
        const std::string alive = std::to_string(::getppid()); // the test runner
        const std::string self = std::to_string(::getpid());
        auto touch = [&](const std::string& name) {
            std::ofstream(folder / name) << "x";
            return folder / name;
        };
        touch(".a.exr.tmp-" + dead + "-0"); // dead writer: stale
        touch(".b.png.bak-" + dead + "-3"); // dead OutputSet backup: stale
        fs::create_symlink("/nonexistent", folder / (".c.tif.tmp-" + dead + "-1")); // a link: removed itself
        setAge(touch(".d.hdr.tmp-" + alive + "-2"), std::chrono::hours(48));        // live but 2 days old
        touch(".e.hdr.tmp-" + alive + "-2");                                        // live and fresh: kept
        setAge(touch(".f.png.bak-" + alive + "-4"), std::chrono::hours(48)); // backups keep old times: kept
        setAge(touch(".g.exr.tmp-" + self + "-9"), std::chrono::hours(48));  // this process's own: kept
        touch(".h.exr.tmp-12x-1");                                           // not our pattern
        touch("i.exr.tmp-" + dead + "-1");                                   // not hidden: not ours
        touch(".j.tmp-" + dead);                                             // incomplete pattern
        fs::create_directory(folder / (".k.tmp-" + dead + "-5"));            // folders are never touched
        touch(".l.tmp-1-2.bak-" + dead + "-6"); // backup of a file named "l.tmp-1-2": the last marker counts

        QCOMPARE(removeStaleTemporaryFiles(folder), std::size_t(5));
        const std::vector<std::string> expected{".e.hdr.tmp-" + alive + "-2",
                                                ".f.png.bak-" + alive + "-4",
                                                ".g.exr.tmp-" + self + "-9",
                                                ".h.exr.tmp-12x-1",
                                                ".j.tmp-" + dead,
                                                ".k.tmp-" + dead + "-5",
                                                "i.exr.tmp-" + dead + "-1"};
        QCOMPARE(names(folder), expected);
    }
    void missingFolderIsAClearError()
    {
        auto out = AtomicOutputFile::create("/nonexistent-folder-xyz/out.exr", false);
        QVERIFY(!out);
        QCOMPARE(out.error().code, ErrorCode::IoError);
        QVERIFY(out.error().describe().find("nonexistent-folder-xyz") != std::string::npos);
    }
    void readFileBytesRefusesHugeFiles()
    {
        QTemporaryDir dir;
        const fs::path p = fs::path(dir.path().toStdString()) / "big.bin";
        HDR_VERIFY_OK(writeFileAtomically(p, bytes(std::string(1000, 'x')), false));
        auto small = readFileBytes(p, 100);
        QVERIFY(!small);
        QCOMPARE(small.error().code, ErrorCode::LimitExceeded);
        auto ok = readFileBytes(p, 1000);
        QVERIFY(ok.has_value());
        QCOMPARE(ok->size(), std::size_t(1000));
    }
};

HDR_TEST_MAIN(TestAtomicFile)
#include "tst_atomicfile.moc"
