// Tests for the OpenEXR reader and writer (core/io/ExrReader.cpp, ExrWriter.cpp): round trips on
// images made here, files built with the OpenEXR library itself (tiled, multi-part, layers,
// luminance/chroma, offset data windows), hostile input, and the real files in ../shared/data/exr
// (skipped when absent) checked against the values in SOURCES.md.
#include "io/FormatReaders.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <Imath/half.h>
#include <ImfChannelList.h>
#include <ImfFrameBuffer.h>
#include <ImfHeader.h>
#include <ImfMultiPartOutputFile.h>
#include <ImfOutputPart.h>
#include <ImfPartType.h>
#include <ImfRgbaFile.h>
#include <ImfTiledRgbaFile.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

using namespace hdr::core;
namespace fs = std::filesystem;

// Not QCOMPARE: for our enums it would pick hdr::core::nameOf() (by ADL), whose static string
// QTest then delete[]s.
#define HDR_EXPECT_ERROR(result, expectedCode)                                                               \
    do {                                                                                                     \
        QVERIFY2(!(result), "expected an error");                                                            \
        QVERIFY2((result).error().code == (expectedCode),                                                    \
                 qPrintable(QString::fromStdString(std::string(nameOf((result).error().code)) + ": " +       \
                                                   (result).error().describe())));                           \
    } while (0)

namespace {

std::uint32_t hashOf(std::uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

// Finite values spread over the whole half range (denormals, negatives, up to 65504), all exactly
// representable in half, so lossless half files must give them back bit for bit.
ImageF halfExactImage(int w, int h, int channels)
{
    ImageF img(w, h, channels);
    float* p = img.data();
    for (std::size_t i = 0; i < std::size_t(img.pixelCount()) * channels; ++i) {
        Imath::half v;
        std::uint16_t bits = std::uint16_t(hashOf(std::uint32_t(i) + 17));
        if ((bits & 0x7c00) == 0x7c00) {
            bits &= 0xbfff; // exponent 31 is Inf/NaN: keep it finite
        }
        v.setBits(bits);
        p[i] = float(v);
    }
    return img;
}

// Arbitrary float values (not representable in half) for float files.
ImageF randomFloatImage(int w, int h, int channels)
{
    ImageF img(w, h, channels);
    float* p = img.data();
    for (std::size_t i = 0; i < std::size_t(img.pixelCount()) * channels; ++i) {
        p[i] = (float(hashOf(std::uint32_t(i))) / 4294967296.0f - 0.1f) * 3000.0f;
    }
    return img;
}

// Smooth HDR content (what lossy codecs are made for): gradients and slow waves, 0.01 .. ~20.
ImageF smoothImage(int w, int h, int channels)
{
    ImageF img(w, h, channels);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            float* p = img.pixel(x, y);
            const float u = float(x) / float(w), v = float(y) / float(h);
            p[0] = 0.05f + 16.0f * u * v;
            p[1] = 0.5f + 0.4f * std::sin(6.0f * u) * std::cos(4.0f * v);
            p[2] = 0.02f + 2.0f * v * v;
            if (channels == 4) {
                p[3] = 0.25f + 0.5f * u;
            }
        }
    }
    return img;
}

std::vector<char> fileBytes(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& p, const std::vector<char>& bytes)
{
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

// XOR of the half bit patterns of every R, G, B, A sample (OpenEXR's testSampleImages checksum).
std::uint16_t halfChecksum(const ImageF& img)
{
    std::uint16_t sum = 0;
    const float* p = img.data();
    for (std::size_t i = 0; i < std::size_t(img.pixelCount()) * img.channels(); ++i) {
        sum ^= Imath::half(p[i]).bits();
    }
    return sum;
}

std::vector<std::string> directoryEntries(const fs::path& dir)
{
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

fs::path shared(const std::string& rel)
{
    return hdr::test::sharedPath("data/exr/" + rel);
}

} // namespace

class TestExr : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path tmp(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void roundTrip_data()
    {
        QTest::addColumn<int>("compression");
        QTest::addColumn<bool>("useFloat");
        QTest::addColumn<int>("channels");
        for (int c = int(ExrCompression::None); c <= int(ExrCompression::Dwab); ++c) {
            for (bool useFloat : {false, true}) {
                for (int channels : {3, 4}) {
                    const std::string name = std::string(nameOf(ExrCompression(c))) +
                                             (useFloat ? "-float" : "-half") +
                                             (channels == 4 ? "-rgba" : "-rgb");
                    QTest::newRow(name.c_str()) << c << useFloat << channels;
                }
            }
        }
    }

    void roundTrip()
    {
        QFETCH(int, compression);
        QFETCH(bool, useFloat);
        QFETCH(int, channels);
        const auto comp = ExrCompression(compression);
        // PXR24 keeps half exactly but rounds float to 24 bits; B44 and DWA are lossy.
        const bool lossless = comp <= ExrCompression::Piz || (comp == ExrCompression::Pxr24 && !useFloat);
        const ImageF source =
            lossless ? (useFloat ? randomFloatImage(67, 45, channels) : halfExactImage(67, 45, channels))
                     : smoothImage(128, 96, channels);
        WriteOptions options;
        options.compression = comp;
        options.sampleType = useFloat ? SampleType::Float : SampleType::Half;
        const fs::path path = tmp(std::string("rt-") + QTest::currentDataTag() + ".exr");
        HDR_VERIFY_OK(writeExr(source, path, options));
        auto read = readExr(path, {});
        HDR_VERIFY_OK(read);
        QCOMPARE(read->width(), source.width());
        QCOMPARE(read->height(), source.height());
        QCOMPARE(read->channels(), channels);
        QCOMPARE(read->metadata.sourceFormat, std::string("OpenEXR"));
        QCOMPARE(read->metadata.sourcePixelType, std::string(useFloat ? "float" : "half"));
        QCOMPARE(QString::fromStdString(read->metadata.sourceCompression).toLower(),
                 QString::fromLatin1(nameOf(comp)));

        const std::size_t n = std::size_t(source.pixelCount()) * channels;
        if (lossless) {
            QVERIFY(std::memcmp(read->data(), source.data(), n * sizeof(float)) == 0);
            return;
        }
        // Lossy: relative error |a - b| / (|b| + 0.01) at most 10% per sample and 1% on average
        // (PXR24 float: 2^-15 relative).
        const double maxTol = comp == ExrCompression::Pxr24 ? 1e-4 : 0.10;
        const double meanTol = comp == ExrCompression::Pxr24 ? 1e-4 : 0.01;
        double worst = 0, total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double e =
                std::abs(double(read->data()[i]) - source.data()[i]) / (std::abs(source.data()[i]) + 0.01);
            worst = std::max(worst, e);
            total += e;
        }
        QVERIFY2(worst <= maxTol, qPrintable(QStringLiteral("max relative error %1").arg(worst)));
        QVERIFY2(total / double(n) <= meanTol,
                 qPrintable(QStringLiteral("mean relative error %1").arg(total / n)));
    }

    void attributesAndChromaticitiesSurvive()
    {
        ImageF img = smoothImage(32, 16, 3);
        img.colorSpace = LinearColorSpace{Primaries::Rec2020, {}};
        img.metadata.attributes["hdr:prompt"] = "a sunset over the sea, 8k";
        img.metadata.attributes["hdr:seed"] = "1";
        img.metadata.attributes["compression"] = "bogus";      // a reserved, typed name: must be skipped
        img.metadata.attributes["exr:dataWindow"] = "0 0 1 1"; // describes a source file: skipped
        WriteOptions options;
        options.attributes["hdr:seed"] = "42"; // options win over the image's metadata
        const fs::path path = tmp("attrs.exr");
        HDR_VERIFY_OK(writeExr(img, path, options));
        auto read = readExr(path, {});
        HDR_VERIFY_OK(read);
        QVERIFY2(read->colorSpace.primaries == Primaries::Rec2020, nameOf(read->colorSpace.primaries));
        QCOMPARE(read->metadata.attributes.at("hdr:prompt"), std::string("a sunset over the sea, 8k"));
        QCOMPARE(read->metadata.attributes.at("hdr:seed"), std::string("42"));
        QCOMPARE(read->metadata.attributes.at("exr:dataWindow"), std::string("0 0 31 15"));
        QCOMPARE(read->metadata.attributes.at("exr:compression"), std::string("ZIP"));
        QVERIFY(read->metadata.attributes.count("compression") == 0);
    }

    void primariesConversionOnWrite()
    {
        const ImageF img = smoothImage(16, 8, 3); // Rec.709
        WriteOptions options;
        options.sampleType = SampleType::Float;
        options.primaries = LinearColorSpace{Primaries::AcesAP1, {}};
        const fs::path path = tmp("acescg.exr");
        HDR_VERIFY_OK(writeExr(img, path, options));
        auto read = readExr(path, {});
        HDR_VERIFY_OK(read);
        QVERIFY2(read->colorSpace.primaries == Primaries::AcesAP1, nameOf(read->colorSpace.primaries));
        const ImageF expected = convertPrimaries(img, *options.primaries);
        for (std::size_t i = 0; i < std::size_t(img.pixelCount()) * 3; ++i) {
            QCOMPARE(read->data()[i], expected.data()[i]);
        }
    }

    void halfOverflowIsClamped()
    {
        ImageF img(4, 1, 3);
        const float inf = std::numeric_limits<float>::infinity();
        const float values[12] = {
            1e6f, -1e6f, 65519.0f, inf, -inf, std::nanf(""), 70000.0f, 1.0f, 0.0f, 65504.0f, -3e38f, 1e-9f};
        std::copy(std::begin(values), std::end(values), img.data());
        const fs::path path = tmp("overflow.exr");
        HDR_VERIFY_OK(writeExr(img, path, {}));
        auto read = readExr(path, {});
        HDR_VERIFY_OK(read);
        const float* p = read->data();
        QCOMPARE(p[0], 65504.0f);
        QCOMPARE(p[1], -65504.0f);
        QCOMPARE(p[2], 65504.0f);
        QVERIFY(std::isinf(p[3]) && p[3] > 0);
        QVERIFY(std::isinf(p[4]) && p[4] < 0);
        QVERIFY(std::isnan(p[5]));
        QCOMPARE(p[6], 65504.0f);
        QCOMPARE(p[10], -65504.0f);
        QCOMPARE(p[11], 0.0f); // below the smallest half denormal
        // Float files keep everything.
        WriteOptions asFloat;
        asFloat.sampleType = SampleType::Float;
        HDR_VERIFY_OK(writeExr(img, tmp("overflow-float.exr"), asFloat));
        auto readFloat = readExr(tmp("overflow-float.exr"), {});
        HDR_VERIFY_OK(readFloat);
        QCOMPARE(readFloat->data()[0], 1e6f);
        QCOMPARE(readFloat->data()[10], -3e38f);
    }

    void refusesOverwriteAndLeavesNoTempFiles()
    {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "out.exr";
        HDR_VERIFY_OK(writeExr(smoothImage(20, 10, 3), path, {}));
        const std::vector<char> before = fileBytes(path);
        const auto refused = writeExr(smoothImage(40, 10, 4), path, {});
        QVERIFY(!refused);
        HDR_EXPECT_ERROR(refused, ErrorCode::AlreadyExists);
        QVERIFY(fileBytes(path) == before);
        WriteOptions overwrite;
        overwrite.overwrite = true;
        HDR_VERIFY_OK(writeExr(smoothImage(40, 10, 4), path, overwrite));
        auto read = readExr(path, {});
        HDR_VERIFY_OK(read);
        QCOMPARE(read->width(), 40);
        QCOMPARE(read->channels(), 4);
        QCOMPARE(directoryEntries(dir.path().toStdString()), std::vector<std::string>{"out.exr"});
        // A failing write (missing folder) leaves nothing either.
        QVERIFY(!writeExr(smoothImage(4, 4, 3), fs::path(dir.path().toStdString()) / "nope" / "x.exr", {}));
        QVERIFY(!writeExr(ImageF{}, fs::path(dir.path().toStdString()) / "empty.exr", {}));
        QCOMPARE(directoryEntries(dir.path().toStdString()), std::vector<std::string>{"out.exr"});
    }

    // Files built with OpenEXR directly: a two-part file with layers and an offset data window.
    void multipartLayersAndDataWindow()
    {
        const fs::path path = tmp("layers.exr");
        const int w = 24, h = 10;
        const Imath::Box2i display(Imath::V2i(0, 0), Imath::V2i(99, 99));
        const Imath::Box2i data(Imath::V2i(-5, 30), Imath::V2i(-5 + w - 1, 30 + h - 1));
        Imf::Header depth(display, data);
        depth.setName("depth");
        depth.setType(Imf::SCANLINEIMAGE);
        depth.channels().insert("Z", Imf::Channel(Imf::FLOAT));
        Imf::Header beauty = depth;
        beauty.setName("beauty");
        beauty.channels() = Imf::ChannelList();
        for (const char* n : {"beauty.R", "beauty.G", "beauty.B", "diffuse.R", "diffuse.G", "diffuse.B"}) {
            beauty.channels().insert(n, Imf::Channel(Imf::FLOAT)); // output slices must match the type
        }
        std::vector<float> plane(std::size_t(w) * h);
        std::vector<std::vector<float>> storage;
        storage.reserve(8); // no reallocation: the slices point into these
        {
            const Imf::Header headers[2] = {depth, beauty};
            Imf::MultiPartOutputFile file(path.c_str(), headers, 2);
            for (int part = 0; part < 2; ++part) {
                Imf::OutputPart out(file, part);
                Imf::FrameBuffer fb;
                for (auto it = headers[part].channels().begin(); it != headers[part].channels().end(); ++it) {
                    // Every channel gets its own constant: 1 for beauty.*, 2 for diffuse.*, 5 for Z.
                    const float value = std::string(it.name()).rfind("beauty", 0) == 0 ? 1.0f
                                        : std::string(it.name()) == "Z"                ? 5.0f
                                                                                       : 2.0f;
                    const std::vector<float>& values = storage.emplace_back(plane.size(), value);
                    fb.insert(it.name(), Imf::Slice::Make(Imf::FLOAT, values.data(), data));
                }
                out.setFrameBuffer(fb);
                out.writePixels(h);
            }
        }

        auto parts = inspectExr(path);
        HDR_VERIFY_OK(parts);
        QCOMPARE(parts->size(), std::size_t(2));
        QCOMPARE((*parts)[1].name, std::string("beauty"));
        QCOMPARE((*parts)[1].layers, (std::vector<std::string>{"beauty", "diffuse"}));
        QCOMPARE((*parts)[0].channels, std::vector<std::string>{"Z:float"});
        QCOMPARE((*parts)[1].dataX, -5);
        QCOMPARE((*parts)[1].displayWidth, 100);

        auto image = readExr(path, {}); // first part with colour channels, first colour layer
        HDR_VERIFY_OK(image);
        QCOMPARE(image->width(), w);
        QCOMPARE(image->height(), h);
        QCOMPARE(image->pixel(w - 1, h - 1)[1], 1.0f);
        QCOMPARE(image->metadata.attributes.at("exr:part"), std::string("1"));
        QCOMPARE(image->metadata.attributes.at("exr:layer"), std::string("beauty"));
        QCOMPARE(image->metadata.attributes.at("exr:dataWindow"), std::string("-5 30 18 39"));
        QCOMPARE(image->metadata.attributes.at("exr:displayWindow"), std::string("0 0 99 99"));

        ReadOptions diffuse;
        diffuse.layer = "diffuse";
        auto diffuseImage = readExr(path, diffuse);
        HDR_VERIFY_OK(diffuseImage);
        QCOMPARE(diffuseImage->pixel(3, 4)[2], 2.0f);

        ReadOptions depthPart;
        depthPart.part = 0; // no colour channels: Z shown as grey
        auto depthImage = readExr(path, depthPart);
        HDR_VERIFY_OK(depthImage);
        QCOMPARE(depthImage->pixel(0, 0)[0], 5.0f);
        QCOMPARE(depthImage->pixel(0, 0)[2], 5.0f);

        ReadOptions badPart;
        badPart.part = 7;
        auto bad = readExr(path, badPart);
        QVERIFY(!bad);
        HDR_EXPECT_ERROR(bad, ErrorCode::InvalidArgument);
        QVERIFY(bad.error().message.find("2 parts") != std::string::npos);
        ReadOptions badLayer;
        badLayer.layer = "specular";
        auto noLayer = readExr(path, badLayer);
        QVERIFY(!noLayer);
        QVERIFY(noLayer.error().message.find("beauty, diffuse") != std::string::npos);
    }

    void tiledMipmapReadsLevelZero()
    {
        const fs::path path = tmp("tiled.exr");
        const int w = 70, h = 45;
        const ImageF source = halfExactImage(w, h, 4);
        {
            Imf::TiledRgbaOutputFile out(path.c_str(), w, h, 16, 16, Imf::MIPMAP_LEVELS);
            std::vector<Imf::Rgba> pixels(std::size_t(w) * h);
            for (int level = 0; level < out.numLevels(); ++level) {
                for (std::size_t i = 0; i < pixels.size(); ++i) {
                    const float* s = source.data() + i * 4;
                    pixels[i] = level == 0 ? Imf::Rgba(s[0], s[1], s[2], s[3]) : Imf::Rgba(7, 7, 7, 1);
                }
                out.setFrameBuffer(pixels.data(), 1, std::size_t(w));
                out.writeTiles(0, out.numXTiles(level) - 1, 0, out.numYTiles(level) - 1, level);
            }
        }
        auto read = readExr(path, {});
        HDR_VERIFY_OK(read);
        QCOMPARE(read->width(), w);
        QVERIFY(std::memcmp(read->data(), source.data(), source.pixelCount() * 4 * sizeof(float)) == 0);
    }

    void luminanceChromaAndLuminanceOnly()
    {
        const int w = 64, h = 48;
        const ImageF source = smoothImage(w, h, 3);
        std::vector<Imf::Rgba> pixels(std::size_t(w) * h);
        for (std::size_t i = 0; i < pixels.size(); ++i) {
            const float* s = source.data() + i * 3;
            pixels[i] = Imf::Rgba(s[0], s[1], s[2], 1);
        }
        for (Imf::RgbaChannels mode : {Imf::WRITE_YC, Imf::WRITE_Y}) {
            const fs::path path = tmp(mode == Imf::WRITE_YC ? "yc.exr" : "y.exr");
            {
                Imf::RgbaOutputFile out(path.c_str(), w, h, mode);
                out.setFrameBuffer(pixels.data(), 1, std::size_t(w));
                out.writePixels(h);
            }
            auto read = readExr(path, {});
            HDR_VERIFY_OK(read);
            QCOMPARE(read->channels(), 3);
            double lumaError = 0;
            for (int y = 0; y < h; ++y) {
                for (int x = 0; x < w; ++x) {
                    const float* s = source.pixel(x, y);
                    const float* r = read->pixel(x, y);
                    const double lumaIn = 0.2126 * s[0] + 0.7152 * s[1] + 0.0722 * s[2];
                    const double lumaOut = 0.2126 * r[0] + 0.7152 * r[1] + 0.0722 * r[2];
                    lumaError = std::max(lumaError, std::abs(lumaOut - lumaIn) / (lumaIn + 0.01));
                    if (mode == Imf::WRITE_Y) {
                        QCOMPARE(r[0], r[1]);
                        QCOMPARE(r[1], r[2]);
                    }
                }
            }
            QVERIFY2(lumaError < 0.05, qPrintable(QStringLiteral("luminance error %1").arg(lumaError)));
        }
    }

    void truncatedFilesGiveErrors()
    {
        const fs::path path = tmp("whole.exr");
        WriteOptions options;
        options.compression = ExrCompression::Piz;
        HDR_VERIFY_OK(writeExr(smoothImage(96, 64, 4), path, options));
        const std::vector<char> bytes = fileBytes(path);
        for (std::size_t cut : {std::size_t(0),
                                std::size_t(3),
                                std::size_t(40),
                                std::size_t(200),
                                std::size_t(400),
                                bytes.size() / 2,
                                bytes.size() - 100,
                                bytes.size() - 1}) {
            const fs::path cutPath = tmp("cut-" + std::to_string(cut) + ".exr");
            writeBytes(cutPath, std::vector<char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut)));
            auto read = readExr(cutPath, {});
            QVERIFY2(
                !read,
                qPrintable(
                    QStringLiteral("cut at %1 of %2 bytes read without error").arg(cut).arg(bytes.size())));
            QCOMPARE(read.error().where, cutPath.string());
        }
    }

    void hugeHeaderIsRefusedBeforeAllocating()
    {
        const fs::path path = tmp("small.exr");
        HDR_VERIFY_OK(writeExr(smoothImage(8, 8, 3), path, {}));
        std::vector<char> bytes = fileBytes(path);
        const std::string key("dataWindow\0box2i\0", 17);
        auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end());
        QVERIFY(at != bytes.end());
        const std::int32_t box[4] = {0, 0, 99999, 99999};                       // 100000 x 100000 pixels
        std::memcpy(&*(at + std::ptrdiff_t(key.size()) + 4), box, sizeof(box)); // after the size field
        const fs::path hostile = tmp("huge.exr");
        writeBytes(hostile, bytes);
        auto read = readExr(hostile, {});
        QVERIFY(!read);
        HDR_EXPECT_ERROR(read, ErrorCode::LimitExceeded);
        QVERIFY(read.error().message.find("limit") != std::string::npos);
    }

    void notExrAndMissingFiles()
    {
        const fs::path text = tmp("text.exr");
        writeBytes(text, {'h', 'e', 'l', 'l', 'o'});
        auto notExr = readExr(text, {});
        QVERIFY(!notExr);
        HDR_EXPECT_ERROR(notExr, ErrorCode::UnsupportedFormat);
        auto missing = readExr(tmp("does-not-exist.exr"), {});
        QVERIFY(!missing);
        HDR_EXPECT_ERROR(missing, ErrorCode::IoError);
    }

    // --- real files from ../shared/data/exr ---

    void sharedChecksums_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("expected");
        for (const char* f :
             {"comp_none.exr", "comp_rle.exr", "comp_zips.exr", "comp_zip.exr", "comp_piz.exr"}) {
            QTest::newRow(f) << QString::fromLatin1(f) << 24988;
        }
        QTest::newRow("lineOrder_decreasing.exr") << QStringLiteral("lineOrder_decreasing.exr") << 46515;
    }

    void sharedChecksums()
    {
        QFETCH(QString, file);
        QFETCH(int, expected);
        HDR_REQUIRE_SHARED("data/exr/" + file.toStdString());
        auto image = readExr(shared(file.toStdString()), {});
        HDR_VERIFY_OK(image);
        QCOMPARE(image->channels(), 4);
        QCOMPARE(int(halfChecksum(*image)), expected);
    }

    void sharedLossyMatchTwins_data()
    {
        QTest::addColumn<QString>("lossy");
        QTest::addColumn<QString>("reference");
        QTest::newRow("dwaa") << QStringLiteral("comp_dwaa_v2.exr") << QStringLiteral("comp_dwaa_piz.exr");
        QTest::newRow("dwab") << QStringLiteral("comp_dwab_v2.exr") << QStringLiteral("comp_dwab_piz.exr");
        QTest::newRow("b44") << QStringLiteral("comp_b44.exr") << QStringLiteral("comp_b44_piz.exr");
    }

    void sharedLossyMatchTwins()
    {
        QFETCH(QString, lossy);
        QFETCH(QString, reference);
        HDR_REQUIRE_SHARED("data/exr/" + lossy.toStdString());
        HDR_REQUIRE_SHARED("data/exr/" + reference.toStdString());
        auto a = readExr(shared(lossy.toStdString()), {});
        auto b = readExr(shared(reference.toStdString()), {});
        HDR_VERIFY_OK(a);
        HDR_VERIFY_OK(b);
        QCOMPARE(a->width(), b->width());
        QCOMPARE(a->height(), b->height());
        const int channels = std::min(a->channels(), b->channels());
        for (int y = 0; y < a->height(); ++y) {
            for (int x = 0; x < a->width(); ++x) {
                for (int c = 0; c < channels; ++c) {
                    const float va = a->pixel(x, y)[c], vb = b->pixel(x, y)[c];
                    if (!std::isfinite(va) || !std::isfinite(vb)) {
                        QCOMPARE(std::isnan(va), std::isnan(vb));
                        continue;
                    }
                    const double ratio = (double(va) + 0.01) / (double(vb) + 0.01);
                    if (ratio < 0.9 || ratio > 1.1) {
                        QFAIL(qPrintable(QStringLiteral("pixel %1,%2 channel %3: %4 vs %5")
                                             .arg(x)
                                             .arg(y)
                                             .arg(c)
                                             .arg(va)
                                             .arg(vb)));
                    }
                }
            }
        }
    }

    void sharedMultipart()
    {
        HDR_REQUIRE_SHARED("data/exr/multipart.0001.exr");
        const fs::path path = shared("multipart.0001.exr");
        auto parts = inspectExr(path);
        HDR_VERIFY_OK(parts);
        QCOMPARE(parts->size(), std::size_t(10));
        QCOMPARE((*parts)[0].name, std::string("rgba_right"));
        QCOMPARE((*parts)[9].name, std::string("whitebarmask_right"));
        QCOMPARE((*parts)[3].dataWidth, 385);
        QCOMPARE((*parts)[3].displayWidth, 2048);
        QCOMPARE((*parts)[0].compression, std::string("ZIPS"));
        for (int p = 0; p < 10; ++p) {
            ReadOptions options;
            options.part = p;
            auto image = readExr(path, options);
            HDR_VERIFY_OK(image);
            QCOMPARE(image->width(), (*parts)[std::size_t(p)].dataWidth);
            QCOMPARE(image->height(), (*parts)[std::size_t(p)].dataHeight);
        }
        ReadOptions options;
        options.part = 10;
        auto bad = readExr(path, options);
        QVERIFY(!bad);
        QVERIFY(bad.error().message.find("10 parts") != std::string::npos);
    }

    void sharedTiledAndLuminance()
    {
        HDR_REQUIRE_SHARED("data/exr/GoldenGate.exr");
        struct Case {
            const char* file;
            int width, height, channels;
        };
        for (const Case& c : {Case{"GoldenGate.exr", 1262, 860, 3},
                              Case{"ColorCodedLevels.exr", 512, 512, 4},
                              Case{"Garden.exr", 874, 493, 3},
                              Case{"tiled_with_scanlineimage_type.exr", 40, 40, 4},
                              Case{"v1.7.test.tiled.exr", 217, 197, 3},
                              Case{"comp_b44.exr", 586, 674, 3},
                              Case{"Adjuster.exr", 775, 678, 3},
                              Case{"manifest_id.exr", 100, 100, 4},
                              Case{"WideFloatRange.exr", 500, 500, 3}}) {
            auto image = readExr(shared(c.file), {});
            HDR_VERIFY_OK(image);
            QCOMPARE(image->width(), c.width);
            QCOMPARE(image->height(), c.height);
            QCOMPARE(image->channels(), c.channels);
        }
        auto garden = readExr(shared("Garden.exr"), {});
        const float* g = garden->pixel(400, 200);
        QVERIFY(g[0] == g[1] && g[1] == g[2] && g[0] > 0);
        auto levels = inspectExr(shared("ColorCodedLevels.exr"));
        HDR_VERIFY_OK(levels);
        QCOMPARE((*levels)[0].type, std::string("tiledimage"));
        auto adjuster = inspectExr(shared("Adjuster.exr"));
        HDR_VERIFY_OK(adjuster);
        QCOMPARE((*adjuster)[0].layers, (std::vector<std::string>{"", "left", "right"}));
        ReadOptions left;
        left.layer = "left";
        auto leftView = readExr(shared("Adjuster.exr"), left);
        HDR_VERIFY_OK(leftView);
        QCOMPARE(leftView->metadata.sourceChannels, (std::vector<std::string>{"left.R", "left.G", "left.B"}));
        auto floatRgb = readExr(shared("test_float_rgb.exr"), {});
        HDR_VERIFY_OK(floatRgb);
        QCOMPARE(floatRgb->metadata.sourcePixelType, std::string("float"));
    }

    void sharedColourSpaces()
    {
        HDR_REQUIRE_SHARED("data/exr/XYZ.exr");
        auto xyz = readExr(shared("XYZ.exr"), {});
        HDR_VERIFY_OK(xyz);
        QVERIFY2(xyz->colorSpace.primaries == Primaries::XYZ, nameOf(xyz->colorSpace.primaries));
        double sumY = 0;
        float maxY = 0;
        for (int y = 0; y < xyz->height(); ++y) {
            for (int x = 0; x < xyz->width(); ++x) {
                const float* p = xyz->pixel(x, y);
                QVERIFY(std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]));
                sumY += p[1];
                maxY = std::max(maxY, p[1]);
            }
        }
        const double meanY = sumY / double(xyz->pixelCount());
        QVERIFY2(meanY > 0.01 && meanY < 5 && maxY < 6, qPrintable(QStringLiteral("mean Y %1").arg(meanY)));
        auto carrots = readExr(shared("Carrots.exr"), {});
        HDR_VERIFY_OK(carrots);
        QVERIFY2(carrots->colorSpace.primaries == Primaries::AcesAP0, nameOf(carrots->colorSpace.primaries));
    }

    void sharedDataWindows()
    {
        HDR_REQUIRE_SHARED("data/exr/t08.exr");
        auto t08 = readExr(shared("t08.exr"), {});
        HDR_VERIFY_OK(t08);
        QCOMPARE(t08->width(), 400);
        QCOMPARE(t08->height(), 300);
        QCOMPARE(t08->metadata.attributes.at("exr:dataWindow"), std::string("30 40 429 339"));
        QCOMPARE(t08->metadata.attributes.at("exr:displayWindow"), std::string("0 0 500 400"));
        for (const char* f : {"t13.exr", "t16.exr", "v1.7.test.1.exr"}) {
            auto image = readExr(shared(f), {});
            HDR_VERIFY_OK(image);
        }
        auto t16 = readExr(shared("t16.exr"), {});
        QCOMPARE(t16->metadata.attributes.at("exr:displayWindow"), std::string("-40 -40 440 330"));
        QCOMPARE(t16->metadata.attributes.at("exr:pixelAspectRatio").substr(0, 4), std::string("0.66"));
    }

    void sharedNonFiniteValues()
    {
        HDR_REQUIRE_SHARED("data/exr/BrightRingsNanInf.exr");
        auto rings = readExr(shared("BrightRingsNanInf.exr"), {});
        HDR_VERIFY_OK(rings);
        int nonFinite = 0;
        float maxFinite = 0;
        for (std::size_t i = 0; i < std::size_t(rings->pixelCount()) * 3; ++i) {
            const float v = rings->data()[i];
            std::isfinite(v) ? void(maxFinite = std::max(maxFinite, v)) : void(++nonFinite);
        }
        QCOMPARE(nonFinite, 18);
        QVERIFY(maxFinite > 1000);
        auto wide = readExr(shared("WideFloatRange.exr"), {});
        HDR_VERIFY_OK(wide);
        float hi = 0, lo = 0;
        for (std::size_t i = 0; i < std::size_t(wide->pixelCount()) * 3; ++i) {
            hi = std::max(hi, wide->data()[i]);
            lo = std::min(lo, wide->data()[i]);
        }
        QVERIFY(hi > 1e38f);
        QVERIFY(lo < -1e37f);
        auto all = readExr(shared("AllHalfValues.exr"), {});
        HDR_VERIFY_OK(all);
        std::set<std::uint16_t> patterns;
        for (std::size_t i = 0; i < std::size_t(all->pixelCount()) * 3; ++i) {
            patterns.insert(Imath::half(all->data()[i]).bits());
        }
        QCOMPARE(patterns.size(), std::size_t(65536));
    }

    void sharedDamagedFilesGiveErrors()
    {
        HDR_REQUIRE_SHARED("data/exr/damaged/invalid.exr");
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(shared("damaged"))) {
            files.push_back(e.path());
        }
        files.push_back(shared("invalid_shared_attrs_multipart.exr"));
        for (const fs::path& f : files) {
            auto image = readExr(f, {});
            QVERIFY2(!image, qPrintable(QString::fromStdString(f.string() + " read without error")));
            QCOMPARE(image.error().where, f.string());
            // invalid.exr has no OpenEXR signature; every other file is a damaged OpenEXR file.
            const ErrorCode expected =
                f.filename() == "invalid.exr" ? ErrorCode::UnsupportedFormat : ErrorCode::CorruptData;
            HDR_EXPECT_ERROR(image, expected);
            auto info = inspectExr(f);
            QVERIFY2(!info, qPrintable(QString::fromStdString(f.string() + " inspected without error")));
            HDR_EXPECT_ERROR(info, expected);
        }
        auto deep = readExr(shared("11.deep.exr"), {});
        QVERIFY(!deep);
        HDR_EXPECT_ERROR(deep, ErrorCode::UnsupportedFormat);
        QVERIFY(deep.error().message.find("deep") != std::string::npos);
        auto deepInfo = inspectExr(shared("11.deep.exr"));
        HDR_VERIFY_OK(deepInfo);
        QCOMPARE((*deepInfo)[0].type, std::string("deepscanline"));
    }
};

HDR_TEST_MAIN(TestExr)
#include "tst_exr.moc"
