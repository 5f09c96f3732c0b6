// PNG reader/writer: round trips at 8 and 16 bits, grey/palette/low-bit inputs built here byte by
// byte, cICP for PQ/HLG, iCCP, text chunks, refusal to overwrite, hostile files.

#include "color/Icc.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <zlib.h>

#include <cmath>
#include <fstream>
#include <random>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

ImageF gradient(int w, int h, int channels, float peak = 1.0f)
{
    ImageF image(w, h, channels);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            float* p = image.pixel(x, y);
            p[0] = peak * float(x) / float(w - 1);
            p[1] = peak * float(y) / float(h - 1);
            p[2] = peak * 0.5f * float((x + y) % 17) / 16.0f;
            if (channels == 4) {
                p[3] = float((x * 7 + y) % 11) / 10.0f;
            }
        }
    }
    return image;
}

using hdr::test::readAll;
using hdr::test::writeAll;

bool contains(const std::vector<char>& bytes, const std::string& needle)
{
    return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
}

// Minimal PNG encoder for test inputs: rows already carry their filter byte (0).
struct PngBuilder {
    std::string bytes = std::string("\x89PNG\r\n\x1a\n", 8);

    void chunk(const char* type, const std::string& data)
    {
        auto be32 = [&](std::uint32_t v) {
            for (int s = 24; s >= 0; s -= 8) {
                bytes.push_back(char((v >> s) & 0xFF));
            }
        };
        be32(std::uint32_t(data.size()));
        const std::string body = std::string(type, 4) + data;
        bytes += body;
        be32(std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
    }
    void ihdr(std::uint32_t w, std::uint32_t h, int depth, int colorType)
    {
        std::string d;
        for (std::uint32_t v : {w, h}) {
            for (int s = 24; s >= 0; s -= 8) {
                d.push_back(char((v >> s) & 0xFF));
            }
        }
        d += char(depth);
        d += char(colorType);
        d += std::string(3, '\0');
        chunk("IHDR", d);
    }
    void idat(const std::string& raw)
    {
        uLongf size = compressBound(uLong(raw.size()));
        std::string out(size, '\0');
        compress(reinterpret_cast<Bytef*>(out.data()),
                 &size,
                 reinterpret_cast<const Bytef*>(raw.data()),
                 uLong(raw.size()));
        out.resize(size);
        chunk("IDAT", out);
    }
    void save(const fs::path& p)
    {
        chunk("IEND", "");
        writeAll(p, std::vector<char>(bytes.begin(), bytes.end()));
    }
};

} // namespace

class TestPng : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path file(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void roundTrip_data()
    {
        // Without ICC the codec alone is measured (sRGB chunk + transfer function); with ICC the
        // colour engine takes part, whose own accuracy tst_icc checks.
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("channels");
        QTest::addColumn<bool>("icc");
        QTest::newRow("8-bit RGB") << 8 << 3 << false;
        QTest::newRow("8-bit RGBA") << 8 << 4 << false;
        QTest::newRow("16-bit RGB") << 16 << 3 << false;
        QTest::newRow("16-bit RGBA") << 16 << 4 << false;
        QTest::newRow("8-bit RGB with ICC") << 8 << 3 << true;
    }
    void roundTrip()
    {
        QFETCH(int, bits);
        QFETCH(int, channels);
        QFETCH(bool, icc);
        const ImageF source = gradient(67, 41, channels);
        const DisplayImage16 encoded = encodeDisplay16(source, Transfer::srgb(), LinearColorSpace{});
        WriteOptions options;
        options.sampleType = bits == 8 ? SampleType::U8 : SampleType::U16;
        options.embedIcc = icc;
        const fs::path path = file("rt" + std::string(QTest::currentDataTag()) + ".png");
        HDR_VERIFY_OK(writePngDisplay(encoded, path, options));
        QCOMPARE(QString::fromLatin1(nameOf(sniffFormat(path))),
                 QString::fromLatin1(nameOf(FileFormat::Png)));
        const auto read = readImage(path);
        HDR_VERIFY_OK(read);
        QCOMPARE(read->width(), 67);
        QCOMPARE(read->height(), 41);
        QCOMPARE(read->channels(), channels);
        QCOMPARE(read->metadata.sourceFormat, std::string("PNG"));
        QCOMPARE(read->metadata.sourcePixelType, std::string(bits == 8 ? "uint8" : "uint16"));
        const ImageF back = convertPrimaries(*read, LinearColorSpace{});
        const DisplayImage16 again = encodeDisplay16(back, Transfer::srgb(), LinearColorSpace{});
        int worst = 0;
        for (std::size_t i = 0; i < encoded.pixels.size(); ++i) {
            int expected = encoded.pixels[i];
            int got = again.pixels[i];
            if (bits == 8) {
                expected = int(std::lround(expected * 255.0 / 65535.0));
                got = int(std::lround(got * 255.0 / 65535.0));
            }
            worst = std::max(worst, std::abs(expected - got));
        }
        QVERIFY2(worst <= 1, qPrintable(QStringLiteral("worst difference %1 codes").arg(worst)));
    }

    void expandsGreyPaletteAndLowBitDepths()
    {
        // 8-bit grey 4x2.
        {
            PngBuilder b;
            b.ihdr(4, 2, 8, 0);
            b.idat(std::string("\0\x00\x40\x80\xff", 5) + std::string("\0\x10\x20\x30\x40", 5));
            b.save(file("grey8.png"));
            const auto img = readPng(file("grey8.png"), {});
            HDR_VERIFY_OK(img);
            QCOMPARE(img->channels(), 3);
            QCOMPARE(img->metadata.sourceChannels, std::vector<std::string>{"Y"});
            QCOMPARE(img->pixel(3, 0)[0], 1.0f);
            QCOMPARE(img->pixel(2, 0)[1], img->pixel(2, 0)[0]);
            QVERIFY(std::abs(img->pixel(2, 0)[2] - srgbDecode(128.0f / 255.0f)) < 1e-4f);
        }
        // 16-bit grey + alpha 2x1.
        {
            PngBuilder b;
            b.ihdr(2, 1, 16, 4);
            b.idat(std::string("\0\xff\xff\x80\x00\x00\x00\xff\xff", 9));
            b.save(file("greya16.png"));
            const auto img = readPng(file("greya16.png"), {});
            HDR_VERIFY_OK(img);
            QCOMPARE(img->channels(), 4);
            QCOMPARE(img->pixel(0, 0)[0], 1.0f);
            QVERIFY(std::abs(img->pixel(0, 0)[3] - 32768.0f / 65535.0f) < 1e-6f);
            QCOMPARE(img->pixel(1, 0)[1], 0.0f);
            QCOMPARE(img->pixel(1, 0)[3], 1.0f);
        }
        // 4-bit palette with transparency: 3 pixels with indices 0, 1, 2.
        {
            PngBuilder b;
            b.ihdr(3, 1, 4, 3);
            b.chunk("PLTE", std::string("\xff\x00\x00\x00\xff\x00\x00\x00\xff", 9));
            b.chunk("tRNS", std::string("\xff\x00", 2)); // index 1 transparent, others opaque
            b.idat(std::string("\0\x01\x20", 3));
            b.save(file("palette4.png"));
            const auto img = readPng(file("palette4.png"), {});
            HDR_VERIFY_OK(img);
            QCOMPARE(img->channels(), 4);
            QCOMPARE(img->pixel(0, 0)[0], 1.0f);
            QCOMPARE(img->pixel(0, 0)[3], 1.0f);
            QCOMPARE(img->pixel(1, 0)[1], 1.0f);
            QCOMPARE(img->pixel(1, 0)[3], 0.0f);
            QCOMPARE(img->pixel(2, 0)[2], 1.0f);
        }
        // 1-bit grey 10x1: 1010101010.
        {
            PngBuilder b;
            b.ihdr(10, 1, 1, 0);
            b.idat(std::string("\0\xaa\x80", 3));
            b.save(file("bilevel.png"));
            const auto img = readPng(file("bilevel.png"), {});
            HDR_VERIFY_OK(img);
            QCOMPARE(img->width(), 10);
            for (int x = 0; x < 10; ++x) {
                QCOMPARE(img->pixel(x, 0)[0], x % 2 == 0 ? 1.0f : 0.0f);
            }
        }
    }

    void gammaChunkWithoutSrgbIsAPowerLaw()
    {
        PngBuilder b;
        b.ihdr(1, 1, 8, 0);
        b.chunk("gAMA", std::string("\x00\x00\x9c\x40", 4)); // 40000 -> file gamma 0.4 -> display 2.5
        b.idat(std::string("\0\x80", 2));
        b.save(file("gamma25.png"));
        const auto img = readPng(file("gamma25.png"), {});
        HDR_VERIFY_OK(img);
        QVERIFY(std::abs(img->pixel(0, 0)[0] - std::pow(128.0f / 255.0f, 2.5f)) < 1e-4f);
    }

    void pqWritesCicpAndRoundTrips_data()
    {
        QTest::addColumn<QString>("transfer");
        QTest::addColumn<int>("code");
        QTest::addColumn<float>("peak");
        QTest::newRow("pq") << QStringLiteral("pq") << 16 << 20.0f;
        QTest::newRow("hlg") << QStringLiteral("hlg") << 18 << 3.0f;
    }
    void pqWritesCicpAndRoundTrips()
    {
        QFETCH(QString, transfer);
        QFETCH(int, code);
        QFETCH(float, peak);
        ImageF source = gradient(50, 30, 3, peak);
        for (int i = 0; i < 3; ++i) {
            source.pixel(0, 0)[i] = 0.02f; // keep away from zero for the relative check below
        }
        WriteOptions options;
        options.sampleType = SampleType::U16;
        options.transfer = *Transfer::fromString(transfer.toStdString());
        const fs::path path = file("hdr-" + transfer.toStdString() + ".png");
        HDR_VERIFY_OK(writeImage(source, path, options));
        const std::vector<char> bytes = readAll(path);
        QVERIFY(contains(bytes, std::string("cICP\x09", 5) + char(code) + std::string("\x00\x01", 2)));
        QVERIFY2(!contains(bytes, "iCCP"), "a PQ/HLG PNG must not carry a misleading ICC profile");
        const auto read = readImage(path);
        HDR_VERIFY_OK(read);
        QCOMPARE(QString::fromLatin1(nameOf(read->colorSpace.primaries)),
                 QString::fromLatin1(nameOf(Primaries::Rec2020)));
        const ImageF back = convertPrimaries(*read, LinearColorSpace{});
        for (int y = 0; y < source.height(); y += 3) {
            for (int x = 0; x < source.width(); x += 3) {
                const float* s = source.pixel(x, y);
                const float scale = std::max({s[0], s[1], s[2]}); // primaries conversion mixes channels
                for (int c = 0; c < 3; ++c) {
                    const float want = s[c];
                    const float got = back.pixel(x, y)[c];
                    QVERIFY2(
                        std::abs(got - want) <= 0.002f * scale + 2e-4f,
                        qPrintable(
                            QStringLiteral("(%1,%2) c%3: %4 vs %5").arg(x).arg(y).arg(c).arg(got).arg(want)));
                }
            }
        }
    }

    void readsIccProfileFromIccpChunk()
    {
        const std::vector<std::uint8_t> profile =
            makeIccProfile(LinearColorSpace{Primaries::DisplayP3, {}}, Transfer::srgb(), "Display P3 test");
        if (profile.empty()) {
            QSKIP("makeIccProfile() is not implemented in this build");
        }
        const std::string icc(profile.begin(), profile.end());
        PngBuilder b;
        b.ihdr(1, 1, 8, 2);
        uLongf size = compressBound(uLong(icc.size()));
        std::string z(size, '\0');
        compress(reinterpret_cast<Bytef*>(z.data()),
                 &size,
                 reinterpret_cast<const Bytef*>(icc.data()),
                 uLong(icc.size()));
        z.resize(size);
        b.chunk("iCCP", std::string("test\0\0", 6) + z);
        b.idat(std::string("\0\x10\x20\x30", 4));
        b.save(file("icc.png"));
        const auto img = readPng(file("icc.png"), {});
        HDR_VERIFY_OK(img);
        QCOMPARE(img->metadata.iccProfile, std::vector<std::uint8_t>(icc.begin(), icc.end()));
    }

    void writerEmbedsIcc()
    {
        const std::vector<std::uint8_t> expected = makeIccProfile(LinearColorSpace{}, Transfer::srgb(), "x");
        const fs::path path = file("embedded.png");
        HDR_VERIFY_OK(writeImage(gradient(8, 8, 3), path, {}));
        const auto read = readPng(path, {});
        HDR_VERIFY_OK(read);
        if (expected.empty()) {
            QVERIFY(read->metadata.iccProfile.empty());
            QVERIFY(contains(readAll(path), "sRGB"));
            QSKIP("makeIccProfile() is not implemented in this build; wrote an sRGB chunk instead");
        }
        QVERIFY(contains(readAll(path), "iCCP"));
        QVERIFY(!read->metadata.iccProfile.empty());
        WriteOptions noIcc;
        noIcc.embedIcc = false;
        HDR_VERIFY_OK(writeImage(gradient(8, 8, 3), file("noicc.png"), noIcc));
        QVERIFY(!contains(readAll(file("noicc.png")), "iCCP"));
    }

    void textChunksSurvive()
    {
        ImageF image = gradient(16, 16, 3);
        const std::string parameters =
            "a photo of a lighthouse at dusk, (dramatic sky:1.2)\n"
            "Negative prompt: blurry, lowres\n"
            "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890, Size: 1024x1024";
        image.metadata.attributes["parameters"] = parameters;
        image.metadata.attributes["Title"] = "Grüße aus Zürich";
        WriteOptions options;
        options.attributes["Software"] = "HDR Studio test";
        const fs::path path = file("text.png");
        HDR_VERIFY_OK(writeImage(image, path, options));
        QVERIFY(contains(readAll(path), std::string("tEXtparameters\0", 15) + parameters));
        const auto read = readImage(path);
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.attributes.at("parameters"), parameters);
        QCOMPARE(read->metadata.attributes.at("Title"), std::string("Grüße aus Zürich"));
        QCOMPARE(read->metadata.attributes.at("Software"), std::string("HDR Studio test"));
    }

    void refusesToOverwrite()
    {
        const fs::path path = file("keep.png");
        HDR_VERIFY_OK(writeImage(gradient(8, 8, 3), path, {}));
        const std::vector<char> before = readAll(path);
        const auto again = writeImage(gradient(9, 9, 3), path, {});
        QVERIFY(!again);
        QCOMPARE(QString::fromLatin1(nameOf(again.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::AlreadyExists)));
        QCOMPARE(readAll(path), before);
        WriteOptions overwrite;
        overwrite.overwrite = true;
        HDR_VERIFY_OK(writeImage(gradient(9, 9, 3), path, overwrite));
        QCOMPARE(readPng(path, {})->width(), 9);
        // No temp files are left behind.
        int files = 0;
        for (const auto& e : fs::directory_iterator(path.parent_path())) {
            files += e.path().filename().string().rfind(".keep.png", 0) == 0 ? 1 : 0;
        }
        QCOMPARE(files, 0);
    }

    void hostileInputsGiveErrors()
    {
        const fs::path good = file("good.png");
        HDR_VERIFY_OK(writeImage(gradient(40, 30, 4), good, {}));
        const std::vector<char> bytes = readAll(good);
        for (std::size_t cut : {std::size_t(0),
                                std::size_t(5),
                                std::size_t(8),
                                std::size_t(20),
                                std::size_t(33),
                                bytes.size() / 2,
                                bytes.size() - 13,
                                bytes.size() - 1}) {
            const fs::path p = file("cut" + std::to_string(cut) + ".png");
            writeAll(p, std::vector<char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut)));
            const auto r = readPng(p, {});
            QVERIFY2(!r, qPrintable(QStringLiteral("cut at %1 was accepted").arg(cut)));
        }
        // A header claiming 100000 x 100000 pixels is refused before allocating.
        PngBuilder huge;
        huge.ihdr(100000, 100000, 8, 2);
        huge.idat(std::string(16, '\0'));
        huge.save(file("huge.png"));
        const auto r = readImage(file("huge.png"));
        QVERIFY(!r);
        QCOMPARE(QString::fromLatin1(nameOf(r.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::LimitExceeded)));
        // Garbage after a valid signature, and pure garbage.
        std::mt19937 rng(7);
        std::vector<char> garbage(4096);
        for (char& c : garbage) {
            c = char(rng());
        }
        writeAll(file("garbage.bin"), garbage);
        QVERIFY(!readImage(file("garbage.bin")));
        std::copy(bytes.begin(), bytes.begin() + 8, garbage.begin());
        writeAll(file("garbage.png"), garbage);
        const auto g = readImage(file("garbage.png"));
        QVERIFY(!g);
        QCOMPARE(QString::fromLatin1(nameOf(g.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::CorruptData)));
        // Flipped bytes inside the compressed data.
        std::vector<char> flipped = bytes;
        for (std::size_t i = 60; i < flipped.size() - 20; i += 97) {
            flipped[i] = char(~flipped[i]);
        }
        writeAll(file("flipped.png"), flipped);
        QVERIFY(!readPng(file("flipped.png"), {}));
    }

    void rejectsBadOptions()
    {
        DisplayImage16 image =
            encodeDisplay16(gradient(4, 4, 3), Transfer::pq(), LinearColorSpace{Primaries::AcesAP1, {}});
        const auto r = writePngDisplay(image, file("aces-pq.png"), {});
        QVERIFY(!r);
        QCOMPARE(QString::fromLatin1(nameOf(r.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::InvalidArgument)));
        QVERIFY(!fs::exists(file("aces-pq.png")));
    }
};

HDR_TEST_MAIN(TestPng)
#include "tst_png.moc"
