// TIFF reader/writer: float bit-exact and half round trips, 8/16-bit display round trips, inputs
// built here with libtiff (tiles, separate planes, grey, min-is-white, palette, premultiplied
// alpha, ICC), text tags, refusal to overwrite, hostile files.

#include "color/Icc.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <Imath/half.h>
#include <tiffio.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

ImageF hdrGradient(int w, int h, int channels)
{
    ImageF image(w, h, channels);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            float* p = image.pixel(x, y);
            p[0] = 16.0f * float(x) / float(w - 1);
            p[1] = float(y) / float(h - 1);
            p[2] = -0.05f + 0.001f * float(x * y);
            if (channels == 4) {
                p[3] = float((x + y) % 5) / 4.0f;
            }
        }
    }
    return image;
}

using hdr::test::readAll;
using hdr::test::writeAll;

// Writes a TIFF with libtiff directly. `value(x, y, s)` gives sample s of pixel (x, y) as a
// double that is stored in the sample type given by bits/format.
struct TiffSpec {
    int width = 13, height = 9, samples = 3, bits = 8;
    std::uint16_t format = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_RGB, planar = PLANARCONFIG_CONTIG;
    int tile = 0; // 0: strips of 4 rows
    std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    std::vector<std::uint8_t> icc;
};

template <typename Fn> void writeTestTiff(const fs::path& path, const TiffSpec& s, Fn value)
{
    TIFF* tif = TIFFOpen(path.c_str(), "w");
    QVERIFY(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, s.width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, s.height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, s.samples);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, s.bits);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, s.format);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, s.photometric);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, s.planar);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    const int colour = s.photometric == PHOTOMETRIC_RGB ? 3 : 1;
    if (s.samples > colour) {
        std::uint16_t extra[1] = {s.extra};
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, extra);
    }
    if (s.photometric == PHOTOMETRIC_PALETTE) {
        static std::uint16_t r[256], g[256], b[256];
        for (int i = 0; i < 256; ++i) {
            r[i] = std::uint16_t(i * 257);
            g[i] = std::uint16_t((255 - i) * 257);
            b[i] = 0;
        }
        TIFFSetField(tif, TIFFTAG_COLORMAP, r, g, b);
    }
    if (!s.icc.empty()) {
        TIFFSetField(tif, TIFFTAG_ICCPROFILE, std::uint32_t(s.icc.size()), s.icc.data());
    }
    const int bytes = s.bits / 8;
    auto put = [&](std::uint8_t* dst, double v) {
        if (s.format == SAMPLEFORMAT_IEEEFP && s.bits == 32) {
            const float f = float(v);
            std::memcpy(dst, &f, 4);
        } else if (s.format == SAMPLEFORMAT_IEEEFP && s.bits == 16) {
            const std::uint16_t h = Imath::half(float(v)).bits();
            std::memcpy(dst, &h, 2);
        } else if (s.bits == 16) {
            const auto u = std::uint16_t(v);
            std::memcpy(dst, &u, 2);
        } else {
            *dst = std::uint8_t(v);
        }
    };
    const bool separate = s.planar == PLANARCONFIG_SEPARATE;
    const int planes = separate ? s.samples : 1;
    const int perPixel = separate ? 1 : s.samples;
    if (s.tile > 0) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, s.tile);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, s.tile);
        std::vector<std::uint8_t> buf(std::size_t(s.tile) * s.tile * perPixel * bytes);
        for (int p = 0; p < planes; ++p) {
            for (int ty = 0; ty < s.height; ty += s.tile) {
                for (int tx = 0; tx < s.width; tx += s.tile) {
                    std::fill(buf.begin(), buf.end(), 0);
                    for (int y = ty; y < std::min(ty + s.tile, s.height); ++y) {
                        for (int x = tx; x < std::min(tx + s.tile, s.width); ++x) {
                            for (int c = 0; c < perPixel; ++c) {
                                const std::size_t i =
                                    (std::size_t(y - ty) * s.tile + (x - tx)) * perPixel + c;
                                put(&buf[i * bytes], value(x, y, separate ? p : c));
                            }
                        }
                    }
                    TIFFWriteTile(tif, buf.data(), tx, ty, 0, std::uint16_t(p));
                }
            }
        }
    } else {
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 4);
        std::vector<std::uint8_t> row(std::size_t(s.width) * perPixel * bytes);
        for (int p = 0; p < planes; ++p) {
            for (int y = 0; y < s.height; ++y) {
                for (int x = 0; x < s.width; ++x) {
                    for (int c = 0; c < perPixel; ++c) {
                        put(&row[(std::size_t(x) * perPixel + c) * bytes], value(x, y, separate ? p : c));
                    }
                }
                TIFFWriteScanline(tif, row.data(), std::uint32_t(y), std::uint16_t(p));
            }
        }
    }
    TIFFClose(tif);
}

} // namespace

class TestTiff : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path file(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void floatRoundTripIsBitExact_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("compression");
        QTest::newRow("RGB deflate") << 3 << int(ExrCompression::Zip);
        QTest::newRow("RGBA deflate") << 4 << int(ExrCompression::Zip);
        QTest::newRow("RGB LZW") << 3 << int(ExrCompression::Rle);
        QTest::newRow("RGB none") << 3 << int(ExrCompression::None);
    }
    void floatRoundTripIsBitExact()
    {
        QFETCH(int, channels);
        QFETCH(int, compression);
        ImageF source = hdrGradient(37, 23, channels);
        source.colorSpace = LinearColorSpace{Primaries::Rec2020, {}};
        source.pixel(3, 3)[0] = std::numeric_limits<float>::infinity();
        WriteOptions options;
        options.compression = ExrCompression(compression);
        const fs::path path = file(std::string("float-") + QTest::currentDataTag() + ".tif");
        HDR_VERIFY_OK(writeImage(source, path, options));
        const auto read = readImage(path);
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.sourcePixelType, std::string("float"));
        QCOMPARE(QString::fromLatin1(nameOf(read->colorSpace.primaries)),
                 QString::fromLatin1(nameOf(Primaries::Rec2020)));
        QCOMPARE(read->channels(), channels);
        QVERIFY(std::memcmp(read->data(),
                            source.data(),
                            sizeof(float) * std::size_t(source.pixelCount()) * channels) == 0);
    }

    void halfRoundTrip()
    {
        const ImageF source = hdrGradient(20, 10, 3);
        WriteOptions options;
        options.sampleType = SampleType::Half;
        HDR_VERIFY_OK(writeImage(source, file("half.tif"), options));
        const auto read = readTiff(file("half.tif"), {});
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.sourcePixelType, std::string("half"));
        for (std::size_t i = 0; i < std::size_t(source.pixelCount()) * 3; ++i) {
            QCOMPARE(read->data()[i], float(Imath::half(source.data()[i])));
        }
    }

    void displayRoundTrip_data()
    {
        QTest::addColumn<int>("bits");
        QTest::newRow("8-bit") << 8;
        QTest::newRow("16-bit") << 16;
    }
    void displayRoundTrip()
    {
        QFETCH(int, bits);
        ImageF source = hdrGradient(31, 17, 4);
        for (int i = 0; i < 31 * 17 * 4; ++i) {
            source.data()[i] = std::clamp(source.data()[i] / (i % 4 == 0 ? 16.0f : 1.0f), 0.0f, 1.0f);
        }
        const DisplayImage16 encoded = encodeDisplay16(source, Transfer::srgb(), LinearColorSpace{});
        WriteOptions options;
        options.sampleType = bits == 8 ? SampleType::U8 : SampleType::U16;
        options.embedIcc = false; // the codec alone; ICC accuracy is tst_icc's business
        const fs::path path = file("display" + std::to_string(bits) + ".tif");
        HDR_VERIFY_OK(writeTiffDisplay(encoded, path, options));
        const auto read = readImage(path);
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.sourcePixelType, std::string(bits == 8 ? "uint8" : "uint16"));
        const DisplayImage16 again = encodeDisplay16(*read, Transfer::srgb(), LinearColorSpace{});
        for (std::size_t i = 0; i < encoded.pixels.size(); ++i) {
            const double scale = bits == 8 ? 255.0 / 65535.0 : 1.0;
            const long want = std::lround(encoded.pixels[i] * scale);
            const long got = std::lround(again.pixels[i] * scale);
            QVERIFY2(std::abs(want - got) <= 1,
                     qPrintable(QStringLiteral("sample %1: %2 vs %3").arg(i).arg(got).arg(want)));
        }
    }

    void iccProfileIsEmbeddedAndRead()
    {
        const std::vector<std::uint8_t> profile =
            makeIccProfile(LinearColorSpace{Primaries::DisplayP3, {}}, Transfer::srgb(), "P3 test");
        if (profile.empty()) {
            QSKIP("makeIccProfile() is not implemented in this build");
        }
        TiffSpec spec;
        spec.icc = profile;
        writeTestTiff(file("icc.tif"), spec, [](int x, int y, int c) {
            return double((x * 20 + y * 5 + c * 60) % 256);
        });
        const auto read = readTiff(file("icc.tif"), {});
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.iccProfile, profile);
        // Our writer embeds one too when asked.
        const DisplayImage16 encoded =
            encodeDisplay16(hdrGradient(8, 8, 3), Transfer::srgb(), LinearColorSpace{});
        HDR_VERIFY_OK(writeTiffDisplay(encoded, file("icc-ours.tif"), {}));
        QVERIFY(!readTiff(file("icc-ours.tif"), {})->metadata.iccProfile.empty());
    }

    void readsLayoutsBuiltWithLibtiff_data()
    {
        QTest::addColumn<int>("samples");
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("photometric");
        QTest::addColumn<int>("planar");
        QTest::addColumn<int>("tile");
        QTest::newRow("8-bit RGB tiled")
            << 3 << 8 << SAMPLEFORMAT_UINT << PHOTOMETRIC_RGB << PLANARCONFIG_CONTIG << 16;
        QTest::newRow("16-bit RGB planar")
            << 3 << 16 << SAMPLEFORMAT_UINT << PHOTOMETRIC_RGB << PLANARCONFIG_SEPARATE << 0;
        QTest::newRow("16-bit RGBA planar tiled")
            << 4 << 16 << SAMPLEFORMAT_UINT << PHOTOMETRIC_RGB << PLANARCONFIG_SEPARATE << 16;
        QTest::newRow("8-bit grey") << 1 << 8 << SAMPLEFORMAT_UINT << PHOTOMETRIC_MINISBLACK
                                    << PLANARCONFIG_CONTIG << 0;
        QTest::newRow("16-bit grey+alpha")
            << 2 << 16 << SAMPLEFORMAT_UINT << PHOTOMETRIC_MINISBLACK << PLANARCONFIG_CONTIG << 0;
        QTest::newRow("float RGB tiled planar")
            << 3 << 32 << SAMPLEFORMAT_IEEEFP << PHOTOMETRIC_RGB << PLANARCONFIG_SEPARATE << 16;
        QTest::newRow("half grey") << 1 << 16 << SAMPLEFORMAT_IEEEFP << PHOTOMETRIC_MINISBLACK
                                   << PLANARCONFIG_CONTIG << 0;
    }
    void readsLayoutsBuiltWithLibtiff()
    {
        QFETCH(int, samples);
        QFETCH(int, bits);
        QFETCH(int, format);
        QFETCH(int, photometric);
        QFETCH(int, planar);
        QFETCH(int, tile);
        TiffSpec spec;
        spec.width = 37;
        spec.height = 21;
        spec.samples = samples;
        spec.bits = bits;
        spec.format = std::uint16_t(format);
        spec.photometric = std::uint16_t(photometric);
        spec.planar = std::uint16_t(planar);
        spec.tile = tile;
        const bool real = format == SAMPLEFORMAT_IEEEFP;
        const double maxValue = bits == 8 ? 255.0 : 65535.0;
        auto value = [&](int x, int y, int s) {
            const double t = double((x * 7 + y * 13 + s * 29) % 64) / 63.0;
            return real ? 3.0 * t : std::round(t * maxValue);
        };
        const fs::path path = file(std::string("layout-") + QTest::currentDataTag() + ".tif");
        writeTestTiff(path, spec, value);
        const auto read = readTiff(path, {});
        HDR_VERIFY_OK(read);
        const int colour = photometric == PHOTOMETRIC_RGB ? 3 : 1;
        const bool alpha = samples > colour;
        QCOMPARE(read->width(), 37);
        QCOMPARE(read->height(), 21);
        QCOMPARE(read->channels(), alpha ? 4 : 3);
        for (int y = 0; y < 21; ++y) {
            for (int x = 0; x < 37; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const double v = value(x, y, colour == 1 ? 0 : c);
                    const double want =
                        real ? double(float(Imath::half(float(v)))) : double(srgbDecode(float(v / maxValue)));
                    const double tol = real ? (bits == 16 ? 0.0 : 1e-6) : 1e-4;
                    if (real && bits == 32) {
                        QCOMPARE(read->pixel(x, y)[c], float(v));
                    } else {
                        QVERIFY2(std::abs(read->pixel(x, y)[c] - want) <= tol,
                                 qPrintable(QStringLiteral("(%1,%2,%3) %4 vs %5")
                                                .arg(x)
                                                .arg(y)
                                                .arg(c)
                                                .arg(read->pixel(x, y)[c])
                                                .arg(want)));
                    }
                }
                if (alpha) {
                    QVERIFY(std::abs(read->pixel(x, y)[3] - value(x, y, colour) / maxValue) < 1e-6);
                }
            }
        }
    }

    void minIsWhitePaletteAndPremultiplied()
    {
        TiffSpec grey;
        grey.samples = 1;
        grey.photometric = PHOTOMETRIC_MINISWHITE;
        writeTestTiff(file("miniswhite.tif"), grey, [](int x, int, int) { return x == 0 ? 255.0 : 0.0; });
        auto r = readTiff(file("miniswhite.tif"), {});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->pixel(0, 0)[0], 0.0f);
        QCOMPARE(r->pixel(1, 0)[0], 1.0f);

        TiffSpec palette;
        palette.samples = 1;
        palette.photometric = PHOTOMETRIC_PALETTE;
        writeTestTiff(file("palette.tif"), palette, [](int x, int, int) { return x == 0 ? 255.0 : 0.0; });
        r = readTiff(file("palette.tif"), {});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->pixel(0, 0)[0], 1.0f); // index 255 -> red 65535
        QCOMPARE(r->pixel(0, 0)[1], 0.0f);
        QCOMPARE(r->pixel(1, 0)[1], 1.0f); // index 0 -> green 65535

        TiffSpec premultiplied;
        premultiplied.samples = 4;
        premultiplied.format = SAMPLEFORMAT_IEEEFP;
        premultiplied.bits = 32;
        premultiplied.extra = EXTRASAMPLE_ASSOCALPHA;
        writeTestTiff(file("premul.tif"), premultiplied, [](int, int, int c) { return c == 3 ? 0.5 : 0.25; });
        r = readTiff(file("premul.tif"), {});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->pixel(2, 2)[0], 0.5f);
        QCOMPARE(r->pixel(2, 2)[3], 0.5f);
    }

    void textTagsSurvive()
    {
        ImageF image = hdrGradient(8, 8, 3);
        image.metadata.attributes["ImageDescription"] = "line one\nline two: Steps 30, CFG 7";
        image.metadata.attributes["Artist"] = "HDR Studio tests";
        HDR_VERIFY_OK(writeImage(image, file("text.tif"), {}));
        const auto read = readImage(file("text.tif"));
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.attributes.at("ImageDescription"),
                 image.metadata.attributes["ImageDescription"]);
        QCOMPARE(read->metadata.attributes.at("Artist"), std::string("HDR Studio tests"));
        QCOMPARE(read->metadata.attributes.at("Software"), std::string("HDR Studio"));
    }

    void refusesToOverwrite()
    {
        const fs::path path = file("keep.tif");
        HDR_VERIFY_OK(writeImage(hdrGradient(8, 8, 3), path, {}));
        const std::vector<char> before = readAll(path);
        const auto again = writeImage(hdrGradient(9, 9, 3), path, {});
        QVERIFY(!again);
        QCOMPARE(QString::fromLatin1(nameOf(again.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::AlreadyExists)));
        QCOMPARE(readAll(path), before);
    }

    void hostileInputsGiveErrors()
    {
        WriteOptions options;
        options.compression = ExrCompression::None;
        HDR_VERIFY_OK(writeImage(hdrGradient(60, 40, 3), file("good.tif"), options));
        const std::vector<char> bytes = readAll(file("good.tif"));
        for (std::size_t cut : {std::size_t(0),
                                std::size_t(4),
                                std::size_t(9),
                                std::size_t(100),
                                bytes.size() / 2,
                                bytes.size() * 3 / 4}) {
            // (Cuts in the trailing tag data are not listed: libtiff drops a damaged optional tag
            // and the pixels, which come first in our files, still decode completely.)
            const fs::path p = file("cut" + std::to_string(cut) + ".tif");
            writeAll(p, std::vector<char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut)));
            QVERIFY2(!readTiff(p, {}), qPrintable(QStringLiteral("cut at %1 was accepted").arg(cut)));
        }
        // Classic little-endian TIFF whose IFD claims 100000 x 100000 RGB pixels.
        std::vector<char> huge = {'I', 'I', 42, 0, 8, 0, 0, 0};
        auto u16 = [&](unsigned v) {
            huge.push_back(char(v & 0xFF));
            huge.push_back(char(v >> 8));
        };
        auto u32 = [&](std::uint32_t v) {
            u16(v & 0xFFFF);
            u16(v >> 16);
        };
        const std::pair<unsigned, std::uint32_t> entries[] = {{256, 100000},
                                                              {257, 100000},
                                                              {258, 8},
                                                              {259, 1},
                                                              {262, 2},
                                                              {273, 200},
                                                              {277, 1},
                                                              {278, 100000},
                                                              {279, 1000}};
        u16(9);
        for (auto [tag, value] : entries) {
            u16(tag);
            u16(4); // LONG
            u32(1);
            u32(value);
        }
        u32(0);
        huge.resize(1400, 0);
        writeAll(file("huge.tif"), huge);
        const auto h = readImage(file("huge.tif"));
        QVERIFY(!h);
        QCOMPARE(QString::fromLatin1(nameOf(h.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::LimitExceeded)));
        // Random garbage behind a TIFF signature.
        std::mt19937 rng(11);
        std::vector<char> garbage(8192);
        for (char& c : garbage) {
            c = char(rng());
        }
        std::memcpy(garbage.data(), "II*\0\x08\0\0\0", 8);
        writeAll(file("garbage.tif"), garbage);
        QVERIFY(!readImage(file("garbage.tif")));
    }

    void readsSharedReferenceTiff()
    {
        HDR_REQUIRE_SHARED("data/rgbe/old-rle.hdr.ref.tiff");
        const auto read = readImage(hdr::test::sharedPath("data/rgbe/old-rle.hdr.ref.tiff"));
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.sourcePixelType, std::string("float"));
        QVERIFY(read->width() > 0 && read->height() > 0);
        double sum = 0.0;
        for (std::size_t i = 0; i < std::size_t(read->pixelCount()) * std::size_t(read->channels()); ++i) {
            QVERIFY(std::isfinite(read->data()[i]));
            sum += read->data()[i];
        }
        QVERIFY(sum > 0.0);
    }
};

HDR_TEST_MAIN(TestTiff)
#include "tst_tiff.moc"
