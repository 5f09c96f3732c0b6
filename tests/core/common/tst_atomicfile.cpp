#include "common/AtomicFile.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <fstream>

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
