// hdr_tensorboard against an independent implementation: tensorboard_peer.py builds and parses
// Event/Summary messages with the protobuf runtime (Debian python3-protobuf) and frames them with
// its own CRC-32C. Files it writes must read back exactly; files we write must parse there.

#include "tensorboard/EventReader.h"
#include "tensorboard/EventWriter.h"

#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace hdr::tensorboard;
namespace fs = std::filesystem;

namespace {

// What the peer printed, parsed back into our structs.
struct PeerOutput {
    std::vector<std::string> versions;
    std::vector<ScalarPoint> scalars;
    std::vector<ImageRecord> images;
    std::vector<std::uint64_t> problemOffsets;
    std::int64_t events = -1;
};

std::string fromHex(const QString& text)
{
    const QByteArray bytes = QByteArray::fromHex(text.toLatin1());
    return std::string(bytes.constData(), std::size_t(bytes.size()));
}

double number(const QString& text)
{
    return std::strtod(text.toLatin1().constData(), nullptr); // C locale (fixture): "nan", "inf", "-0.0"
}

PeerOutput parsePeer(const QByteArray& stdoutBytes)
{
    PeerOutput out;
    for (const QByteArray& line : stdoutBytes.split('\n')) {
        const QStringList f = QString::fromUtf8(line).split(QLatin1Char('\t'));
        if (f.size() == 2 && f[0] == QLatin1String("version")) {
            out.versions.push_back(f[1].toStdString());
        } else if (f.size() == 5 && f[0] == QLatin1String("scalar")) {
            out.scalars.push_back({f[1].toStdString(), f[2].toLongLong(), number(f[3]), number(f[4])});
        } else if (f.size() == 9 && f[0] == QLatin1String("image")) {
            ImageRecord image;
            image.tag = f[1].toStdString();
            image.step = f[2].toLongLong();
            image.wallTime = number(f[3]);
            image.width = f[4].toLongLong();
            image.height = f[5].toLongLong();
            image.channels = f[6].toLongLong();
            image.sample = f[7].toInt();
            image.encoded = fromHex(f[8]);
            out.images.push_back(std::move(image));
        } else if (f.size() == 2 && f[0] == QLatin1String("problem")) {
            out.problemOffsets.push_back(f[1].toULongLong());
        } else if (f.size() == 2 && f[0] == QLatin1String("events")) {
            out.events = f[1].toLongLong();
        }
    }
    return out;
}

bool sameNumber(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

} // namespace

class TestTensorBoardPeer : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    // Runs the peer; skips the test when python3 or its protobuf module is absent.
    QByteArray runPeer(const QString& mode, const fs::path& file)
    {
        QProcess p;
        p.start(QStringLiteral(HDR_PYTHON3),
                {QStringLiteral(HDR_TENSORBOARD_PEER), mode, QString::fromStdString(file.string())});
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

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void weReadWhatThePeerWrites()
    {
        const fs::path file = fs::path(m_dir.path().toStdString()) / "events.out.tfevents.1718000000.peer";
        const QByteArray output = runPeer(QStringLiteral("write"), file);
        if (output.startsWith("skip: ")) QSKIP(output.constData() + 6);
        QVERIFY2(!output.startsWith("fail: "), output.constData());
        const PeerOutput expected = parsePeer(output);
        QVERIFY(expected.scalars.size() > 300 && expected.images.size() == 6);

        auto batch = readEventFile(file);
        HDR_VERIFY_OK(batch);
        EventFileFollower follower(file);
        HDR_VERIFY_OK(follower.poll());
        QCOMPARE(std::vector<std::string>{follower.fileVersion()}, expected.versions);

        QCOMPARE(batch->scalars.size(), expected.scalars.size());
        for (std::size_t i = 0; i < expected.scalars.size(); ++i) {
            const auto& got = batch->scalars[i];
            const auto& want = expected.scalars[i];
            const QByteArray where =
                QByteArray::fromStdString(want.tag + " step " + std::to_string(want.step));
            QVERIFY2(got.tag == want.tag && got.step == want.step, where.constData());
            QVERIFY2(got.wallTime == want.wallTime, where.constData());
            QVERIFY2(sameNumber(got.value, want.value),
                     qPrintable(QStringLiteral("%1: %2 vs %3")
                                    .arg(QString::fromLatin1(where))
                                    .arg(got.value)
                                    .arg(want.value)));
        }
        QCOMPARE(batch->images.size(), expected.images.size());
        for (std::size_t i = 0; i < expected.images.size(); ++i) {
            const auto& got = batch->images[i];
            const auto& want = expected.images[i];
            QCOMPARE(got.tag, want.tag);
            QCOMPARE(got.step, want.step);
            QCOMPARE(got.wallTime, want.wallTime);
            QCOMPARE(got.width, want.width);
            QCOMPARE(got.height, want.height);
            QCOMPARE(got.channels, want.channels);
            QCOMPARE(got.sample, want.sample);
            QVERIFY(got.encoded == want.encoded);
        }
        // The record the peer damaged on purpose, and nothing else; the cut-off tail is no error.
        QCOMPARE(batch->problems.size(), expected.problemOffsets.size());
        for (std::size_t i = 0; i < batch->problems.size(); ++i) {
            const std::string offset = "byte offset " + std::to_string(expected.problemOffsets[i]) + " ";
            QVERIFY2(batch->problems[i].message.find(offset) != std::string::npos,
                     batch->problems[i].message.c_str());
        }
        QVERIFY(batch->caughtUp);
    }

    // The peer's file copied over in random slices while a follower polls: the same records as
    // one read, whatever the slice boundaries.
    void followingThePeerFileInSlices()
    {
        const fs::path source =
            fs::path(m_dir.path().toStdString()) / "events.out.tfevents.1718000000.slices";
        const QByteArray output = runPeer(QStringLiteral("write"), source);
        if (output.startsWith("skip: ")) QSKIP(output.constData() + 6);
        QVERIFY2(!output.startsWith("fail: "), output.constData());
        const PeerOutput expected = parsePeer(output);
        const auto bytes = hdr::test::readAll(source);
        const fs::path growing = fs::path(m_dir.path().toStdString()) / "events.out.tfevents.growing";
        hdr::test::writeAll(growing, {});
        EventFileFollower follower(growing);
        std::mt19937 rng(17);
        std::size_t written = 0, scalars = 0, images = 0, problems = 0;
        while (written < bytes.size()) {
            const std::size_t n = std::min(bytes.size() - written, std::size_t(1 + rng() % 700));
            std::ofstream(growing, std::ios::binary | std::ios::app)
                .write(bytes.data() + written, std::streamsize(n));
            written += n;
            auto batch = follower.poll();
            HDR_VERIFY_OK(batch);
            scalars += batch->scalars.size();
            images += batch->images.size();
            problems += batch->problems.size();
        }
        QCOMPARE(scalars, expected.scalars.size());
        QCOMPARE(images, expected.images.size());
        QCOMPARE(problems, expected.problemOffsets.size());
    }

    void thePeerReadsWhatWeWrite()
    {
        auto writer =
            EventWriter::create(fs::path(m_dir.path().toStdString()) / "ours", {".hdr", "test-host"});
        HDR_VERIFY_OK(writer);
        std::mt19937 rng(23);
        std::uniform_real_distribution<double> value(-100.0, 100.0);
        PeerOutput wrote;
        wrote.versions.push_back("brain.Event:2");
        std::int64_t records = 1; // the version event, then one per add call
        for (std::int64_t step = -2; step < 500; ++step) {
            const std::int64_t s = step < 495 ? step : (std::int64_t(1) << 50) + step;
            const double wall = 1.7e9 + double(step) / 3.0;
            const double v = step == 0 ? std::nan("") : value(rng);
            HDR_VERIFY_OK(writer->addScalar("train/loss", v, s, wall));
            ++records;
            wrote.scalars.push_back({"train/loss", s, wall, double(float(v))});
            if (step % 7 == 0) {
                const NamedScalar pair[] = {{"lr", 1e-4}, {"grad/norm", 1e39}}; // 1e39: beyond float, inf
                HDR_VERIFY_OK(writer->addScalars(pair, s, wall));
                ++records;
                wrote.scalars.push_back({"lr", s, wall, double(1e-4f)});
                wrote.scalars.push_back({"grad/norm", s, wall, double(float(1e39))});
            }
            if (step % 100 == 0) {
                std::string png(std::size_t(1 + rng() % 4000), '\0');
                for (char& c : png)
                    c = char(rng());
                const int channels = int(1 + rng() % 4);
                HDR_VERIFY_OK(writer->addImage("samples", png, 320, 200, channels, s, wall));
                ++records;
                ImageRecord image;
                image.tag = "samples";
                image.step = s;
                image.wallTime = wall;
                image.encoded = png;
                image.width = 320;
                image.height = 200;
                image.channels = channels;
                wrote.images.push_back(image);
            }
        }
        HDR_VERIFY_OK(writer->close());

        const QByteArray output = runPeer(QStringLiteral("read"), writer->file());
        if (output.startsWith("skip: ")) QSKIP(output.constData() + 6);
        QVERIFY2(!output.startsWith("fail: "), output.constData());
        const PeerOutput read = parsePeer(output);
        QCOMPARE(read.versions, wrote.versions);
        QCOMPARE(read.scalars.size(), wrote.scalars.size());
        for (std::size_t i = 0; i < wrote.scalars.size(); ++i) {
            QCOMPARE(read.scalars[i].tag, wrote.scalars[i].tag);
            QCOMPARE(read.scalars[i].step, wrote.scalars[i].step);
            QCOMPARE(read.scalars[i].wallTime, wrote.scalars[i].wallTime);
            QVERIFY(sameNumber(read.scalars[i].value, wrote.scalars[i].value));
        }
        QCOMPARE(read.images.size(), wrote.images.size());
        for (std::size_t i = 0; i < wrote.images.size(); ++i) {
            QCOMPARE(read.images[i].tag, wrote.images[i].tag);
            QCOMPARE(read.images[i].step, wrote.images[i].step);
            QCOMPARE(read.images[i].width, wrote.images[i].width);
            QCOMPARE(read.images[i].height, wrote.images[i].height);
            QCOMPARE(read.images[i].channels, wrote.images[i].channels);
            QVERIFY(read.images[i].encoded == wrote.images[i].encoded);
        }
        QCOMPARE(read.events, records);
    }
};

HDR_TEST_MAIN(TestTensorBoardPeer)
#include "tst_tensorboard_peer.moc"
