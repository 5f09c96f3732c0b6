// The event reader on files a crash, a disk fault or an attacker produced: truncated tails,
// damaged checksums, malformed protobufs, absurd lengths, files that shrink.

#include "tensorboard/EventReader.h"

#include "TensorBoardTestSupport.h"

#include <cstdint>
#include <filesystem>
#include <string>

using namespace hdr::tensorboard;
using namespace hdr::test::tensorboard;
using hdr::core::ErrorCode;
namespace fs = std::filesystem;

class TestTensorBoardDamage : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void truncatedTailWaits()
    {
        const fs::path file = tempPath(m_dir, "events.out.tfevents.tail");
        writeBytes(file, smallFile(3));
        EventFileFollower follower(file);
        auto first = follower.poll();
        HDR_VERIFY_OK(first);
        QCOMPARE(first->scalars.size(), std::size_t(3));
        const std::string record = scalarRecord("x", 3.0f, 3);
        for (std::size_t i = 0; i < record.size(); ++i) {
            appendBytes(file, record.substr(i, 1));
            auto batch = follower.poll();
            HDR_VERIFY_OK(batch);
            QVERIFY(batch->problems.empty());
            QCOMPARE(batch->scalars.size(), i + 1 == record.size() ? std::size_t(1) : std::size_t(0));
        }
        // A one-shot read of a file cut mid-record returns the complete records.
        const std::string whole = smallFile(5);
        for (std::size_t cut = 0; cut <= whole.size(); cut += 7) {
            auto batch = readEventBytes(std::string_view(whole).substr(0, cut), "cut");
            HDR_VERIFY_OK(batch);
            QVERIFY(batch->problems.empty() && batch->caughtUp);
        }
    }

    void damagedPayloadIsSkipped()
    {
        const fs::path file = tempPath(m_dir, "events.out.tfevents.payload");
        std::string bytes = smallFile(2);
        const std::size_t damagedAt = bytes.size();
        std::string bad = scalarRecord("x", 99.0f, 99);
        bad[kRecordHeaderBytes + 3] ^= 0x10;
        bytes += bad + scalarRecord("x", 2.0f, 2);
        writeBytes(file, bytes);
        auto batch = readEventFile(file);
        HDR_VERIFY_OK(batch);
        QCOMPARE(batch->scalars.size(), std::size_t(3)); // steps 0, 1 and 2: reading went on after it
        QCOMPARE(batch->scalars.back().step, std::int64_t(2));
        QCOMPARE(batch->problems.size(), std::size_t(1));
        const auto& problem = batch->problems.front();
        QCOMPARE(problem.code, ErrorCode::CorruptData);
        QVERIFY2(mentions(problem, "byte offset " + std::to_string(damagedAt)), problem.message.c_str());
        QVERIFY2(mentions(problem, "events.out.tfevents.payload"), problem.message.c_str());
        QCOMPARE(problem.where, file.string());
        // A record with good checksums but a malformed protobuf inside is skipped the same way.
        const std::string garbage = frameRecord("\x0a\xff\xff\xff\x7f trailing");
        auto parsed = readEventBytes(smallFile(1) + garbage + scalarRecord("x", 5.0f, 5), "garbage");
        HDR_VERIFY_OK(parsed);
        QCOMPARE(parsed->scalars.size(), std::size_t(2));
        QCOMPARE(parsed->problems.size(), std::size_t(1));
        QVERIFY2(mentions(parsed->problems[0], "was skipped"), parsed->problems[0].message.c_str());
    }

    void damagedLengthStopsTheReader()
    {
        const fs::path file = tempPath(m_dir, "events.out.tfevents.length");
        std::string bytes = smallFile(2);
        const std::size_t damagedAt = bytes.size();
        std::string bad = scalarRecord("x", 2.0f, 2);
        bad[1] ^= 0x01; // length 0x??01: its checksum no longer matches
        bytes += bad + scalarRecord("x", 3.0f, 3);
        writeBytes(file, bytes);
        EventFileFollower follower(file);
        auto first = follower.poll();
        HDR_VERIFY_OK(first); // the records before the damage come back, with the error last
        QCOMPARE(first->scalars.size(), std::size_t(2));
        QCOMPARE(first->problems.size(), std::size_t(1));
        QVERIFY(!first->caughtUp);
        for (int i = 0; i < 2; ++i) {
            auto again = follower.poll();
            QVERIFY(!again);
            QCOMPARE(again.error().code, ErrorCode::CorruptData);
            QVERIFY2(mentions(again.error(), "byte offset " + std::to_string(damagedAt)),
                     again.error().message.c_str());
            QCOMPARE(follower.offset(), std::uint64_t(damagedAt));
        }
    }

    // A length field claiming 2^60 bytes, with a valid checksum: refused without allocating it.
    void absurdLengthsAreRefused()
    {
        for (std::uint64_t length : {std::uint64_t(1) << 60, ~std::uint64_t(0), std::uint64_t(300) << 20}) {
            const std::string record = recordHeader(length) + "a few bytes, nowhere near the claimed length";
            auto batch = readEventBytes(smallFile(1) + record, "huge");
            HDR_VERIFY_OK(batch);
            QCOMPARE(batch->scalars.size(), std::size_t(1));
            QCOMPARE(batch->problems.size(), std::size_t(1));
            QCOMPARE(batch->problems[0].code, ErrorCode::LimitExceeded);
            QVERIFY2(mentions(batch->problems[0], "claims " + std::to_string(length) + " bytes"),
                     batch->problems[0].message.c_str());
            auto alone = readEventBytes(record, "huge");
            QVERIFY(!alone);
            QCOMPARE(alone.error().code, ErrorCode::LimitExceeded);
        }
        // Under the limit but longer than the file: an incomplete tail, waited on, nothing allocated.
        auto waiting =
            readEventBytes(smallFile(1) + recordHeader(std::uint64_t(128) << 20) + "partial", "pending");
        HDR_VERIFY_OK(waiting);
        QVERIFY(waiting->problems.empty() && waiting->caughtUp);
        QCOMPARE(waiting->scalars.size(), std::size_t(1));
        // A lower limit set by the caller applies the same way.
        ReaderOptions small;
        small.maxRecordBytes = 64;
        auto limited = readEventBytes(smallFile(1) + frameRecord(std::string(65, 'x')), "small", small);
        HDR_VERIFY_OK(limited);
        QCOMPARE(limited->problems.back().code, ErrorCode::LimitExceeded);
    }

    void shrunkFileIsAnError()
    {
        const fs::path file = tempPath(m_dir, "events.out.tfevents.shrink");
        writeBytes(file, smallFile(4));
        EventFileFollower follower(file);
        HDR_VERIFY_OK(follower.poll());
        writeBytes(file, smallFile(1));
        auto batch = follower.poll();
        QVERIFY(!batch);
        QCOMPARE(batch.error().code, ErrorCode::CorruptData);
        QVERIFY(!readEventFile(tempPath(m_dir, "missing.tfevents")));
    }
};

HDR_TEST_MAIN(TestTensorBoardDamage)
#include "tst_tensorboard_damage.moc"
