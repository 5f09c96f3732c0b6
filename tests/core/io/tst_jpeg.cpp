// JPEG reader/writer: round trip at high quality, grey/CMYK/EXIF-rotated/multi-chunk-ICC inputs
// built here with libjpeg, comments, refusal to overwrite, hostile files, real files in ../shared.

#include "color/Icc.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <cstdio>
#include <jpeglib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

ImageF gradient(int w, int h)
{
    ImageF image(w, h, 3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            float* p = image.pixel(x, y);
            p[0] = float(x) / float(w - 1);
            p[1] = float(y) / float(h - 1);
            p[2] = 0.25f;
        }
    }
    return image;
}

using hdr::test::readAll;
using hdr::test::writeAll;

// Writes a small JPEG with libjpeg: `components` 1 (grey), 3 (RGB) or 4 (CMYK), optional EXIF
// orientation and ICC profile. Uses libjpeg's default error handler: inputs here are well formed.
void writeTestJpeg(const fs::path& path,
                   int w,
                   int h,
                   int components,
                   const std::function<void(int, int, std::uint8_t*)>& pixel,
                   int orientation = 0,
                   const std::vector<std::uint8_t>& icc = {})
{
    jpeg_compress_struct cinfo{};
    jpeg_error_mgr err{};
    cinfo.err = jpeg_std_error(&err);
    jpeg_create_compress(&cinfo);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = JDIMENSION(w);
    cinfo.image_height = JDIMENSION(h);
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 100, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    if (orientation > 0) {
        // "Exif\0\0" + little-endian TIFF header + IFD0 with one Orientation entry.
        const unsigned char exif[] = {'E', 'x',  'i',  'f', 0,
                                      0,   'I',  'I',  42,  0,
                                      8,   0,    0,    0,   1,
                                      0,   0x12, 0x01, 3,   0,
                                      1,   0,    0,    0,   std::uint8_t(orientation),
                                      0,   0,    0,    0,   0,
                                      0,   0};
        jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif, sizeof(exif));
    }
    if (!icc.empty()) {
        jpeg_write_icc_profile(&cinfo, icc.data(), unsigned(icc.size()));
    }
    std::vector<std::uint8_t> row(std::size_t(w) * components);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            pixel(x, y, &row[std::size_t(x) * components]);
        }
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&cinfo, &r, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    std::fclose(f);
}

std::uint8_t code8(float linear)
{
    return std::uint8_t(std::lround(std::clamp(srgbEncode(linear), 0.0f, 1.0f) * 255.0f));
}

} // namespace

class TestJpeg : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path file(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void roundTripAtHighQuality()
    {
        const ImageF source = gradient(64, 48);
        WriteOptions options;
        options.jpegQuality = 98;
        options.embedIcc = false; // the codec alone; ICC accuracy is tst_icc's business
        HDR_VERIFY_OK(writeImage(source, file("rt.jpg"), options));
        const auto read = readImage(file("rt.jpg"));
        HDR_VERIFY_OK(read);
        QCOMPARE(read->metadata.sourceFormat, std::string("JPEG"));
        QCOMPARE(read->width(), 64);
        QCOMPARE(read->height(), 48);
        double sum = 0.0;
        int worst = 0;
        for (int y = 0; y < 48; ++y) {
            for (int x = 0; x < 64; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const int d =
                        std::abs(int(code8(read->pixel(x, y)[c])) - int(code8(source.pixel(x, y)[c])));
                    worst = std::max(worst, d);
                    sum += d;
                }
            }
        }
        QVERIFY2(sum / (64 * 48 * 3) < 1.0, qPrintable(QString::number(sum / (64 * 48 * 3))));
        QVERIFY2(worst <= 4, qPrintable(QString::number(worst)));
    }

    void sixteenBitInputIsQuantisedAndAlphaDropped()
    {
        ImageF rgba = withChannels(gradient(16, 16), 4);
        DisplayImage16 d = encodeDisplay16(rgba, Transfer::srgb(), LinearColorSpace{});
        HDR_VERIFY_OK(writeJpegDisplay(d, file("rgba.jpg"), {}));
        const auto read = readJpeg(file("rgba.jpg"), {});
        HDR_VERIFY_OK(read);
        QCOMPARE(read->channels(), 3);
        WriteOptions sixteen;
        sixteen.sampleType = SampleType::U16;
        const auto refused = writeImage(gradient(4, 4), file("sixteen.jpg"), sixteen);
        QVERIFY(!refused);
        QCOMPARE(QString::fromLatin1(nameOf(refused.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::InvalidArgument)));
        WriteOptions badQuality;
        badQuality.jpegQuality = 0;
        QCOMPARE(
            QString::fromLatin1(nameOf(writeImage(gradient(4, 4), file("q0.jpg"), badQuality).error().code)),
            QString::fromLatin1(nameOf(ErrorCode::InvalidArgument)));
    }

    void greyAndCmyk()
    {
        writeTestJpeg(
            file("grey.jpg"), 16, 8, 1, [](int x, int, std::uint8_t* p) { p[0] = std::uint8_t(x * 16); });
        auto r = readJpeg(file("grey.jpg"), {});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->channels(), 3);
        QCOMPARE(r->metadata.sourceChannels, std::vector<std::string>{"Y"});
        QCOMPARE(r->pixel(9, 3)[0], r->pixel(9, 3)[2]);
        QVERIFY(std::abs(int(code8(r->pixel(9, 3)[1])) - 144) <= 2);
        // Adobe CMYK (inverted): C=200 M=100 Y=50 K=255 means RGB 200, 100, 50.
        writeTestJpeg(file("cmyk.jpg"), 16, 16, 4, [](int, int, std::uint8_t* p) {
            p[0] = 200, p[1] = 100, p[2] = 50, p[3] = 255;
        });
        r = readJpeg(file("cmyk.jpg"), {});
        HDR_VERIFY_OK(r);
        QVERIFY(std::abs(int(code8(r->pixel(5, 5)[0])) - 200) <= 2);
        QVERIFY(std::abs(int(code8(r->pixel(5, 5)[1])) - 100) <= 2);
        QVERIFY(std::abs(int(code8(r->pixel(5, 5)[2])) - 50) <= 2);
    }

    void exifOrientationIsApplied()
    {
        // 32 x 16, left half red, right half blue; orientation 6 = rotate 90 degrees clockwise.
        writeTestJpeg(
            file("rot.jpg"),
            32,
            16,
            3,
            [](int x, int, std::uint8_t* p) { p[0] = x < 16 ? 255 : 0, p[1] = 0, p[2] = x < 16 ? 0 : 255; },
            6);
        const auto r = readJpeg(file("rot.jpg"), {});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->width(), 16);
        QCOMPARE(r->height(), 32);
        QVERIFY(r->pixel(8, 4)[0] > 0.9f);  // top is the former left: red
        QVERIFY(r->pixel(8, 28)[2] > 0.9f); // bottom is the former right: blue
    }

    void iccProfileSurvivesMultipleMarkers()
    {
        std::vector<std::uint8_t> profile =
            makeIccProfile(LinearColorSpace{Primaries::DisplayP3, {}}, Transfer::srgb(), "P3 test");
        if (profile.empty()) {
            QSKIP("makeIccProfile() is not implemented in this build");
        }
        // Pad the profile to > 64 KiB so it spans several APP2 markers (private trailing bytes
        // are allowed after the tagged data; the header size field is updated to match).
        profile.resize(150000, 0);
        for (int i = 0; i < 4; ++i) {
            profile[std::size_t(i)] = std::uint8_t((150000u >> (24 - 8 * i)) & 0xFF);
        }
        writeTestJpeg(
            file("icc.jpg"),
            8,
            8,
            3,
            [](int, int, std::uint8_t* p) { p[0] = p[1] = p[2] = 128; },
            0,
            profile);
        const auto r = readJpeg(file("icc.jpg"), {});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->metadata.iccProfile, profile);
        // Our writer embeds the profile of the output space.
        HDR_VERIFY_OK(writeImage(gradient(8, 8), file("ours-icc.jpg"), {}));
        QVERIFY(!readJpeg(file("ours-icc.jpg"), {})->metadata.iccProfile.empty());
    }

    void commentSurvives()
    {
        ImageF image = gradient(8, 8);
        image.metadata.attributes["comment"] = "made by tst_jpeg";
        HDR_VERIFY_OK(writeImage(image, file("comment.jpg"), {}));
        QCOMPARE(readImage(file("comment.jpg"))->metadata.attributes.at("comment"),
                 std::string("made by tst_jpeg"));
    }

    void refusesToOverwrite()
    {
        const fs::path path = file("keep.jpg");
        HDR_VERIFY_OK(writeImage(gradient(8, 8), path, {}));
        const std::vector<char> before = readAll(path);
        const auto again = writeImage(gradient(9, 9), path, {});
        QVERIFY(!again);
        QCOMPARE(QString::fromLatin1(nameOf(again.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::AlreadyExists)));
        QCOMPARE(readAll(path), before);
    }

    void hostileInputsGiveErrors()
    {
        HDR_VERIFY_OK(writeImage(gradient(64, 48), file("good.jpg"), {}));
        const std::vector<char> bytes = readAll(file("good.jpg"));
        for (std::size_t cut : {std::size_t(2),
                                std::size_t(3),
                                std::size_t(100),
                                std::size_t(700),
                                bytes.size() / 2,
                                bytes.size() - 10}) {
            const fs::path p = file("cut" + std::to_string(cut) + ".jpg");
            writeAll(p, std::vector<char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut)));
            const auto r = readJpeg(p, {});
            QVERIFY2(!r, qPrintable(QStringLiteral("cut at %1 was accepted").arg(cut)));
            QCOMPARE(QString::fromLatin1(nameOf(r.error().code)),
                     QString::fromLatin1(nameOf(ErrorCode::CorruptData)));
        }
        // A frame header claiming 65535 x 65535 pixels is refused before decoding.
        std::vector<char> huge = bytes;
        for (std::size_t i = 0; i + 9 < huge.size(); ++i) {
            if (std::uint8_t(huge[i]) == 0xFF &&
                (std::uint8_t(huge[i + 1]) == 0xC0 || std::uint8_t(huge[i + 1]) == 0xC2)) {
                huge[i + 5] = huge[i + 7] = char(0xEA); // 60000 x 60000 (libjpeg itself stops at 65500)
                huge[i + 6] = huge[i + 8] = char(0x60);
                break;
            }
        }
        writeAll(file("huge.jpg"), huge);
        const auto h = readImage(file("huge.jpg"));
        QVERIFY(!h);
        QCOMPARE(QString::fromLatin1(nameOf(h.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode::LimitExceeded)));
        std::mt19937 rng(3);
        std::vector<char> garbage(4096);
        for (char& c : garbage) {
            c = char(rng());
        }
        garbage[0] = char(0xFF), garbage[1] = char(0xD8), garbage[2] = char(0xFF);
        writeAll(file("garbage.jpg"), garbage);
        QVERIFY(!readImage(file("garbage.jpg")));
    }

    void readsSharedJpegs()
    {
        HDR_REQUIRE_SHARED("data/pairs/Tree.jpg");
        int count = 0;
        for (const char* dir : {"data/pairs", "data/gainmap"}) {
            for (const auto& entry : fs::directory_iterator(hdr::test::sharedPath(dir))) {
                if (entry.path().extension() != ".jpg") {
                    continue;
                }
                const auto r = readImage(entry.path());
                HDR_VERIFY_OK(r);
                QVERIFY(r->width() > 0 && r->height() > 0);
                const float* p = r->pixel(r->width() / 2, r->height() / 2);
                QVERIFY(std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]));
                ++count;
            }
        }
        QVERIFY(count >= 10);
    }
};

HDR_TEST_MAIN(TestJpeg)
#include "tst_jpeg.moc"
