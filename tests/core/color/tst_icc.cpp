// Tests core/color/Icc.cpp: ICC profiles made by us (and by LittleCMS directly) drive linearisation.
#include "support/TestSupport.h"

#include "color/Icc.h"
#include "image/ColorSpace.h"
#include "image/TransferFunction.h"

#include <lcms2.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

using namespace hdr::core;

namespace {

const LinearColorSpace kRec709{Primaries::Rec709, {}};
const LinearColorSpace kP3{Primaries::DisplayP3, {}};

// A width x 1 ramp of 8-bit values v, v, v covering 0..255 (alpha = 255 - v when 4 channels).
DisplayImage8 greyRamp8(int channels)
{
    DisplayImage8 image;
    image.width = 256;
    image.height = 2;
    image.channels = channels;
    for (int y = 0; y < image.height; ++y) {
        for (int x = 0; x < image.width; ++x) {
            for (int c = 0; c < 3; ++c) {
                image.pixels.push_back(std::uint8_t(x));
            }
            if (channels == 4) {
                image.pixels.push_back(std::uint8_t(255 - x));
            }
        }
    }
    return image;
}

std::vector<std::uint8_t> lcmsGrayProfile(double gamma)
{
    cmsToneCurve* curve = cmsBuildGamma(nullptr, gamma);
    cmsHPROFILE profile = cmsCreateGrayProfile(cmsD50_xyY(), curve);
    cmsUInt32Number size = 0;
    cmsSaveProfileToMem(profile, nullptr, &size);
    std::vector<std::uint8_t> bytes(size);
    cmsSaveProfileToMem(profile, bytes.data(), &size);
    cmsCloseProfile(profile);
    cmsFreeToneCurve(curve);
    return bytes;
}

// The ICC profile embedded in a JPEG: APP2 segments "ICC_PROFILE\0" + sequence number + count + data.
std::vector<std::uint8_t> jpegIccProfile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    std::vector<std::uint8_t> profile;
    std::size_t pos = 2;
    const std::string tag("ICC_PROFILE", 12);
    while (pos + 4 <= bytes.size() && bytes[pos] == 0xFF) {
        const int marker = bytes[pos + 1];
        const std::size_t length = std::size_t(bytes[pos + 2]) << 8 | bytes[pos + 3];
        if (marker == 0xDA || length < 2 || pos + 2 + length > bytes.size()) {
            break; // start of scan: no more metadata
        }
        const std::uint8_t* body = bytes.data() + pos + 4;
        if (marker == 0xE2 && length > 16 && std::equal(tag.begin(), tag.end(), body)) {
            profile.insert(profile.end(), body + 14, body + (length - 2));
        }
        pos += 2 + length;
    }
    return profile;
}

// Reference: LittleCMS's own float transform into a linear Rec.709 profile, pixel by pixel.
std::vector<float> lcmsReference(const std::vector<std::uint8_t>& profile,
                                 const std::vector<std::uint8_t>& rgb8)
{
    cmsHPROFILE source = cmsOpenProfileFromMem(profile.data(), cmsUInt32Number(profile.size()));
    const cmsCIExyY d65{0.3127, 0.3290, 1.0};
    const cmsCIExyYTRIPLE rec709{{0.64, 0.33, 1.0}, {0.30, 0.60, 1.0}, {0.15, 0.06, 1.0}};
    cmsToneCurve* linear = cmsBuildGamma(nullptr, 1.0);
    cmsToneCurve* curves[3] = {linear, linear, linear};
    cmsHPROFILE target = cmsCreateRGBProfile(&d65, &rec709, curves);
    cmsHTRANSFORM t =
        cmsCreateTransform(source, TYPE_RGB_8, target, TYPE_RGB_FLT, INTENT_RELATIVE_COLORIMETRIC, 0);
    std::vector<float> out(rgb8.size());
    cmsDoTransform(t, rgb8.data(), out.data(), cmsUInt32Number(rgb8.size() / 3));
    cmsDeleteTransform(t);
    cmsCloseProfile(target);
    cmsCloseProfile(source);
    cmsFreeToneCurve(linear);
    return out;
}

} // namespace

class TestIcc : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {}

    void madeProfileHasDescription()
    {
        const auto profile = makeIccProfile(kRec709, Transfer::srgb(), "HDR Studio sRGB");
        QVERIFY(profile.size() > 128);
        // ICC header: 'acsp' signature at byte 36, version 4 at byte 8.
        QCOMPARE(std::string(reinterpret_cast<const char*>(profile.data()) + 36, 4), std::string("acsp"));
        QCOMPARE(int(profile[8]), 4);
        QCOMPARE(iccDescription(profile), std::string("HDR Studio sRGB"));
        QCOMPARE(iccDescription({}), std::string());
        const std::vector<std::uint8_t> junk(300, 0x5a);
        QCOMPARE(iccDescription(junk), std::string());
        // PQ has no ICC form: we get the primaries with a linear curve.
        QVERIFY(!makeIccProfile(LinearColorSpace{Primaries::Rec2020, {}}, Transfer::pq(), "PQ").empty());
    }

    void srgbProfileRoundTrip_data()
    {
        QTest::addColumn<int>("channels");
        QTest::newRow("rgb") << 3;
        QTest::newRow("rgba") << 4;
    }

    void srgbProfileRoundTrip()
    {
        QFETCH(int, channels);
        DisplayImage8 image = greyRamp8(channels);
        image.transfer = Transfer::pureGamma(1.0f); // must be ignored: the profile wins
        image.metadata.iccProfile = makeIccProfile(kRec709, Transfer::srgb(), "sRGB test");
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        QCOMPARE(linear->width(), 256);
        QCOMPARE(linear->channels(), channels);
        QVERIFY(linear->colorSpace == kRec709);
        QCOMPARE(linear->metadata.iccProfile, image.metadata.iccProfile);
        for (int y = 0; y < 2; ++y) {
            for (int x = 0; x < 256; ++x) {
                const float* p = linear->pixel(x, y);
                const float expected = srgbDecode(float(x) / 255.0f);
                for (int c = 0; c < 3; ++c) {
                    QVERIFY2(std::fabs(p[c] - expected) < 1e-4f,
                             qPrintable(QStringLiteral("x=%1: %2 vs %3").arg(x).arg(p[c]).arg(expected)));
                }
                if (channels == 4) {
                    QCOMPARE(p[3], float(255 - x) / 255.0f);
                }
            }
        }
    }

    void sixteenBitImage()
    {
        DisplayImage16 image;
        image.width = 3;
        image.height = 1;
        image.channels = 3;
        image.pixels = {0, 0, 0, 32768, 32768, 32768, 65535, 65535, 65535};
        image.metadata.iccProfile = makeIccProfile(kRec709, Transfer::srgb(), "sRGB 16");
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        QVERIFY(std::fabs(linear->pixel(0, 0)[0]) < 1e-5f);
        QVERIFY(std::fabs(linear->pixel(1, 0)[1] - srgbDecode(32768.0f / 65535.0f)) < 1e-4f);
        QVERIFY(std::fabs(linear->pixel(2, 0)[2] - 1.0f) < 1e-4f);
    }

    void displayP3RedBecomesWideGamutRec709()
    {
        DisplayImage8 image;
        image.width = 2;
        image.height = 1;
        image.channels = 3;
        image.pixels = {255, 0, 0, 0, 255, 0};
        image.metadata.iccProfile = makeIccProfile(kP3, Transfer::srgb(), "Display P3");
        QCOMPARE(iccDescription(image.metadata.iccProfile), std::string("Display P3"));
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        const Mat3 m = conversionMatrix(kP3, kRec709);
        for (int x = 0; x < 2; ++x) {
            const float* p = linear->pixel(x, 0);
            for (int row = 0; row < 3; ++row) {
                QVERIFY2(std::fabs(p[row] - m[std::size_t(row * 3 + x)]) < 1e-3f,
                         qPrintable(QStringLiteral("P3 primary %1 row %2: %3 vs %4")
                                        .arg(x)
                                        .arg(row)
                                        .arg(p[row])
                                        .arg(m[std::size_t(row * 3 + x)])));
            }
        }
        // Pure P3 red is outside Rec.709: it must keep its negative components (no clipping).
        QVERIFY(linear->pixel(0, 0)[1] < -0.03f);
        QVERIFY(linear->pixel(0, 0)[2] < -0.01f);
        QVERIFY(linear->pixel(0, 0)[0] > 1.1f);
    }

    void fastPathMatchesLittleCms_data()
    {
        QTest::addColumn<int>("primaries");
        QTest::addColumn<QString>("transfer");
        QTest::newRow("Rec.709 sRGB") << int(Primaries::Rec709) << "srgb";
        QTest::newRow("P3 sRGB") << int(Primaries::DisplayP3) << "srgb";
        QTest::newRow("Rec.2020 gamma 2.4") << int(Primaries::Rec2020) << "gamma2.4";
        QTest::newRow("ACEScg linear") << int(Primaries::AcesAP1) << "linear";
    }

    void fastPathMatchesLittleCms()
    {
        QFETCH(int, primaries);
        QFETCH(QString, transfer);
        DisplayImage8 image;
        image.channels = 3;
        image.height = 1;
        for (int r = 0; r < 256; r += 15) {
            for (int g = 0; g < 256; g += 15) {
                for (int b = 0; b < 256; b += 15) {
                    image.pixels.insert(image.pixels.end(),
                                        {std::uint8_t(r), std::uint8_t(g), std::uint8_t(b)});
                }
            }
        }
        image.width = int(image.pixels.size() / 3);
        image.metadata.iccProfile = makeIccProfile(
            LinearColorSpace{Primaries(primaries), {}}, *Transfer::fromString(transfer.toStdString()), "t");
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        const std::vector<float> reference = lcmsReference(image.metadata.iccProfile, image.pixels);
        float worst = 0;
        for (std::size_t i = 0; i < reference.size(); ++i) {
            worst = std::max(worst, std::fabs(linear->data()[i] - reference[i]));
        }
        QVERIFY2(worst < 2e-5f, qPrintable(QString::number(worst)));
    }

    void gamma22Profile()
    {
        DisplayImage8 image = greyRamp8(3);
        image.metadata.iccProfile = makeIccProfile(kRec709, Transfer::pureGamma(2.2f), "Gamma 2.2");
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        for (int x : {0, 1, 64, 128, 200, 255}) {
            const float expected = std::pow(float(x) / 255.0f, 2.2f);
            QVERIFY2(std::fabs(linear->pixel(x, 0)[0] - expected) < 1e-4f, qPrintable(QString::number(x)));
        }
    }

    void grayProfileOnExpandedGreyImage()
    {
        // A grey PNG/JPEG reaches us expanded to RGB; its grey profile is applied to the first channel.
        DisplayImage8 image = greyRamp8(4);
        image.metadata.iccProfile = lcmsGrayProfile(1.8);
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        for (int x : {0, 50, 128, 255}) {
            const float* p = linear->pixel(x, 0);
            const float expected = std::pow(float(x) / 255.0f, 1.8f);
            for (int c = 0; c < 3; ++c) {
                QVERIFY2(
                    std::fabs(p[c] - expected) < 2e-3f,
                    qPrintable(QStringLiteral("x=%1 c=%2: %3 vs %4").arg(x).arg(c).arg(p[c]).arg(expected)));
            }
            QCOMPARE(p[3], float(255 - x) / 255.0f);
        }
    }

    void corruptProfile()
    {
        DisplayImage8 image = greyRamp8(3);
        image.transfer = Transfer::srgb();
        std::vector<std::uint8_t> profile = makeIccProfile(kRec709, Transfer::srgb(), "x");
        profile.resize(60); // truncated header
        image.metadata.iccProfile = profile;
        auto strict = linearizeDisplayImage(image, false);
        QVERIFY(!strict);
        QCOMPARE(strict.error().code, ErrorCode::CorruptData);
        QVERIFY(strict.error().message.find("ICC") != std::string::npos);

        auto lenient = linearizeDisplayImage(image, true);
        HDR_VERIFY_OK(lenient);
        QVERIFY(std::fabs(lenient->pixel(128, 0)[0] - srgbDecode(128.0f / 255.0f)) < 1e-6f);

        // Random bytes with a plausible size field are refused too.
        std::vector<std::uint8_t> noise(512);
        for (std::size_t i = 0; i < noise.size(); ++i) {
            noise[i] = std::uint8_t((i * 2654435761u) >> 13);
        }
        noise[0] = 0, noise[1] = 0, noise[2] = 2, noise[3] = 0;
        image.metadata.iccProfile = noise;
        QVERIFY(!linearizeDisplayImage(image, false));
        HDR_VERIFY_OK(linearizeDisplayImage(image, true));
    }

    void realWorldProfiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("description");
        QTest::addColumn<int>("primaries");
        QTest::newRow("Apple Display P3 (v4)") << "data/gainmap/apple_gainmap_new.jpg"
                                               << "Display P3" << int(Primaries::DisplayP3);
        QTest::newRow("HP sRGB (v2, sampled curve)")
            << "data/brackets/piccante_stack_room/stack_room_exp_0.jpg"
            << "sRGB IEC61966-2.1" << int(Primaries::Rec709);
    }

    void realWorldProfiles()
    {
        QFETCH(QString, file);
        QFETCH(QString, description);
        QFETCH(int, primaries);
        HDR_REQUIRE_SHARED(file.toStdString());
        DisplayImage8 image;
        image.width = 4;
        image.height = 1;
        image.channels = 3;
        image.pixels = {255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128};
        image.metadata.iccProfile = jpegIccProfile(hdr::test::sharedPath(file.toStdString()));
        QCOMPARE(QString::fromStdString(iccDescription(image.metadata.iccProfile)), description);
        auto linear = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(linear);
        // Profiles store primaries adapted to D50 in s15.16, so allow 2e-3.
        const Mat3 m = conversionMatrix(LinearColorSpace{Primaries(primaries), {}}, kRec709);
        for (int x = 0; x < 3; ++x) {
            for (int row = 0; row < 3; ++row) {
                QVERIFY2(std::fabs(linear->pixel(x, 0)[row] - m[std::size_t(row * 3 + x)]) < 2e-3f,
                         qPrintable(QStringLiteral("primary %1 row %2: %3 vs %4")
                                        .arg(x)
                                        .arg(row)
                                        .arg(linear->pixel(x, 0)[row])
                                        .arg(m[std::size_t(row * 3 + x)])));
            }
        }
        for (int c = 0; c < 3; ++c) {
            QVERIFY(std::fabs(linear->pixel(3, 0)[c] - srgbDecode(128.0f / 255.0f)) < 2e-3f);
        }
    }

    void withoutProfileUsesTransfer()
    {
        DisplayImage8 image = greyRamp8(3);
        image.transfer = Transfer::pureGamma(2.0f);
        image.primaries = kP3;
        auto linear = linearizeDisplayImage(image);
        HDR_VERIFY_OK(linear);
        QVERIFY(linear->colorSpace == kP3);
        QVERIFY(std::fabs(linear->pixel(100, 0)[0] - std::pow(100.0f / 255.0f, 2.0f)) < 1e-5f);
    }

    void badLayoutIsRefused()
    {
        DisplayImage8 image = greyRamp8(3);
        image.metadata.iccProfile = makeIccProfile(kRec709, Transfer::srgb(), "sRGB");
        image.pixels.resize(10);
        auto linear = linearizeDisplayImage(image);
        QVERIFY(!linear);
        QCOMPARE(linear.error().code, ErrorCode::InvalidArgument);
    }

    void monitorTransformWithSrgbProfileIsIdentity()
    {
        auto monitor =
            MonitorTransform::fromProfile(makeIccProfile(kRec709, Transfer::srgb(), "sRGB monitor"));
        HDR_VERIFY_OK(monitor);
        std::vector<std::uint8_t> pixels;
        for (int i = 0; i < 4096; ++i) {
            pixels.push_back(std::uint8_t(i * 7));
            pixels.push_back(std::uint8_t(i * 13));
            pixels.push_back(std::uint8_t(i * 29));
            pixels.push_back(std::uint8_t(i));
        }
        std::vector<std::uint8_t> converted = pixels;
        monitor->applyRgba8(converted.data(), converted.size() / 4);
        int worst = 0;
        for (std::size_t i = 0; i < pixels.size(); ++i) {
            if (i % 4 == 3) {
                QCOMPARE(converted[i], pixels[i]); // alpha preserved
            } else {
                worst = std::max(worst, std::abs(int(converted[i]) - int(pixels[i])));
            }
        }
        QVERIFY2(worst <= 1, qPrintable(QString::number(worst)));

        // A wide-gamut monitor pulls saturated sRGB red inwards; moving keeps the transform.
        MonitorTransform moved = std::move(*monitor);
        auto p3 = MonitorTransform::fromProfile(makeIccProfile(kP3, Transfer::srgb(), "P3 monitor"));
        HDR_VERIFY_OK(p3);
        moved = std::move(*p3);
        std::uint8_t red[4] = {255, 0, 0, 200};
        moved.applyRgba8(red, 1);
        QVERIFY(red[0] < 245 && red[1] > 40 && red[3] == 200);

        QVERIFY(!MonitorTransform::fromProfile(std::vector<std::uint8_t>(100, 1)));
        QVERIFY(!MonitorTransform::fromProfile(lcmsGrayProfile(2.2)));
    }

    void linearizeIsThreadSafeAcrossCallers()
    {
        DisplayImage8 image = greyRamp8(3);
        image.metadata.iccProfile = makeIccProfile(kP3, Transfer::srgb(), "P3");
        auto reference = linearizeDisplayImage(image, false);
        HDR_VERIFY_OK(reference);
        Result<ImageF> a, b;
        std::thread ta([&] { a = linearizeDisplayImage(image, false); });
        std::thread tb([&] { b = linearizeDisplayImage(image, false); });
        ta.join();
        tb.join();
        HDR_VERIFY_OK(a);
        HDR_VERIFY_OK(b);
        const std::size_t n = std::size_t(reference->pixelCount()) * 3;
        QVERIFY(std::equal(a->data(), a->data() + n, reference->data()));
        QVERIFY(std::equal(b->data(), b->data() + n, reference->data()));
    }
};

HDR_TEST_MAIN(TestIcc)
#include "tst_icc.moc"
