// Ultra HDR / gain-map JPEG (io/UltraHdr.h through readImage): every shared gain-map JPEG decodes
// to the HDR that the §2.3 formula gives for its parsed metadata (recomputed here in double with
// our own bilinear sampling), HDR == SDR at headroom 0 and the largest boost matches the metadata;
// files we write carry valid metadata per exiftool (when installed) and decode back to our HDR;
// malformed and truncated files give clear errors.

#include "gainmap/UltraHdrContainer.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"
#include "io/UltraHdr.h"
#include "support/TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> fileBytes(const fs::path& p)
{
    const auto raw = hdr::test::readAll(p);
    return {raw.begin(), raw.end()};
}

void writeBytes(const fs::path& p, const std::vector<std::uint8_t>& b)
{
    hdr::test::writeAll(p, std::vector<char>(b.begin(), b.end()));
}

// Map sample at base pixel (x, y): pixel centres aligned, clamped at the borders (double).
double sampleMap(const DecodedJpeg8& map, int x, int y, int baseW, int baseH, int c)
{
    auto coord = [](int i, int base, int size, int& i0, int& i1, double& f) {
        const double p = std::clamp((i + 0.5) * size / base - 0.5, 0.0, double(size - 1));
        i0 = int(p);
        i1 = std::min(i0 + 1, size - 1);
        f = p - i0;
    };
    int x0, x1, y0, y1;
    double fx, fy;
    coord(x, baseW, map.width, x0, x1, fx);
    coord(y, baseH, map.height, y0, y1, fy);
    const int ch = map.components == 1 ? 0 : c;
    auto at = [&](int xx, int yy) {
        return map.samples[(std::size_t(yy) * std::size_t(map.width) + std::size_t(xx)) *
                               std::size_t(map.components) +
                           std::size_t(ch)] /
               255.0;
    };
    const double top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
    const double bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
    return top * (1 - fy) + bottom * fy;
}

struct Expected {
    float gainMapMax0;
    float offset;
    float capacityMax;
    int mapChannels;
};

// A synthetic HDR scene: smooth colour ramps with highlights up to 2^4 and a dark corner.
ImageF testScene(int w, int h)
{
    ImageF image(w, h, 3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float ev = -6.0f + 10.0f * float(x) / float(w - 1);
            float* p = image.pixel(x, y);
            p[0] = std::exp2(ev) * (0.5f + 0.5f * float(y) / float(h - 1));
            p[1] = std::exp2(ev) * 0.7f;
            p[2] = std::exp2(ev) * (1.0f - 0.5f * float(y) / float(h - 1));
        }
    }
    return image;
}

} // namespace

class TestUltraHdr : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path tmp(const char* name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void sharedFilesFollowTheFormula_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<float>("gainMapMax0");
        QTest::addColumn<float>("offset");
        QTest::addColumn<float>("capacityMax");
        QTest::addColumn<int>("mapChannels");
        // Expected metadata: ../shared/data/SOURCES.md
        QTest::newRow("seine") << "seine_sdr_gainmap_srgb.jpg" << 1.277177f << 0.015625f << 1.3f << 3;
        QTest::newRow("seine edited map")
            << "seine_sdr_different_gainmap_srgb.jpg" << 1.277177f << 0.015625f << 1.3f << 3;
        QTest::newRow("paris map larger than base")
            << "paris_exif_xmp_gainmap_littleendian.jpg" << 3.5f << 0.0f << 3.5f << 1;
        QTest::newRow("spruit 16 stops") << "spruit_sunrise_4k.jpg" << 15.9993f << 0.015625f << 15.9993f << 3;
        QTest::newRow("ultra-hdr 4K") << "ultra-hdr.jpg" << 6.64386f << 0.0f << 6.64386f << 1;
    }
    void sharedFilesFollowTheFormula()
    {
        QFETCH(QString, file);
        QFETCH(float, gainMapMax0);
        QFETCH(float, offset);
        QFETCH(float, capacityMax);
        QFETCH(int, mapChannels);
        const std::string rel = "data/gainmap/" + file.toStdString();
        HDR_REQUIRE_SHARED(rel);
        const fs::path path = hdr::test::sharedPath(rel);
        const auto bytes = fileBytes(path);
        auto contents = decodeGainMapJpeg(bytes, {}, path.string());
        HDR_VERIFY_OK(contents);
        const GainMapMetadata m = contents->metadata;
        QVERIFY(std::fabs(m.gainMapMax[0] - gainMapMax0) < 1e-5f);
        QCOMPARE(m.offsetSdr[0], offset);
        QCOMPARE(m.offsetHdr[2], offset);
        QVERIFY(std::fabs(m.hdrCapacityMax - capacityMax) < 1e-5f);
        QCOMPARE(contents->map.channels, mapChannels);

        // The big files are decoded once (readImage itself is checked on the small ones).
        const bool small = bytes.size() < 500000;
        auto hdr = small ? readImage(path) : combineGainMapJpeg(GainMapJpegContents(*contents), std::nullopt);
        HDR_VERIFY_OK(hdr);
        QCOMPARE(hdr->metadata.sourceFormat, std::string("JPEG (gain map)"));
        QCOMPARE(hdr->metadata.attributes.at("gainmap.source"), std::string("hdrgm XMP"));
        ReadOptions sdrOnly;
        sdrOnly.gainMapBaseOnly = true;
        auto sdr = small ? readImage(path, sdrOnly) : Result<ImageF>(contents->base);
        HDR_VERIFY_OK(sdr);
        QCOMPARE(sdr->metadata.sourceFormat, std::string(small ? "JPEG" : "JPEG (gain map)"));
        QCOMPARE(hdr->width(), sdr->width());

        // The gain-map JPEG, decoded on its own.
        auto parts = findGainMapJpeg(bytes);
        HDR_VERIFY_OK(parts);
        auto map = decodeJpegBytes(parts->gainMap, {}, "map");
        HDR_VERIFY_OK(map);
        const int w = sdr->width(), h = sdr->height();
        double worst = 0, largestBoost = -1e9;
        for (int y = 0; y < h; y += 7) {
            for (int x = (y * 13) % 11; x < w; x += 11) {
                for (int c = 0; c < 3; ++c) {
                    const double r = sampleMap(*map, x, y, w, h, c);
                    const double logRec = std::pow(r, 1.0 / m.gamma[c]);
                    const double logBoost = m.gainMapMin[c] * (1 - logRec) + m.gainMapMax[c] * logRec;
                    const double s = sdr->pixel(x, y)[c];
                    const double expected = (s + m.offsetSdr[c]) * std::exp2(logBoost) - m.offsetHdr[c];
                    const double got = hdr->pixel(x, y)[c];
                    worst = std::max(worst, std::fabs(got - expected) / (std::fabs(expected) + 1e-3));
                    if (s + m.offsetSdr[c] > 1e-3) {
                        largestBoost =
                            std::max(largestBoost, std::log2((got + m.offsetHdr[c]) / (s + m.offsetSdr[c])));
                    }
                }
            }
        }
        qInfo("%s: worst relative difference to the formula %.2g, largest boost %.3f stops (GainMapMax %.3f)",
              qPrintable(file),
              worst,
              largestBoost,
              double(m.gainMapMax[0]));
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        QVERIFY(largestBoost <= *std::max_element(m.gainMapMax.begin(), m.gainMapMax.end()) + 1e-3);
        QVERIFY(largestBoost > 0.5 * m.gainMapMax[0]);

        // Headroom 0: the SDR itself (offsets are equal in these files).
        ReadOptions atZero;
        atZero.gainMapHeadroomStops = 0.0f;
        auto flat = small ? readImage(path, atZero) : combineGainMapJpeg(std::move(*contents), 0.0f);
        HDR_VERIFY_OK(flat);
        for (std::size_t i = 0; i < std::size_t(flat->pixelCount()) * 3; i += 101) {
            QVERIFY(std::fabs(flat->data()[i] - sdr->data()[i]) < 1e-5f);
        }
    }

    void editedGainMapIsReallyApplied()
    {
        HDR_REQUIRE_SHARED("data/gainmap/seine_sdr_different_gainmap_srgb.jpg");
        auto a = readImage(hdr::test::sharedPath("data/gainmap/seine_sdr_gainmap_srgb.jpg"));
        auto b = readImage(hdr::test::sharedPath("data/gainmap/seine_sdr_different_gainmap_srgb.jpg"));
        HDR_VERIFY_OK(a);
        HDR_VERIFY_OK(b);
        int differing = 0;
        for (std::size_t i = 0; i < std::size_t(a->pixelCount()) * 3; ++i) {
            differing += std::fabs(a->data()[i] - b->data()[i]) > 0.05f;
        }
        QVERIFY2(differing > 100, qPrintable(QString::number(differing)));
    }

    void appleGainMaps()
    {
        HDR_REQUIRE_SHARED("data/gainmap/apple_gainmap_new.jpg");
        auto hdr = readImage(hdr::test::sharedPath("data/gainmap/apple_gainmap_new.jpg"));
        HDR_VERIFY_OK(hdr);
        QCOMPARE(hdr->metadata.attributes.at("gainmap.source"), std::string("Apple HDRGainMap"));
        QVERIFY(std::fabs(std::stof(hdr->metadata.attributes.at("gainmap.max_boost_stops")) -
                          std::log2(4.532783f)) < 1e-4f);
        float peak = 0;
        for (std::size_t i = 0; i < std::size_t(hdr->pixelCount()) * 3; ++i) {
            peak = std::max(peak, hdr->data()[i]);
        }
        QVERIFY2(peak > 1.2f && peak <= 4.6f, qPrintable(QString::number(peak)));
        // The older form has no headroom in XMP: the SDR image, with a note saying why.
        auto old = readImage(hdr::test::sharedPath("data/gainmap/apple_gainmap_old.jpg"));
        HDR_VERIFY_OK(old);
        QCOMPARE(old->metadata.sourceFormat, std::string("JPEG"));
        QVERIFY(old->metadata.attributes.at("gainmap.note").find("maker note") != std::string::npos);
    }

    void roundTrip_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("scale");
        QTest::addColumn<bool>("givenSdr");
        QTest::newRow("1 channel, full size, tone-mapped SDR") << 1 << 1 << false;
        QTest::newRow("3 channels, full size, tone-mapped SDR") << 3 << 1 << false;
        QTest::newRow("3 channels, quarter size, given SDR") << 3 << 4 << true;
    }
    void roundTrip()
    {
        QFETCH(int, channels);
        QFETCH(int, scale);
        QFETCH(bool, givenSdr);
        const ImageF scene = testScene(160, 96);
        ImageF sdr(160, 96, 3);
        for (std::size_t i = 0; i < 160 * 96 * 3; ++i) {
            sdr.data()[i] = std::min(scene.data()[i] * 0.8f, 1.0f);
        }
        UltraHdrWriteOptions options;
        options.encode.channels = channels;
        options.encode.scale = scale;
        options.quality = 95;
        options.gainMapQuality = 95;
        const fs::path out = tmp(("rt" + std::to_string(channels) + std::to_string(scale) + ".jpg").c_str());
        HDR_VERIFY_OK(writeUltraHdr(scene, givenSdr ? &sdr : nullptr, out, options));
        QCOMPARE(writeUltraHdr(scene, nullptr, out, options).error().code, ErrorCode::AlreadyExists);

        auto back = readImage(out);
        HDR_VERIFY_OK(back);
        QCOMPARE(back->metadata.attributes.at("gainmap.source"), std::string("ISO 21496-1"));
        QCOMPARE(back->metadata.attributes.at("gainmap.located_by"), std::string("MPF"));
        // Stops of error on (HDR + 1/64): JPEG at q95 on base and map, plus 8-bit map steps.
        std::vector<double> errors;
        for (std::size_t i = 0; i < 160 * 96 * 3; ++i) {
            errors.push_back(
                std::fabs(std::log2((back->data()[i] + 1.0 / 64) / (scene.data()[i] + 1.0 / 64))));
        }
        std::sort(errors.begin(), errors.end());
        const double median = errors[errors.size() / 2], p99 = errors[errors.size() * 99 / 100];
        qInfo("round trip: median %.4f stops, p99 %.4f, max %.4f", median, p99, errors.back());
        // One channel cannot restore the colour lost where the SDR clipped.
        QVERIFY2(median < 0.03 && p99 < (channels == 1 ? 0.6 : 0.15), qPrintable(QString::number(p99)));

        ReadOptions baseOnly;
        baseOnly.gainMapBaseOnly = true;
        auto base = readImage(out, baseOnly);
        HDR_VERIFY_OK(base);
        float basePeak = 0;
        for (std::size_t i = 0; i < 160 * 96 * 3; ++i) {
            basePeak = std::max(basePeak, base->data()[i]);
        }
        QVERIFY2(basePeak <= 1.001f, qPrintable(QString::number(basePeak))); // SDR white, ICC rounding
    }

    void exiftoolSeesValidMetadata()
    {
        const QString exiftool = QStandardPaths::findExecutable("exiftool");
        if (exiftool.isEmpty()) {
            QSKIP("exiftool is not installed: metadata checked by our own parser only");
        }
        const fs::path out = tmp("exif.jpg");
        UltraHdrWriteOptions options;
        options.encode.channels = 3;
        HDR_VERIFY_OK(writeUltraHdr(testScene(64, 48), nullptr, out, options));
        auto run = [&](const QStringList& args) {
            QProcess p;
            p.start(exiftool, args);
            p.waitForFinished(20000);
            return p.readAllStandardOutput();
        };
        // -struct keeps the GContainer directory as a list; -G1 names MPF images and XMP namespaces.
        const auto primary =
            QJsonDocument::fromJson(run({"-j", "-struct", "-G1", QString::fromStdString(out.string())}))
                .array()
                .at(0)
                .toObject();
        QCOMPARE(primary.value("MPF0:NumberOfImages").toInt(), 2);
        QCOMPARE(primary.value("MPImage1:MPImageType").toString(), QString("Baseline MP Primary Image"));
        QCOMPARE(primary.value("XMP-hdrgm:Version").toDouble(), 1.0); // exiftool prints "1.0" as a number
        const auto directory = primary.value("XMP-Container:Directory").toArray();
        QCOMPARE(directory.size(), 2);
        const auto gainMapItem = directory.at(1).toObject().value("Item").toObject();
        QCOMPARE(gainMapItem.value("Semantic").toString(), QString("GainMap"));
        const int mapLength = primary.value("MPImage2:MPImageLength").toInt();
        QCOMPARE(gainMapItem.value("Length").toInt(), mapLength);
        QCOMPARE(primary.value("MPImage1:MPImageLength").toInt() + mapLength, int(fs::file_size(out)));
        QVERIFY(primary.value("ExifTool:Warning").isUndefined());

        // The gain-map image as exiftool extracts it through the MPF index.
        const QByteArray map = run({"-b", "-MPImage2", QString::fromStdString(out.string())});
        QCOMPARE(map.size(), mapLength);
        const fs::path mapPath = tmp("exif-map.jpg");
        writeBytes(mapPath, std::vector<std::uint8_t>(map.begin(), map.end()));
        const auto gm = QJsonDocument::fromJson(run({"-j", "-G1", QString::fromStdString(mapPath.string())}))
                            .array()
                            .at(0)
                            .toObject();
        auto parsed = decodeGainMapJpeg(fileBytes(out), {}, out.string());
        HDR_VERIFY_OK(parsed);
        const auto maxima = gm.value("XMP-hdrgm:GainMapMax").toArray();
        QCOMPARE(maxima.size(), 3);
        QVERIFY(std::fabs(maxima.at(1).toDouble() - parsed->metadata.gainMapMax[1]) < 1e-5);
        QCOMPARE(gm.value("XMP-hdrgm:BaseRenditionIsHDR").toBool(true), false);
        QVERIFY(std::fabs(gm.value("XMP-hdrgm:HDRCapacityMax").toDouble() - parsed->metadata.hdrCapacityMax) <
                1e-5);
        QCOMPARE(gm.value("XMP-hdrgm:OffsetSDR").toArray().at(2).toDouble(), 1.0 / 64);
    }

    // The committed seeds and hostile files, each with the outcome it must keep (all files of the
    // folder are also replayed by tests/fuzz/tst_fuzz_regressions against expected.txt).
    void regressionInputs_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("code"); // -1: must decode
        QTest::addColumn<QString>("detail");
        QTest::newRow("1-channel seed") << "seed-1ch-scale2-40x30.jpg" << -1 << "MPF";
        QTest::newRow("3-channel seed") << "seed-3ch-40x30.jpg" << -1 << "MPF";
        // The MPF offset points 2 GB past the end: located through the GContainer length instead.
        QTest::newRow("MPF offset past the end") << "mpf-offset-past-end.jpg" << -1 << "GContainer";
        // The gain map's frame claims 65500 x 65500: refused from its header, before decoding.
        QTest::newRow("huge gain-map frame")
            << "gainmap-sof-65500.jpg" << int(ErrorCode::LimitExceeded) << "(gain map)";
        QTest::newRow("cut inside the gain map")
            << "truncated-in-gainmap.jpg" << int(ErrorCode::CorruptData) << "cannot be found";
    }
    void regressionInputs()
    {
        QFETCH(QString, file);
        QFETCH(int, code);
        QFETCH(QString, detail);
        const fs::path path = hdr::test::testDataPath("ultrahdr-regressions/" + file.toStdString());
        QVERIFY2(fs::exists(path), qPrintable(file));
        auto image = readImage(path);
        if (code < 0) {
            HDR_VERIFY_OK(image);
            QCOMPARE(image->metadata.sourceFormat, std::string("JPEG (gain map)"));
            QCOMPARE(image->width(), 40);
            QCOMPARE(image->height(), 30);
            QCOMPARE(QString::fromStdString(image->metadata.attributes.at("gainmap.located_by")), detail);
            return;
        }
        QVERIFY2(!image, qPrintable(file + QStringLiteral(" decoded")));
        QCOMPARE(QString::fromLatin1(nameOf(image.error().code)),
                 QString::fromLatin1(nameOf(ErrorCode(code))));
        QVERIFY2(QString::fromStdString(image.error().describe()).contains(detail),
                 image.error().describe().c_str());
    }

    void malformedFilesGiveClearErrors()
    {
        const fs::path good = tmp("good.jpg");
        HDR_VERIFY_OK(writeUltraHdr(testScene(64, 48), nullptr, good, {}));
        const auto bytes = fileBytes(good);
        auto parts = findGainMapJpeg(bytes);
        HDR_VERIFY_OK(parts);
        const std::size_t primarySize = std::size_t(parts->gainMap.data() - bytes.data());

        // Cut inside the gain map: the map's JPEG data is truncated.
        const fs::path cutMap = tmp("cut-map.jpg");
        writeBytes(cutMap, std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 200));
        auto e1 = readImage(cutMap);
        QVERIFY(!e1);
        QCOMPARE(e1.error().code, ErrorCode::CorruptData);
        QVERIFY(e1.error().describe().find("cut-map.jpg") != std::string::npos);

        // Cut right after the primary: the declared gain map is missing.
        const fs::path noMap = tmp("no-map.jpg");
        writeBytes(noMap,
                   std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + std::ptrdiff_t(primarySize)));
        auto e2 = readImage(noMap);
        QVERIFY(!e2);
        QVERIFY2(e2.error().message.find("cannot be found") != std::string::npos, e2.error().message.c_str());

        // Cut inside the primary's header.
        const fs::path header = tmp("header.jpg");
        writeBytes(header, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 300));
        QVERIFY(!readImage(header));

        // A broken hdrgm value in the gain-map XMP (and no ISO record to fall back on).
        std::vector<std::uint8_t> broken = bytes;
        const std::string needle = "hdrgm:HDRCapacityMax=\"";
        auto it = std::search(
            broken.begin() + std::ptrdiff_t(primarySize), broken.end(), needle.begin(), needle.end());
        QVERIFY(it != broken.end());
        *(it + std::ptrdiff_t(needle.size())) = 'x';
        const std::string iso = "urn:iso:std:iso:ts:21496:-1";
        auto isoAt =
            std::search(broken.begin() + std::ptrdiff_t(primarySize), broken.end(), iso.begin(), iso.end());
        QVERIFY(isoAt != broken.end());
        *isoAt = 'X';
        const fs::path badXmp = tmp("bad-xmp.jpg");
        writeBytes(badXmp, broken);
        auto e3 = readImage(badXmp);
        QVERIFY(!e3);
        QVERIFY2(e3.error().message.find("hdrgm") != std::string::npos, e3.error().message.c_str());

        // Input checks of the writer.
        QCOMPARE(writeUltraHdr(ImageF{}, nullptr, tmp("empty.jpg"), {}).error().code,
                 ErrorCode::InvalidArgument);
        ImageF small(10, 10, 3);
        QVERIFY(writeUltraHdr(testScene(64, 48), &small, tmp("size.jpg"), {}).error().message.find("size") !=
                std::string::npos);
    }
};

HDR_TEST_MAIN(TestUltraHdr)
#include "tst_ultrahdr.moc"
