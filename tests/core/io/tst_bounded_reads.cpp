// Allocation is bounded by what a file can hold, per format: a small file (here 100 bytes to
// 64 KB) whose header claims 16000 x 16000 pixels (within ImageLimits, 3 GB as float RGB) must be
// refused as CorruptData naming the claim and the file size, before the reader allocates for it.
//
// Each read runs in the bounded_read helper under a 512 MiB address-space limit (RLIMIT_AS), so
// an attempted allocation of the claimed size fails there instead of succeeding on a machine
// with memory to spare: without the bound a reader ends in "not enough memory" (LimitExceeded),
// an escaped std::bad_alloc (a crash) or a late "truncated" error, all of which fail this test.
// The same files before they were made hostile must decode under the same limit (control).
#include "gainmap/UltraHdrContainer.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"
#include "io/UltraHdr.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <functional>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kClaim = 16000; // pixels on a side

ImageF testImage(int width, int height)
{
    ImageF image(width, height, 3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            float* p = image.pixel(x, y);
            p[0] = float(x) / float(width) * 2.0f;
            p[1] = float(y) / float(height);
            p[2] = 0.25f + 0.5f * std::sin(float(x + y) * 0.3f) * 0.5f;
        }
    }
    return image;
}

void putU16be(std::vector<char>& b, std::size_t at, std::uint32_t v)
{
    b[at] = char(v >> 8);
    b[at + 1] = char(v & 0xFF);
}

struct LittleEndianWriter {
    std::vector<char> bytes;
    void u8(unsigned v) { bytes.push_back(char(v)); }
    void u16(unsigned v)
    {
        u8(v & 0xFF);
        u8((v >> 8) & 0xFF);
    }
    void u32(std::uint32_t v)
    {
        u16(v & 0xFFFF);
        u16(v >> 16);
    }
    void u64(std::uint64_t v)
    {
        u32(std::uint32_t(v));
        u32(std::uint32_t(v >> 32));
    }
    void text(const std::string& s, bool terminate = true)
    {
        bytes.insert(bytes.end(), s.begin(), s.end());
        if (terminate) {
            u8(0);
        }
    }
};

// Walks the marker segments of the JPEG starting at `at` and sets its frame size (SOF0..SOF2).
bool patchJpegFrame(std::vector<char>& b, std::size_t at, std::uint32_t width, std::uint32_t height)
{
    std::size_t i = at + 2; // after SOI
    while (i + 9 < b.size() && std::uint8_t(b[i]) == 0xFF) {
        const unsigned marker = std::uint8_t(b[i + 1]);
        const std::size_t length = (std::size_t(std::uint8_t(b[i + 2])) << 8) | std::uint8_t(b[i + 3]);
        if (marker >= 0xC0 && marker <= 0xC2) {
            putU16be(b, i + 5, height);
            putU16be(b, i + 7, width);
            return true;
        }
        i += 2 + length;
    }
    return false;
}

// A hand-made OpenEXR header: ZIP, R/G/B half, the given data window, and a chunk table of
// `chunks` entries pointing at one tiny chunk.
std::vector<char> exrFile(std::uint32_t width, std::uint32_t height, std::uint32_t chunks)
{
    LittleEndianWriter w;
    w.u32(20000630); // magic
    w.u32(2);        // version 2, single-part scanline
    auto attribute = [&](const std::string& name, const std::string& type, std::uint32_t size) {
        w.text(name);
        w.text(type);
        w.u32(size);
    };
    attribute("channels", "chlist", 3 * (2 + 16) + 1);
    for (const char* c : {"B", "G", "R"}) {
        w.text(c);
        w.u32(1); // HALF
        w.u32(0); // pLinear + reserved
        w.u32(1);
        w.u32(1); // sampling
    }
    w.u8(0);
    attribute("compression", "compression", 1);
    w.u8(3); // ZIP
    for (const char* window : {"dataWindow", "displayWindow"}) {
        attribute(window, "box2i", 16);
        w.u32(0);
        w.u32(0);
        w.u32(width - 1);
        w.u32(height - 1);
    }
    attribute("lineOrder", "lineOrder", 1);
    w.u8(0);
    attribute("pixelAspectRatio", "float", 4);
    w.u32(0x3f800000);
    attribute("screenWindowCenter", "v2f", 8);
    w.u64(0);
    attribute("screenWindowWidth", "float", 4);
    w.u32(0x3f800000);
    w.u8(0); // end of header
    const std::uint64_t chunkAt = w.bytes.size() + std::uint64_t(chunks) * 8;
    for (std::uint32_t i = 0; i < chunks; ++i) {
        w.u64(chunkAt);
    }
    w.u32(0);  // y of the one chunk
    w.u32(16); // its size
    w.bytes.resize(w.bytes.size() + 16, 0);
    return w.bytes;
}

// A PNG of the given size whose IDAT holds a little zlib data.
std::vector<char> pngFile(std::uint32_t width, std::uint32_t height)
{
    std::vector<char> b = {char(0x89), 'P', 'N', 'G', '\r', '\n', char(0x1A), '\n'};
    auto chunk = [&](const char* type, const std::vector<unsigned char>& data) {
        const auto be32 = [&](std::uint32_t v) {
            for (int s = 24; s >= 0; s -= 8) {
                b.push_back(char((v >> s) & 0xFF));
            }
        };
        be32(std::uint32_t(data.size()));
        std::vector<unsigned char> typed(type, type + 4);
        typed.insert(typed.end(), data.begin(), data.end());
        b.insert(b.end(), typed.begin(), typed.end());
        be32(std::uint32_t(crc32(0, typed.data(), uInt(typed.size()))));
    };
    std::vector<unsigned char> ihdr(13, 0);
    for (int i = 0; i < 4; ++i) {
        ihdr[std::size_t(i)] = (width >> (24 - 8 * i)) & 0xFF;
        ihdr[std::size_t(4 + i)] = (height >> (24 - 8 * i)) & 0xFF;
    }
    ihdr[8] = 8; // bits
    ihdr[9] = 2; // RGB
    chunk("IHDR", ihdr);
    std::vector<unsigned char> raw(4096, 0);
    std::vector<unsigned char> packed(compressBound(uLong(raw.size())));
    uLongf packedSize = uLongf(packed.size());
    compress(packed.data(), &packedSize, raw.data(), uLong(raw.size()));
    packed.resize(packedSize);
    chunk("IDAT", packed);
    chunk("IEND", {});
    return b;
}

// A classic TIFF: width x height 8-bit RGB, uncompressed, one strip whose byte count claims all.
std::vector<char> tiffFile(std::uint32_t width, std::uint32_t height)
{
    LittleEndianWriter w;
    w.text("II", false);
    w.u16(42);
    w.u32(8);
    const std::pair<unsigned, std::uint32_t> entries[] = {{256, width},
                                                          {257, height},
                                                          {258, 8},
                                                          {259, 1},
                                                          {262, 2},
                                                          {273, 200},
                                                          {277, 3},
                                                          {278, height},
                                                          {279, width * height * 3}};
    w.u16(9);
    for (auto [tag, value] : entries) {
        w.u16(tag);
        w.u16(4); // LONG
        w.u32(1);
        w.u32(value);
    }
    w.u32(0);
    w.bytes.resize(1400, 0);
    return w.bytes;
}

struct BoundedRead {
    bool finished = false; // exited normally (no crash, no abort, no timeout)
    int exitCode = -1;
    QString line;
    QString errors;
};

BoundedRead readUnderLimit(const fs::path& file)
{
    QProcess process;
    process.start(QStringLiteral(HDR_BOUNDED_READ_PATH), {QString::fromStdString(file.string())});
    BoundedRead result;
    result.finished = process.waitForFinished(120000) && process.exitStatus() == QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.line = QString::fromUtf8(process.readAllStandardOutput()).trimmed();
    result.errors = QString::fromUtf8(process.readAllStandardError()).trimmed();
    return result;
}

} // namespace

class TestBoundedReads : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path file(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const ImageF image = testImage(64, 48);

        // Controls: small valid files of every format.
        HDR_VERIFY_OK(writeImage(image, file("ok.hdr")));
        HDR_VERIFY_OK(writeImage(image, file("ok.exr")));
        HDR_VERIFY_OK(writeImage(image, file("ok.png")));
        HDR_VERIFY_OK(writeImage(image, file("ok.jpg")));
        WriteOptions u8;
        u8.sampleType = SampleType::U8;
        HDR_VERIFY_OK(writeImage(image, file("ok.tif"), u8));
        UltraHdrWriteOptions rgbMap; // a 3-channel map: 16000 x 16000 of it is 768 MB
        rgbMap.encode.channels = 3;
        HDR_VERIFY_OK(writeUltraHdr(image, nullptr, file("ok-ultrahdr.jpg"), rgbMap));

        // Radiance: 64 KB of scanline bytes after a header claiming 16000 x 16000 (enough for
        // 4 bytes per scanline, nowhere near 16000 pixels each).
        std::string header = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 16000 +X 16000\n";
        std::vector<char> rgbe(header.begin(), header.end());
        for (int i = 0; i < 16384; ++i) {
            rgbe.insert(rgbe.end(), {2, 2, 0x3E, char(0x80)});
        }
        hdr::test::writeAll(file("huge.hdr"), rgbe);

        hdr::test::writeAll(file("huge.exr"), exrFile(kClaim, kClaim, kClaim / 16));
        hdr::test::writeAll(file("huge.png"), pngFile(kClaim, kClaim));
        hdr::test::writeAll(file("huge.tif"), tiffFile(kClaim, kClaim));

        std::vector<char> jpeg = hdr::test::readAll(file("ok.jpg"));
        QVERIFY(patchJpegFrame(jpeg, 0, kClaim, kClaim));
        hdr::test::writeAll(file("huge.jpg"), jpeg);

        // Ultra HDR: the gain map's own frame claims 16000 x 16000; the base stays 64 x 48.
        std::vector<char> ultra = hdr::test::readAll(file("ok-ultrahdr.jpg"));
        const std::span<const std::uint8_t> ultraBytes(reinterpret_cast<const std::uint8_t*>(ultra.data()),
                                                       ultra.size());
        auto parts = findGainMapJpeg(ultraBytes);
        HDR_VERIFY_OK(parts);
        const std::size_t mapAt = std::size_t(parts->gainMap.data() - ultraBytes.data());
        m_gainMapBytes = parts->gainMap.size();
        QVERIFY(patchJpegFrame(ultra, mapAt, kClaim, kClaim));
        hdr::test::writeAll(file("huge-gainmap.jpg"), ultra);
    }

    void smallValidFilesDecodeUnderTheLimit_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name : {"ok.hdr", "ok.exr", "ok.png", "ok.jpg", "ok.tif", "ok-ultrahdr.jpg"}) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }
    void smallValidFilesDecodeUnderTheLimit()
    {
        QFETCH(QString, name);
        const BoundedRead r = readUnderLimit(file(name.toStdString()));
        if (r.finished && r.exitCode == 77) {
            QSKIP(qPrintable(r.line)); // a sanitizer build: no address-space limit possible
        }
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(r.line + QLatin1Char('\n') + r.errors));
        QCOMPARE(r.line, QStringLiteral("ok 64x48"));
    }

    void smallFileClaimingAHugeImageIsRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<qint64>("bytes"); // the byte count the message must name
        for (const char* name : {"huge.hdr", "huge.exr", "huge.png", "huge.jpg", "huge.tif"}) {
            QTest::newRow(name) << QString::fromLatin1(name) << qint64(fs::file_size(file(name)));
        }
        QTest::newRow("huge-gainmap.jpg") << QStringLiteral("huge-gainmap.jpg") << qint64(m_gainMapBytes);
    }
    void smallFileClaimingAHugeImageIsRefused()
    {
        QFETCH(QString, name);
        QFETCH(qint64, bytes);
        const fs::path path = file(name.toStdString());
        QVERIFY(fs::file_size(path) <= 65536 + 256);
        const BoundedRead r = readUnderLimit(path);
        if (r.finished && r.exitCode == 77) {
            QSKIP(qPrintable(r.line)); // a sanitizer build: no address-space limit possible
        }
        QVERIFY2(r.finished && r.exitCode == 0,
                 qPrintable(QStringLiteral("the reader crashed under the limit: ") + r.line +
                            QLatin1Char('\n') + r.errors));
        QVERIFY2(r.line.startsWith(QStringLiteral("error corrupt data\t")), qPrintable(r.line));
        QVERIFY2(r.line.contains(QStringLiteral("16000 x 16000")), qPrintable(r.line));
        QVERIFY2(r.line.contains(QStringLiteral(" %1 bytes").arg(bytes)), qPrintable(r.line));
        QVERIFY2(r.line.contains(QString::fromStdString(path.filename().string())), qPrintable(r.line));
    }

private:
    std::size_t m_gainMapBytes = 0;
};

HDR_TEST_MAIN(TestBoundedReads)
#include "tst_bounded_reads.moc"
