// Tests for core/io/RgbeIO.cpp (our Radiance RGBE parser and writer): round trips on generated
// images, hand-made files for every orientation and scanline coding, damaged and hostile files,
// then the real files of ../shared/data/rgbe when present.

#include "support/TestSupport.h"

#include "common/AtomicFile.h"
#include "io/FormatReaders.h"

#include <QTemporaryDir>

#include <tiffio.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

using namespace hdr::core;

namespace {

std::vector<std::byte> fileBytes(const std::string& header, const std::vector<std::uint8_t>& pixels = {})
{
    std::vector<std::byte> out(header.size() + pixels.size());
    std::memcpy(out.data(), header.data(), header.size());
    if (!pixels.empty()) {
        std::memcpy(out.data() + header.size(), pixels.data(), pixels.size());
    }
    return out;
}

Result<ImageF> decode(const std::vector<std::byte>& bytes, const ReadOptions& options = {})
{
    return decodeRgbe(bytes, options, "test.hdr");
}

// Log-uniform random values in [2^-20, 2^20], with runs of equal pixels so RLE runs occur too.
ImageF makeTestImage(int width, int height, unsigned seed, int channels = 3)
{
    ImageF image(width, height, channels);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> exponent(-20.0f, 20.0f);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            float* p = image.pixel(x, y);
            if (x > 0 && (x / 5) % 3 == 1) { // repeat the previous pixel
                std::copy(p - channels, p, p);
                continue;
            }
            for (int c = 0; c < 3; ++c) {
                p[c] = std::exp2(exponent(rng));
            }
            if (channels == 4) {
                p[3] = 0.5f;
            }
        }
    }
    return image;
}

// RGBE stores one exponent per pixel: each channel is within max(r,g,b)/256 of the original.
void verifyClose(const ImageF& decoded, const ImageF& original)
{
    QCOMPARE(decoded.width(), original.width());
    QCOMPARE(decoded.height(), original.height());
    QCOMPARE(decoded.channels(), 3);
    for (int y = 0; y < original.height(); ++y) {
        for (int x = 0; x < original.width(); ++x) {
            const float* o = original.pixel(x, y);
            const float* d = decoded.pixel(x, y);
            const float tolerance = std::max({o[0], o[1], o[2]}) / 256.0f * 1.001f;
            for (int c = 0; c < 3; ++c) {
                if (std::fabs(d[c] - o[c]) > tolerance) {
                    QFAIL(qPrintable(QStringLiteral("pixel (%1,%2) channel %3: %4 decoded as %5")
                                         .arg(x)
                                         .arg(y)
                                         .arg(c)
                                         .arg(double(o[c]))
                                         .arg(double(d[c]))));
                }
            }
        }
    }
}

// A float RGB TIFF (the reference decodes in ../shared), read with libtiff directly.
bool readFloatTiff(const std::filesystem::path& path, int& width, int& height, std::vector<float>& pixels)
{
    TIFF* tif = TIFFOpen(path.string().c_str(), "r");
    if (!tif) {
        return false;
    }
    std::uint32_t w = 0, h = 0;
    std::uint16_t bits = 0, spp = 0, format = 0, planar = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    bool ok = bits == 32 && spp == 3 && format == SAMPLEFORMAT_IEEEFP && planar == PLANARCONFIG_CONTIG;
    if (ok) {
        width = int(w);
        height = int(h);
        pixels.resize(std::size_t(w) * h * 3);
        for (std::uint32_t y = 0; y < h && ok; ++y) {
            ok = TIFFReadScanline(tif, pixels.data() + std::size_t(y) * w * 3, y, 0) == 1;
        }
    }
    TIFFClose(tif);
    return ok;
}

} // namespace

class TestRgbe : public QObject {
    Q_OBJECT

private slots:
    void roundTripGenerated_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("channels");
        QTest::addColumn<QString>("compression");
        QTest::newRow("rle 97x31") << 97 << 31 << 3 << QStringLiteral("rle");
        QTest::newRow("rle rgba 8x3") << 8 << 3 << 4 << QStringLiteral("rle");
        QTest::newRow("flat 7x5 (too narrow for RLE)") << 7 << 5 << 3 << QStringLiteral("flat");
        QTest::newRow("flat 1x1") << 1 << 1 << 3 << QStringLiteral("flat");
        QTest::newRow("flat 32768x2 (too wide for RLE)") << 32768 << 2 << 3 << QStringLiteral("flat");
    }
    void roundTripGenerated()
    {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, channels);
        QFETCH(QString, compression);
        const ImageF original = makeTestImage(width, height, unsigned(width * 31 + height), channels);
        const std::vector<std::byte> bytes = encodeRgbe(original, {});
        auto decoded = decode(bytes);
        HDR_VERIFY_OK(decoded);
        verifyClose(*decoded, original);
        QCOMPARE(QString::fromStdString(decoded->metadata.sourceCompression), compression);
        QCOMPARE(decoded->metadata.sourceFormat, std::string("Radiance RGBE"));
        QCOMPARE(decoded->metadata.sourcePixelType, std::string("rgbe"));
        QVERIFY(decoded->colorSpace == LinearColorSpace{});
        // Decoded values are exactly representable: encoding them again gives the same bytes.
        QVERIFY(encodeRgbe(*decoded, {}) == bytes);
    }

    void specialValues()
    {
        ImageF image(8, 1, 3);
        const float inf = std::numeric_limits<float>::infinity();
        const float values[8] = {0.0f, -1.0f, std::nanf(""), inf, 1e-45f, 3e38f, 1.0f, 0x1p-130f};
        for (int x = 0; x < 8; ++x) {
            std::fill_n(image.pixel(x, 0), 3, values[x]);
        }
        auto decoded = decode(encodeRgbe(image, {}));
        HDR_VERIFY_OK(decoded);
        const float maxValue = 255.0f * 0x1p119f;
        const float expected[8] = {0, 0, 0, maxValue, 0, maxValue, 1.0f, 0x1p-130f};
        for (int x = 0; x < 8; ++x) {
            QCOMPARE(decoded->pixel(x, 0)[1], expected[x]);
        }
    }

    void metadataRoundTrip()
    {
        ImageF image = makeTestImage(16, 4, 7);
        image.colorSpace = LinearColorSpace{Primaries::Rec2020, {}};
        image.metadata.attributes = {
            {"prompt", "a lighthouse\nat dusk"}, {"seed", "42"}, {"rgbe.view", "-vta"}};
        auto decoded = decode(encodeRgbe(image, image.metadata.attributes));
        HDR_VERIFY_OK(decoded);
        QVERIFY((decoded->colorSpace == LinearColorSpace{Primaries::Rec2020, {}}));
        QCOMPARE(decoded->metadata.attributes.at("seed"), std::string("42"));
        QCOMPARE(decoded->metadata.attributes.at("prompt"), std::string("a lighthouse at dusk"));
        QCOMPARE(decoded->metadata.attributes.at("rgbe.view"), std::string("-vta"));
        QCOMPARE(decoded->metadata.attributes.at("rgbe.software"), std::string("HDR Studio"));

        image.colorSpace = LinearColorSpace{Primaries::XYZ, {}};
        auto xyz = decode(encodeRgbe(image, {}));
        HDR_VERIFY_OK(xyz);
        QCOMPARE(xyz->colorSpace.primaries, Primaries::XYZ);
        QCOMPARE(xyz->metadata.sourcePixelType, std::string("xyze"));
    }

    void writeAndRead()
    {
        QTemporaryDir dir;
        const std::filesystem::path folder = dir.path().toStdString();
        const std::filesystem::path path = folder / "out.hdr";
        const ImageF image = makeTestImage(40, 9, 3);
        WriteOptions options;
        HDR_VERIFY_OK(writeRgbe(image, path, options));
        auto again = writeRgbe(image, path, options);
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::AlreadyExists);
        options.overwrite = true;
        options.primaries = LinearColorSpace{Primaries::Rec2020, {}};
        HDR_VERIFY_OK(writeRgbe(image, path, options));
        auto read = readRgbe(path, {});
        HDR_VERIFY_OK(read);
        QVERIFY((read->colorSpace == LinearColorSpace{Primaries::Rec2020, {}}));
        verifyClose(*read, convertPrimaries(image, LinearColorSpace{Primaries::Rec2020, {}}));
        auto generic = readImage(path);
        HDR_VERIFY_OK(generic);
        QCOMPARE(generic->width(), 40);
        QVERIFY(!writeRgbe(ImageF{}, folder / "empty.hdr", options));
    }

    // A 3x2 image a b c / d e f stored in each of the 8 scanline orders of the resolution line.
    void orientations_data()
    {
        QTest::addColumn<QString>("resolution");
        QTest::addColumn<QString>("fileOrder");
        QTest::newRow("-Y +X (standard)") << QStringLiteral("-Y 2 +X 3") << QStringLiteral("abcdef");
        QTest::newRow("-Y -X (mirrored)") << QStringLiteral("-Y 2 -X 3") << QStringLiteral("cbafed");
        QTest::newRow("+Y +X (flipped)") << QStringLiteral("+Y 2 +X 3") << QStringLiteral("defabc");
        QTest::newRow("+Y -X (rotated 180)") << QStringLiteral("+Y 2 -X 3") << QStringLiteral("fedcba");
        QTest::newRow("+X -Y (transposed)") << QStringLiteral("+X 3 -Y 2") << QStringLiteral("adbecf");
        QTest::newRow("+X +Y") << QStringLiteral("+X 3 +Y 2") << QStringLiteral("daebfc");
        QTest::newRow("-X -Y") << QStringLiteral("-X 3 -Y 2") << QStringLiteral("cfbead");
        QTest::newRow("-X +Y") << QStringLiteral("-X 3 +Y 2") << QStringLiteral("fcebda");
    }
    void orientations()
    {
        QFETCH(QString, resolution);
        QFETCH(QString, fileOrder);
        // Pixel label i has R = (100 + i) / 256, G = 0.5, B = (10 i + 1) / 256.
        std::vector<std::uint8_t> pixels;
        for (QChar label : fileOrder) {
            const int i = label.toLatin1() - 'a';
            pixels.insert(pixels.end(), {std::uint8_t(100 + i), 128, std::uint8_t(10 * i + 1), 128});
        }
        auto image = decode(
            fileBytes("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n" + resolution.toStdString() + "\n", pixels));
        HDR_VERIFY_OK(image);
        QCOMPARE(image->width(), 3);
        QCOMPARE(image->height(), 2);
        for (int i = 0; i < 6; ++i) {
            const float* p = image->pixel(i % 3, i / 3);
            QCOMPARE(p[0], float(100 + i) / 256.0f);
            QCOMPARE(p[1], 0.5f);
            QCOMPARE(p[2], float(10 * i + 1) / 256.0f);
        }
    }

    void oldStyleRle()
    {
        // Width 300: pixel P, a run of 43, then a second marker adding 1 << 8 = 256 repeats.
        // Second scanline: pixel Q, run of 255, marker with count 0 << 8 (no-op), pixel R, run of 43.
        const std::vector<std::uint8_t> pixels = {64,  128, 32, 129, 1, 1, 1, 43,  1, 1, 1, 1, //
                                                  10,  20,  30, 130, 1, 1, 1, 255, 1, 1, 1, 0,
                                                  200, 100, 50, 128, 1, 1, 1, 43};
        auto image = decode(fileBytes("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 300\n", pixels));
        HDR_VERIFY_OK(image);
        QCOMPARE(image->metadata.sourceCompression, std::string("old-rle"));
        for (int x = 0; x < 300; ++x) {
            QCOMPARE(image->pixel(x, 0)[0], 0.5f);
            QCOMPARE(image->pixel(x, 0)[2], 0.25f);
        }
        for (int x = 0; x < 256; ++x) {
            QCOMPARE(image->pixel(x, 1)[1], 20.0f / 64.0f);
        }
        for (int x = 256; x < 300; ++x) {
            QCOMPARE(image->pixel(x, 1)[0], 200.0f / 256.0f);
        }
        // A run overflowing the scanline, and a run with nothing to repeat.
        auto overflow =
            decode(fileBytes("#?RADIANCE\n\n-Y 1 +X 300\n", {64, 128, 32, 129, 1, 1, 1, 44, 1, 1, 1, 1}));
        QVERIFY(!overflow);
        QCOMPARE(overflow.error().code, ErrorCode::CorruptData);
        QVERIFY(overflow.error().message.find("scanline 0") != std::string::npos);
        QVERIFY(!decode(fileBytes("#?RADIANCE\n\n-Y 1 +X 2\n", {1, 1, 1, 2, 5, 5, 5, 5})));
    }

    void flatScanlines()
    {
        // Width 10 could use RLE, but a flat file (no 2 2 marker) is valid too.
        std::vector<std::uint8_t> pixels;
        for (int i = 0; i < 10; ++i) {
            pixels.insert(pixels.end(), {std::uint8_t(128 + i), 128, 128, 129});
        }
        auto image = decode(fileBytes("#?RGBE\n\n-Y 1 +X 10\n", pixels));
        HDR_VERIFY_OK(image);
        QCOMPARE(image->metadata.sourceCompression, std::string("flat"));
        QCOMPARE(image->pixel(9, 0)[0], 137.0f / 128.0f);
    }

    void newStyleRle()
    {
        // One 16-pixel scanline: R = run of 16 x 200, G = dump of 16 bytes, B = run 8 + dump 8, E = run
        // of 16.
        std::vector<std::uint8_t> data = {2, 2, 0, 16, 128 + 16, 200, 16};
        for (int i = 0; i < 16; ++i) {
            data.push_back(std::uint8_t(i * 8));
        }
        data.insert(data.end(), {128 + 8, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 128 + 16, 136});
        auto image = decode(fileBytes("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 16\n", data));
        HDR_VERIFY_OK(image);
        QCOMPARE(image->metadata.sourceCompression, std::string("rle"));
        for (int x = 0; x < 16; ++x) {
            const float* p = image->pixel(x, 0);
            QCOMPARE(p[0], 200.0f);
            QCOMPARE(p[1], float(x * 8));
            QCOMPARE(p[2], x < 8 ? 7.0f : float(x - 7));
        }
    }

    void badRunLengths_data()
    {
        QTest::addColumn<QByteArray>("scanlines"); // for "-Y 2 +X 16"
        auto row = [](std::initializer_list<int> bytes) {
            QByteArray a;
            for (int b : bytes) {
                a.append(char(b));
            }
            return a;
        };
        const QByteArray good = row({2, 2, 0, 16, 144, 1, 144, 2, 144, 3, 144, 128});
        QTest::newRow("run overflows") << good + row({2, 2, 0, 16, 128 + 17, 1, 144, 2, 144, 3, 144, 128});
        QTest::newRow("dump overflows") << good + row({2, 2, 0, 16, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        QTest::newRow("zero code") << good + row({2, 2, 0, 16, 0, 144, 1, 144, 2, 144, 3, 144, 128});
        QTest::newRow("wrong width marker") << good + row({2, 2, 0, 15, 144, 1, 144, 2, 144, 3, 144, 128});
        QTest::newRow("truncated run") << good + row({2, 2, 0, 16, 144, 1, 144, 2, 144, 3, 144});
        QTest::newRow("truncated dump") << good + row({2, 2, 0, 16, 144, 1, 144, 2, 144, 3, 16, 1, 2});
    }
    void badRunLengths()
    {
        QFETCH(QByteArray, scanlines);
        std::vector<std::uint8_t> data(scanlines.begin(), scanlines.end());
        auto image = decode(fileBytes("#?RADIANCE\n\n-Y 2 +X 16\n", data));
        QVERIFY(!image);
        QCOMPARE(image.error().code, ErrorCode::CorruptData);
        QVERIFY2(image.error().message.find("scanline 1") != std::string::npos,
                 image.error().message.c_str());
        QCOMPARE(image.error().where, std::string("test.hdr"));
    }

    void truncatedFiles()
    {
        const std::vector<std::byte> rle = encodeRgbe(makeTestImage(64, 16, 5), {});
        const std::vector<std::byte> flat = encodeRgbe(makeTestImage(5, 16, 6), {});
        for (const auto* bytes : {&rle, &flat}) {
            const std::size_t size = bytes->size();
            for (std::size_t cut : {std::size_t(2),
                                    std::size_t(5),
                                    std::size_t(30),
                                    std::size_t(60),
                                    size / 3,
                                    size / 2,
                                    size - 5,
                                    size - 1}) {
                const std::vector<std::byte> part(bytes->begin(), bytes->begin() + std::ptrdiff_t(cut));
                auto image = decode(part);
                QVERIFY2(!image, qPrintable(QStringLiteral("cut at %1 of %2 decoded").arg(cut).arg(size)));
                QCOMPARE(image.error().code, ErrorCode::CorruptData);
            }
        }
    }

    void exposureAndColorCorrection()
    {
        const std::vector<std::uint8_t> pixel = {128, 128, 128, 129}; // 1.0 as stored
        auto image = decode(fileBytes("#?RADIANCE\nEXPOSURE=2\nFORMAT=32-bit_rle_rgbe\nEXPOSURE= 4.0e+00\n"
                                      "COLORCORR=1 2 0.5\nEXPOSURE=-3\n\n-Y 1 +X 1\n",
                                      pixel));
        HDR_VERIFY_OK(image);
        // Stored values were multiplied by 2 * 4 (the invalid -3 is ignored) and by COLORCORR.
        QCOMPARE(image->pixel(0, 0)[0], 1.0f / 8.0f);
        QCOMPARE(image->pixel(0, 0)[1], 1.0f / 16.0f);
        QCOMPARE(image->pixel(0, 0)[2], 1.0f / 4.0f);
        QCOMPARE(image->metadata.attributes.at("rgbe.exposure"), std::string("8"));
        QCOMPARE(image->metadata.attributes.at("rgbe.colorcorr"), std::string("1 2 0.5"));
        // Writing the decoded image does not repeat the (already applied) factors.
        auto again = decode(encodeRgbe(*image, image->metadata.attributes));
        HDR_VERIFY_OK(again);
        QCOMPARE(again->pixel(0, 0)[0], 1.0f / 8.0f);
        QVERIFY(!again->metadata.attributes.count("rgbe.exposure"));
    }

    void headerVariants()
    {
        const std::vector<std::uint8_t> pixel = {128, 64, 32, 129};
        // XYZE, CRLF line ends, duplicated magic, history lines, Photoshop's degenerate primaries.
        auto xyz = decode(fileBytes("#?RADIANCE\r\n#?RADIANCE\r\npfilt -x 2\r\nPRIMARIES=0 0 0 0 0 0 0 0\r\n"
                                    "FORMAT=32-bit_rle_xyze\r\n\r\n-Y 1 +X 1\r\n",
                                    pixel));
        HDR_VERIFY_OK(xyz);
        QCOMPARE(xyz->colorSpace.primaries, Primaries::XYZ);
        QCOMPARE(xyz->metadata.sourceChannels.at(1), std::string("Y"));
        QCOMPARE(xyz->pixel(0, 0)[1], 0.5f);
        QCOMPARE(xyz->metadata.attributes.at("rgbe.history"), std::string("pfilt -x 2"));

        auto rec2020 =
            decode(fileBytes("#?RADIANCE\nPRIMARIES= 0.708 0.292 0.170 0.797 0.131 0.046 0.3127 0.3290\n"
                             "GAMMA=1\nVIEW= -vta\nVIEW= -vh 180\n-Y 1 +X 1\n",
                             pixel)); // also: no empty line before the resolution
        HDR_VERIFY_OK(rec2020);
        QCOMPARE(rec2020->colorSpace.primaries, Primaries::Rec2020);
        QCOMPARE(rec2020->metadata.attributes.at("rgbe.view"), std::string("-vta -vh 180"));
        QCOMPARE(rec2020->metadata.attributes.at("rgbe.gamma"), std::string("1"));

        auto padded = decode(fileBytes("#?RADIANCE\n\n-Y       1 +X      1\n", pixel));
        HDR_VERIFY_OK(padded);
    }

    void badHeaders_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("code");
        const int corrupt = int(ErrorCode::CorruptData);
        QTest::newRow("no #? magic") << QByteArray("RADIANCE\n\n-Y 1 +X 1\n")
                                     << int(ErrorCode::UnsupportedFormat);
        QTest::newRow("no newline") << QByteArray("#?RADIANCE") << corrupt;
        QTest::newRow("header never ends") << QByteArray("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n") << corrupt;
        QTest::newRow("line too long")
            << (QByteArray("#?RADIANCE\n# ") + QByteArray(20000, 'x') + "\n\n-Y 1 +X 1\n") << corrupt;
        QByteArray manyLines("#?RADIANCE\n");
        for (int i = 0; i < 8000; ++i) {
            manyLines += "# filler\n";
        }
        QTest::newRow("header too long") << manyLines + "\n-Y 1 +X 1\n" << corrupt;
        QTest::newRow("other pixel format")
            << QByteArray("#?RADIANCE\nFORMAT=ascii\n\n-Y 1 +X 1\n") << int(ErrorCode::UnsupportedFormat);
        QTest::newRow("bad resolution") << QByteArray("#?RADIANCE\n\n-Y 1 -Y 1\n") << corrupt;
        QTest::newRow("resolution garbage") << QByteArray("#?RADIANCE\n\nhello\n") << corrupt;
        QTest::newRow("zero size") << QByteArray("#?RADIANCE\n\n-Y 0 +X 5\n") << corrupt;
        QTest::newRow("no pixel data") << QByteArray("#?RADIANCE\n\n-Y 3 +X 5\n") << corrupt;
    }
    void badHeaders()
    {
        QFETCH(QByteArray, header);
        QFETCH(int, code);
        auto image = decode(fileBytes(header.toStdString(), {0, 0, 0, 0}));
        QVERIFY(!image);
        QCOMPARE(int(image.error().code), code);
        QVERIFY(!image.error().message.empty());
    }

    void absurdSizeIsRefusedBeforeAllocating()
    {
        const auto start = std::chrono::steady_clock::now();
        auto huge = decode(fileBytes("#?RADIANCE\n\n-Y 100000 +X 100000\n", {2, 2, 0, 8}));
        QVERIFY(!huge);
        QCOMPARE(huge.error().code, ErrorCode::LimitExceeded);
        auto overflow = decode(fileBytes("#?RADIANCE\n\n+X 99999999999999999999999 -Y 2\n", {0, 0, 0, 0}));
        QVERIFY(!overflow);
        QCOMPARE(overflow.error().code, ErrorCode::LimitExceeded);
        ReadOptions small;
        small.limits.maxPixels = 100;
        auto limited = decode(encodeRgbe(makeTestImage(11, 10, 1), {}), small);
        QVERIFY(!limited);
        QCOMPARE(limited.error().code, ErrorCode::LimitExceeded);
        // A plausible size with far too little data is refused before the buffers are made.
        auto starved = decode(fileBytes("#?RADIANCE\n\n-Y 16000 +X 16000\n", {2, 2, 62, 128, 255, 0}));
        QVERIFY(!starved);
        QCOMPARE(starved.error().code, ErrorCode::CorruptData);
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
    }

    // Inputs the fuzzer found, kept as files: each must give a clean error.
    void fuzzRegressions()
    {
        const std::filesystem::path dir = hdr::test::testDataPath("rgbe-regressions");
        int count = 0;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".hdr") {
                continue;
            }
            auto image = readRgbe(entry.path(), {});
            QVERIFY2(!image, qPrintable(QString::fromStdString(entry.path().filename().string())));
            ++count;
        }
        if (count == 0) {
            QSKIP("no fuzzer regressions recorded");
        }
    }

    // --- real files (../shared/data/rgbe) ---

    void sharedFilesAllRead()
    {
        HDR_REQUIRE_SHARED("data/rgbe/rgbr4x4.hdr");
        int count = 0;
        for (const auto& entry : std::filesystem::directory_iterator(hdr::test::sharedPath("data/rgbe"))) {
            if (entry.path().extension() != ".hdr") {
                continue;
            }
            auto image = readRgbe(entry.path(), {});
            HDR_VERIFY_OK(image);
            QVERIFY(image->width() > 0 && image->height() > 0);
            ++count;
        }
        QVERIFY(count >= 10);
        auto test = readRgbe(hdr::test::sharedPath("data/rgbe/radiance_test.hdr"), {});
        HDR_VERIFY_OK(test);
        QCOMPARE(test->colorSpace.primaries, Primaries::Custom); // Radiance's standard primaries
        QCOMPARE(test->metadata.attributes.at("rgbe.exposure"), std::string("1.272428"));
        auto park = readRgbe(hdr::test::sharedPath("data/rgbe/rooitou_park_1k.hdr"), {});
        HDR_VERIFY_OK(park);
        QCOMPARE(park->colorSpace.primaries, Primaries::Rec709); // PRIMARIES=0 0 0 ... ignored
        QCOMPARE(park->metadata.sourceCompression, std::string("rle"));
    }

    void sharedRgbr4x4ExactValues()
    {
        HDR_REQUIRE_SHARED("data/rgbe/rgbr4x4.hdr");
        auto image = readRgbe(hdr::test::sharedPath("data/rgbe/rgbr4x4.hdr"), {});
        HDR_VERIFY_OK(image);
        QCOMPARE(image->metadata.sourceCompression, std::string("flat"));
        // Rows: red, green, blue, mixed (bytes a3 00 00 7a / 00 cc 00 7d / 00 00 80 81 / a0 10 01 84).
        const float expected[4][3] = {
            {163.0f / 16384, 0, 0}, {0, 204.0f / 2048, 0}, {0, 0, 1.0f}, {10.0f, 1.0f, 0.0625f}};
        for (int y = 0; y < 4; ++y) {
            for (int x = 0; x < 4; ++x) {
                for (int c = 0; c < 3; ++c) {
                    QCOMPARE(image->pixel(x, y)[c], expected[y][c]);
                }
            }
        }
    }

    void sharedMatchesReferenceTiffs_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("compression");
        QTest::newRow("old-rle") << QStringLiteral("old-rle.hdr") << QStringLiteral("old-rle");
        QTest::newRow("scale (full exponent range)") << QStringLiteral("scale.hdr") << QStringLiteral("flat");
    }
    void sharedMatchesReferenceTiffs()
    {
        QFETCH(QString, file);
        QFETCH(QString, compression);
        const std::string rel = "data/rgbe/" + file.toStdString();
        HDR_REQUIRE_SHARED(rel);
        HDR_REQUIRE_SHARED(rel + ".ref.tiff");
        auto image = readRgbe(hdr::test::sharedPath(rel), {});
        HDR_VERIFY_OK(image);
        QCOMPARE(QString::fromStdString(image->metadata.sourceCompression), compression);
        int width = 0, height = 0;
        std::vector<float> reference;
        QVERIFY(readFloatTiff(hdr::test::sharedPath(rel + ".ref.tiff"), width, height, reference));
        QCOMPARE(image->width(), width);
        QCOMPARE(image->height(), height);
        // The reference decoder uses the same mantissa * 2^(e-136) convention: exact equality.
        QVERIFY(std::equal(reference.begin(), reference.end(), image->data()));
    }

    void sharedAtriumStatistics()
    {
        HDR_REQUIRE_SHARED("data/rgbe/mpi_atrium_3.hdr");
        auto image = readRgbe(hdr::test::sharedPath("data/rgbe/mpi_atrium_3.hdr"), {});
        HDR_VERIFY_OK(image);
        QCOMPARE(image->width(), 1024);
        QCOMPARE(image->height(), 676);
        // We divide by EXPOSURE; OpenCV returns the stored values. Multiply back to compare.
        const double exposure = std::stod(image->metadata.attributes.at("rgbe.exposure"));
        QCOMPARE(exposure, 0.2548616);
        // Reference numbers from OpenCV 4.6 (/usr/bin/python3):
        //   m = cv2.imread('mpi_atrium_3.hdr', cv2.IMREAD_UNCHANGED)[..., ::-1].astype(np.float64)
        //   m.mean(axis=(0,1)), m.max(axis=(0,1)), m[0,0], m[100,200], m[675,1023]
        const double mean[3] = {0.4978642405490198, 0.5105379781514935, 0.545558837920251};
        const double maxima[3] = {183.0, 165.0, 153.0};
        const double pixels[3][5] = {{0, 0, 0.0927734375, 0.04248046875, 0.048828125},
                                     {200, 100, 0.353515625, 0.369140625, 0.369140625},
                                     {1023, 675, 0.0281982421875, 0.0247802734375, 0.0257568359375}};
        double sum[3] = {0, 0, 0}, maxSeen[3] = {0, 0, 0};
        const float* p = image->data();
        for (std::int64_t i = 0; i < image->pixelCount(); ++i, p += 3) {
            for (int c = 0; c < 3; ++c) {
                sum[c] += double(p[c]);
                maxSeen[c] = std::max(maxSeen[c], double(p[c]));
            }
        }
        for (int c = 0; c < 3; ++c) {
            QVERIFY(std::fabs(sum[c] / double(image->pixelCount()) * exposure / mean[c] - 1.0) < 1e-5);
            QVERIFY(std::fabs(maxSeen[c] * exposure / maxima[c] - 1.0) < 1e-6);
        }
        for (const auto& px : pixels) {
            const float* v = image->pixel(int(px[0]), int(px[1]));
            for (int c = 0; c < 3; ++c) {
                QVERIFY(std::fabs(double(v[c]) * exposure / px[2 + c] - 1.0) < 1e-6);
            }
        }
    }
};

HDR_TEST_MAIN(TestRgbe)
#include "tst_rgbe.moc"
