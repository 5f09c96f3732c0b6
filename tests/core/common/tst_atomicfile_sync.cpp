// What AtomicOutputFile asks of the kernel, observed through SyscallSpy (fsync and renameat2
// interposed): the data is synced before the rename, under the temporary name, and the folder
// after it, so that neither a half-written file nor a lost rename can follow a power cut.
#include "SyscallSpy.h"
#include "common/AtomicFile.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <fstream>

using namespace hdr::core;
namespace fs = std::filesystem;
namespace spy = hdr::test::spy;

class TestAtomicFileSync : public QObject {
    Q_OBJECT

    static std::string describe(const std::vector<spy::Call>& calls)
    {
        std::string text;
        for (const auto& c : calls) {
            text += c.name + " " + c.path + (c.from.empty() ? "" : " <- " + c.from) + "\n";
        }
        return text;
    }

private slots:
    void dataIsSyncedBeforeTheRenameAndTheFolderAfterIt()
    {
        QTemporaryDir dir;
        const fs::path folder = fs::canonical(dir.path().toStdString());
        const fs::path p = folder / "out.bin";
        auto out = AtomicOutputFile::create(p, false);
        QVERIFY(out.has_value());
        std::ofstream(out->tempPath()) << "data";
        const fs::path temp = out->tempPath();
        spy::clear();
        HDR_VERIFY_OK(out->commit());
        const auto calls = spy::calls();
        const std::string trace = describe(calls);
        QVERIFY2(calls.size() == 3, trace.c_str());
        QCOMPARE(calls[0].name, std::string("fsync"));
        QCOMPARE(fs::path(calls[0].path), temp); // the file's data, still under its temporary name
        QCOMPARE(calls[1].name, std::string("rename"));
        QCOMPARE(fs::path(calls[1].from), temp);
        QCOMPARE(fs::path(calls[1].path), p);
        QCOMPARE(calls[2].name, std::string("fsync"));
        QCOMPARE(fs::path(calls[2].path), folder); // the folder entry that now names it
    }

    void failedRenameDoesNotPretendToSucceed()
    {
        QTemporaryDir dir;
        const fs::path folder = fs::canonical(dir.path().toStdString());
        const fs::path p = folder / "out.bin";
        auto out = AtomicOutputFile::create(p, false);
        QVERIFY(out.has_value());
        std::ofstream(p) << "appeared meanwhile";
        spy::clear();
        auto committed = out->commit();
        QVERIFY(!committed);
        QCOMPARE(committed.error().code, ErrorCode::AlreadyExists);
        const auto calls = spy::calls();
        QVERIFY2(calls.size() == 2, describe(calls).c_str()); // fsync, the refused rename; no folder sync
        QCOMPARE(calls[1].name, std::string("rename"));
    }

    void writeFileAtomicallySyncsToo()
    {
        QTemporaryDir dir;
        const fs::path folder = fs::canonical(dir.path().toStdString());
        spy::clear();
        const std::string text = "hello";
        HDR_VERIFY_OK(writeFileAtomically(
            folder / "a.txt", {reinterpret_cast<const std::byte*>(text.data()), text.size()}, false));
        const auto calls = spy::calls();
        QVERIFY2(calls.size() == 3, describe(calls).c_str());
        QCOMPARE(calls[0].name, std::string("fsync"));
        QCOMPARE(calls[2].name + " " + calls[2].path, "fsync " + folder.string());
    }
};

HDR_TEST_MAIN(TestAtomicFileSync)
#include "tst_atomicfile_sync.moc"
