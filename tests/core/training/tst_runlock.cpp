// The run folder's lock: one trainer per folder, stale locks of dead processes taken over.
#include "support/TestSupport.h"

#include "runlog/RunFolder.h"
#include "training/RunLock.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

// The pid of a process that has ended (and been reaped), so kill(pid, 0) fails.
long deadPid()
{
    const pid_t child = ::fork();
    if (child == 0) {
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return long(child);
}

void writeLock(const fs::path& runDir, long pid, const std::string& host)
{
    std::ofstream(runlog::RunPaths(runDir).lock())
        << nlohmann::json{{"pid", pid}, {"host", host}, {"started", "2026-01-01T00:00:00.000+00:00"}}.dump();
}

} // namespace

class TestRunLock : public QObject {
    Q_OBJECT

private slots:
    void secondLockIsRefusedUntilReleased()
    {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        auto first = training::RunLock::acquire(dir);
        HDR_VERIFY_OK(first);
        const auto holder = training::readLockHolder(runlog::RunPaths(dir).lock());
        QVERIFY(holder);
        QCOMPARE(holder->pid, long(::getpid()));
        QCOMPARE(holder->host, training::thisHostName());

        auto second = training::RunLock::acquire(dir);
        QVERIFY(!second);
        QCOMPARE(second.error().code, core::ErrorCode::AlreadyExists);
        QVERIFY(second.error().message.find(std::to_string(::getpid())) != std::string::npos);

        first->release();
        QVERIFY(!fs::exists(runlog::RunPaths(dir).lock()));
        auto third = training::RunLock::acquire(dir);
        HDR_VERIFY_OK(third);
    }

    void lockOfALiveProcessIsRefused()
    {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        writeLock(dir, long(::getppid()), training::thisHostName()); // our parent lives
        auto lock = training::RunLock::acquire(dir);
        QVERIFY(!lock);
        QCOMPARE(lock.error().code, core::ErrorCode::AlreadyExists);
    }

    void staleLockIsTakenOverAndSaysSo()
    {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        const long dead = deadPid();
        QVERIFY(!training::processIsAlive(dead));
        writeLock(dir, dead, training::thisHostName());
        std::string note;
        auto lock = training::RunLock::acquire(dir, &note);
        HDR_VERIFY_OK(lock);
        QVERIFY2(note.find("stale") != std::string::npos, note.c_str());
        QVERIFY2(note.find(std::to_string(dead)) != std::string::npos, note.c_str());
        QCOMPARE(training::readLockHolder(lock->file())->pid, long(::getpid()));
        // No takeover gate or temporary holder files are left behind.
        int entries = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) {
            ++entries;
        }
        QCOMPARE(entries, 1);
    }

    void lockFromAnotherHostIsRefused()
    {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        writeLock(dir, deadPid(), "some-other-host.example");
        auto lock = training::RunLock::acquire(dir);
        QVERIFY(!lock);
        QVERIFY(lock.error().message.find("some-other-host.example") != std::string::npos);
        QVERIFY(lock.error().message.find("delete the lock file") != std::string::npos);
    }

    void recentUnreadableLockIsRefusedOldOneTakenOver()
    {
        QTemporaryDir tmp;
        const fs::path dir(tmp.path().toStdString());
        const fs::path file = runlog::RunPaths(dir).lock();
        std::ofstream(file) << "{garbage";
        QVERIFY(!training::RunLock::acquire(dir));
        fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::minutes(5));
        std::string note;
        auto lock = training::RunLock::acquire(dir, &note);
        HDR_VERIFY_OK(lock);
        QVERIFY(!note.empty());
    }
};

HDR_TEST_MAIN(TestRunLock)
#include "tst_runlock.moc"
