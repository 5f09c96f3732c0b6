// OutputSet: a job's files staged and committed together. All or none on cancel, on a refused
// path and on a failure in the middle of commit(); with overwrite every path keeps its old or its
// new file, never neither, even when the process dies in the middle of commit() (simulated with
// SyscallSpy: a forked child exits at its second rename).
#include "SyscallSpy.h"
#include "common/OutputSet.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <algorithm>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace hdr::core;
namespace fs = std::filesystem;
namespace spy = hdr::test::spy;

class TestOutputSet : public QObject {
    Q_OBJECT

    static std::string readText(const fs::path& p)
    {
        std::ifstream f(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(f), {}};
    }
    static void writeText(const fs::path& p, const std::string& text)
    {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    }
    // What a writer does with a staged path: its own atomic write over the staged file.
    static Status writeStaged(const fs::path& staged, const std::string& text)
    {
        return writeFileAtomically(
            staged, {reinterpret_cast<const std::byte*>(text.data()), text.size()}, true);
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
    static const std::vector<std::string>& abc()
    {
        static const std::vector<std::string> files{"a.exr", "b.png", "c.json"};
        return files;
    }

private slots:
    void commitMovesEveryFileIntoPlace()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        OutputSet out(false);
        for (const auto& name : abc()) {
            auto staged = out.stage(folder / name);
            HDR_VERIFY_OK(staged);
            QVERIFY(staged->filename().string().rfind("." + name + ".tmp-", 0) == 0);
            HDR_VERIFY_OK(writeStaged(*staged, "new " + name));
        }
        QCOMPARE(names(folder).size(), std::size_t(3)); // only staged temporaries so far
        QVERIFY(!fs::exists(folder / "a.exr"));
        HDR_VERIFY_OK(out.commit());
        QVERIFY(out.committed());
        QCOMPARE(names(folder), abc());
        for (const auto& name : abc()) {
            QCOMPARE(readText(folder / name), "new " + name);
        }
        QCOMPARE(out.finalPaths().size(), std::size_t(3));
        QCOMPARE(out.finalPaths()[1], folder / "b.png");
        QCOMPARE(out.commit().error().code, ErrorCode::Internal); // once only
    }

    void cancelledSetLeavesEveryOldFileAndNoNewOne()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        writeText(folder / "b.png", "old b");
        {
            OutputSet out(true);
            for (const auto& name : abc()) {
                auto staged = out.stage(folder / name);
                HDR_VERIFY_OK(staged);
                HDR_VERIFY_OK(writeStaged(*staged, "new " + name));
            }
        } // the job was cancelled: destroyed without commit
        QCOMPARE(names(folder), std::vector<std::string>{"b.png"});
        QCOMPARE(readText(folder / "b.png"), std::string("old b"));
    }

    void existingOutputIsRefusedBeforeAnythingIsWritten()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        writeText(folder / "b.png", "old b");
        {
            OutputSet out(false);
            HDR_VERIFY_OK(out.stage(folder / "a.exr"));
            auto refused = out.stage(folder / "b.png");
            QVERIFY(!refused);
            QCOMPARE(refused.error().code, ErrorCode::AlreadyExists);
            QVERIFY(refused.error().message.find("nothing was written") != std::string::npos);
            QCOMPARE(refused.error().where, (folder / "b.png").string());
        }
        QCOMPARE(names(folder), std::vector<std::string>{"b.png"});
        QCOMPARE(readText(folder / "b.png"), std::string("old b"));
    }

    void samePathStagedTwiceIsRefused()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        OutputSet out(false);
        HDR_VERIFY_OK(out.stage(folder / "a.exr"));
        auto twice = out.stage(folder / "." / "a.exr");
        QVERIFY(!twice);
        QCOMPARE(twice.error().code, ErrorCode::InvalidArgument);
    }

    void failureInTheMiddleOfCommitRemovesTheNewFiles()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        OutputSet out(false);
        for (const auto& name : abc()) {
            HDR_VERIFY_OK(writeStaged(*out.stage(folder / name), "new " + name));
        }
        writeText(folder / "c.json", "someone else's"); // appears after staging: the third rename fails
        auto committed = out.commit();
        QVERIFY(!committed);
        QCOMPARE(committed.error().code, ErrorCode::AlreadyExists);
        QVERIFY(committed.error().message.find("none of this job's files") != std::string::npos);
        QVERIFY(!out.committed());
        QCOMPARE(names(folder), std::vector<std::string>{"c.json"}); // a and b were moved out again
        QCOMPARE(readText(folder / "c.json"), std::string("someone else's"));
        QCOMPARE(out.stage(folder / "d.txt").error().code, ErrorCode::Internal); // the set is spent
    }

    void failureInTheMiddleOfAnOverwriteRestoresTheOldFiles()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        for (const auto& name : abc()) {
            writeText(folder / name, "old " + name);
        }
        writeText(folder / "unrelated.txt", "keep");
        std::vector<fs::path> staged;
        {
            OutputSet out(true);
            for (const auto& name : abc()) {
                staged.push_back(*out.stage(folder / name));
                HDR_VERIFY_OK(writeStaged(staged.back(), "new " + name));
            }
            fs::remove(staged[2]); // the last file cannot be moved into place
            auto committed = out.commit();
            QVERIFY(!committed);
            QCOMPARE(committed.error().code, ErrorCode::IoError);
        }
        for (const auto& name : abc()) {
            QCOMPARE(readText(folder / name), "old " + name); // a and b are back, c was never replaced
        }
        std::vector<std::string> expected = abc();
        expected.push_back("unrelated.txt");
        std::sort(expected.begin(), expected.end());
        QCOMPARE(names(folder), expected); // no temporaries, no backups left
    }

    void overwriteThatSucceedsLeavesNoBackups()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        writeText(folder / "a.exr", "old a");
        OutputSet out(true);
        HDR_VERIFY_OK(writeStaged(*out.stage(folder / "a.exr"), "new a"));
        HDR_VERIFY_OK(writeStaged(*out.stage(folder / "b.png"), "new b"));
        HDR_VERIFY_OK(out.commit());
        QCOMPARE(readText(folder / "a.exr"), std::string("new a"));
        QCOMPARE(readText(folder / "b.png"), std::string("new b"));
        QCOMPARE(names(folder), (std::vector<std::string>{"a.exr", "b.png"}));
    }

    void processKilledDuringAnOverwriteLeavesOldOrNewEverywhere()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        for (const auto& name : abc()) {
            writeText(folder / name, "old " + name);
        }
        const pid_t child = ::fork();
        if (child == 0) {
            OutputSet out(true);
            for (const auto& name : abc()) {
                auto staged = out.stage(folder / name);
                if (!staged || !writeStaged(*staged, "new " + name)) {
                    ::_exit(1);
                }
            }
            spy::exitBeforeRename(2); // a is replaced, then the process dies
            (void)out.commit();
            ::_exit(2); // not reached
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child did not die at its second rename");
        QCOMPARE(readText(folder / "a.exr"), std::string("new a.exr"));
        QCOMPARE(readText(folder / "b.png"), std::string("old b.png"));
        QCOMPARE(readText(folder / "c.json"), std::string("old c.json"));
        QVERIFY(names(folder).size() > 3); // its temporaries and backups are still there

        // The next write into the folder removes what the dead process left behind.
        const std::string text = "x";
        HDR_VERIFY_OK(writeFileAtomically(
            folder / "x.txt", {reinterpret_cast<const std::byte*>(text.data()), text.size()}, false));
        QCOMPARE(names(folder), (std::vector<std::string>{"a.exr", "b.png", "c.json", "x.txt"}));
        QCOMPARE(readText(folder / "b.png"), std::string("old b.png"));
    }
};

HDR_TEST_MAIN(TestOutputSet)
#include "tst_outputset.moc"
