// Gain-map maths (gainmap/GainMapMath.h): the fast decode path against the scalar reference
// (NaN, ±Inf, 0, > 1 and negative inputs included), the formula against an independent double
// computation, the headroom weight, encode -> decode round trips (1 and 3 channels, downscaled),
// and parameter validation.

#include "gainmap/GainMapMath.h"
#include "support/TestSupport.h"

#include <cmath>
#include <limits>
#include <random>

using namespace hdr::core;

namespace {

ImageF randomImage(int w, int h, float scale, unsigned seed, int channels = 3)
{
    ImageF image(w, h, channels);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (std::size_t i = 0; i < std::size_t(image.pixelCount()) * std::size_t(channels); ++i) {
        image.data()[i] = u(rng) * scale;
    }
    return image;
}

GainMapImage randomMap(int w, int h, int channels, unsigned seed)
{
    GainMapImage map{
        w, h, channels, std::vector<float>(std::size_t(w) * std::size_t(h) * std::size_t(channels))};
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (float& v : map.values) {
        v = u(rng);
    }
    return map;
}

GainMapMetadata threeChannelMetadata()
{
    GainMapMetadata m;
    m.gainMapMin = {-0.5f, -0.25f, 0.0f};
    m.gainMapMax = {3.0f, 2.5f, 2.0f};
    m.gamma = {1.0f, 0.8f, 1.3f};
    m.offsetSdr = {1.0f / 64, 0.01f, 0.0f};
    m.offsetHdr = {1.0f / 64, 0.02f, 0.0f};
    m.hdrCapacityMin = 0.5f;
    m.hdrCapacityMax = 3.0f;
    return m;
}

bool sameFloat(float a, float b, float relTol)
{
    if (std::isnan(a) || std::isnan(b)) {
        return std::isnan(a) && std::isnan(b);
    }
    if (std::isinf(a) || std::isinf(b)) {
        return a == b;
    }
    return std::fabs(a - b) <= relTol * std::max(1.0f, std::fabs(b));
}

} // namespace

class TestGainMapMath : public QObject {
    Q_OBJECT

private slots:
    void weightFollowsHeadroom()
    {
        GainMapMetadata m;
        m.hdrCapacityMin = 1.0f;
        m.hdrCapacityMax = 3.0f;
        QCOMPARE(gainMapWeight(m, std::nullopt), 1.0f);
        QCOMPARE(gainMapWeight(m, 0.0f), 0.0f);
        QCOMPARE(gainMapWeight(m, 1.0f), 0.0f);
        QCOMPARE(gainMapWeight(m, 2.0f), 0.5f);
        QCOMPARE(gainMapWeight(m, 3.0f), 1.0f);
        QCOMPARE(gainMapWeight(m, 10.0f), 1.0f);
        QCOMPARE(gainMapWeight(m, std::numeric_limits<float>::quiet_NaN()), 0.0f);
        m.baseIsHdr = true;
        QCOMPARE(gainMapWeight(m, 2.5f), 0.25f);
        QCOMPARE(gainMapWeight(m, std::nullopt), 0.0f);
        m.baseIsHdr = false;
        m.hdrCapacityMin = m.hdrCapacityMax = 2.0f;
        QCOMPARE(gainMapWeight(m, 1.9f), 0.0f);
        QCOMPARE(gainMapWeight(m, 2.0f), 1.0f);
    }

    void decodeMatchesIndependentFormula()
    {
        // Same-size 3-channel map, so no interpolation: HDR from the §2.3 formula in double.
        const ImageF sdr = randomImage(17, 9, 1.0f, 1);
        const GainMapImage map = randomMap(17, 9, 3, 2);
        const GainMapMetadata m = threeChannelMetadata();
        for (float headroom : {0.0f, 1.0f, 1.75f, 3.0f, 5.0f}) {
            auto hdr = applyGainMap(sdr, map, m, headroom);
            HDR_VERIFY_OK(hdr);
            const double w = std::clamp((headroom - 0.5) / 2.5, 0.0, 1.0);
            for (int y = 0; y < 9; ++y) {
                for (int x = 0; x < 17; ++x) {
                    for (int c = 0; c < 3; ++c) {
                        const double r = map.at(x, y, c);
                        const double logRec = std::pow(r, 1.0 / m.gamma[c]);
                        const double logBoost = m.gainMapMin[c] * (1 - logRec) + m.gainMapMax[c] * logRec;
                        const double expected =
                            (sdr.pixel(x, y)[c] + m.offsetSdr[c]) * std::exp2(logBoost * w) - m.offsetHdr[c];
                        QVERIFY2(std::fabs(hdr->pixel(x, y)[c] - expected) <= 2e-6 * std::max(1.0, expected),
                                 qPrintable(QString("pixel %1,%2,%3 headroom %4: %5 vs %6")
                                                .arg(x)
                                                .arg(y)
                                                .arg(c)
                                                .arg(headroom)
                                                .arg(hdr->pixel(x, y)[c])
                                                .arg(expected)));
                    }
                }
            }
            if (headroom <= 0.5f) { // W = 0: HDR = SDR + offsetSdr - offsetHdr
                for (int i = 0; i < 17 * 9 * 3; i += 7) {
                    const int c = i % 3;
                    QVERIFY(std::fabs(hdr->data()[i] - (sdr.data()[i] + m.offsetSdr[c] - m.offsetHdr[c])) <
                            1e-6f);
                }
            }
        }
    }

    void fastPathMatchesReference_data()
    {
        QTest::addColumn<int>("mapWidth");
        QTest::addColumn<int>("mapHeight");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("imageChannels");
        QTest::newRow("same size 3ch") << 64 << 48 << 3 << 3;
        QTest::newRow("quarter 1ch") << 16 << 12 << 1 << 3;
        QTest::newRow("odd downscale 3ch RGBA") << 7 << 5 << 3 << 4;
        QTest::newRow("map larger than base") << 80 << 70 << 1 << 3;
        QTest::newRow("1x1 map") << 1 << 1 << 3 << 3;
    }
    void fastPathMatchesReference()
    {
        QFETCH(int, mapWidth);
        QFETCH(int, mapHeight);
        QFETCH(int, channels);
        QFETCH(int, imageChannels);
        ImageF sdr = randomImage(64, 48, 1.2f, 3, imageChannels);
        GainMapImage map = randomMap(mapWidth, mapHeight, channels, 4);
        // Hostile samples: NaN, ±Inf, 0, > 1 and negative in the base; NaN/out-of-range in the map.
        const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                                  std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(),
                                  0.0f,
                                  7.5f,
                                  -0.2f,
                                  std::numeric_limits<float>::denorm_min()};
        for (int i = 0; i < 7; ++i) {
            sdr.data()[std::size_t(i * 37 * imageChannels)] = specials[i];
        }
        map.values[0] = std::numeric_limits<float>::quiet_NaN();
        map.values[map.values.size() - 1] = 3.0f;
        if (map.values.size() > 2) {
            map.values[1] = -1.0f;
        }
        for (std::optional<float> headroom : {std::optional<float>{}, std::optional<float>{1.2f}}) {
            const ImageF ref = applyGainMapReference(sdr, map, threeChannelMetadata(), headroom);
            auto fast = applyGainMap(sdr, map, threeChannelMetadata(), headroom);
            HDR_VERIFY_OK(fast);
            QCOMPARE(fast->channels(), imageChannels);
            for (std::size_t i = 0; i < std::size_t(ref.pixelCount()) * std::size_t(imageChannels); ++i) {
                QVERIFY2(sameFloat(fast->data()[i], ref.data()[i], 1e-6f),
                         qPrintable(QString("sample %1: fast %2 reference %3")
                                        .arg(i)
                                        .arg(fast->data()[i])
                                        .arg(ref.data()[i])));
            }
            // NaN base samples decode as 0 + boost, never NaN; +Inf stays +Inf.
            QVERIFY(std::isfinite(fast->data()[0]));
            QVERIFY(std::isinf(fast->data()[std::size_t(37 * imageChannels)]));
        }
    }

    void roundTrip_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("scale");
        QTest::addColumn<float>("gamma");
        QTest::newRow("1ch full") << 1 << 1 << 1.0f;
        QTest::newRow("3ch full") << 3 << 1 << 1.0f;
        QTest::newRow("3ch gamma 2") << 3 << 1 << 2.0f;
        QTest::newRow("3ch quarter") << 3 << 4 << 1.0f;
    }
    void roundTrip()
    {
        QFETCH(int, channels);
        QFETCH(int, scale);
        QFETCH(float, gamma);
        // A smooth HDR scene and its clipped SDR: a smooth gain field survives downscaling.
        ImageF hdr(64, 32, 3), sdr(64, 32, 3);
        for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 64; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const float v = std::exp2(-4.0f + 8.0f * float(x) / 63.0f) * (0.6f + 0.2f * float(c)) *
                                    (channels == 1 ? 1.0f : 1.0f + 0.3f * float(y) / 31.0f);
                    hdr.pixel(x, y)[c] = v;
                    sdr.pixel(x, y)[c] = std::min(v, 1.0f);
                }
            }
        }
        GainMapEncodeParams params;
        params.channels = channels;
        params.scale = scale;
        params.gamma = gamma;
        auto encoded = encodeGainMap(hdr, sdr, params);
        HDR_VERIFY_OK(encoded);
        QCOMPARE(encoded->map.width, (64 + scale - 1) / scale);
        QCOMPARE(encoded->map.channels, channels);
        HDR_VERIFY_OK(encoded->metadata.validate());
        QVERIFY(encoded->metadata.gainMapMax[0] > 3.0f && encoded->metadata.gainMapMax[0] < 4.5f);
        QCOMPARE(encoded->metadata.hdrCapacityMin, 0.0f);

        // Full float map at full size reproduces the HDR exactly (to float precision) for 3
        // channels; one channel cannot carry the per-channel ratio differences of a clipped SDR.
        auto decoded = applyGainMap(sdr, encoded->map, encoded->metadata, std::nullopt);
        HDR_VERIFY_OK(decoded);
        double worst = 0;
        for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 64; ++x) {
                for (int c = 0; c < 3; ++c) {
                    const double e = std::fabs(
                        std::log2((decoded->pixel(x, y)[c] + 1.0 / 64) / (hdr.pixel(x, y)[c] + 1.0 / 64)));
                    worst = std::max(worst, e);
                }
            }
        }
        const double bound = scale == 1 && channels == 3 ? 1e-4 : 0.6;
        QVERIFY2(worst < bound, qPrintable(QString("worst log2 error %1 stops").arg(worst)));

        // 8-bit quantisation: at most half a step of the log range per sample (gamma 1).
        GainMapImage quantized = encoded->map;
        quantizeGainMap8(quantized);
        auto decoded8 = applyGainMap(sdr, quantized, encoded->metadata, std::nullopt);
        HDR_VERIFY_OK(decoded8);
        if (scale == 1 && channels == 3 && gamma == 1.0f) {
            for (int i = 0; i < 64 * 32 * 3; ++i) {
                const int c = i % 3;
                const double halfStep =
                    (encoded->metadata.gainMapMax[c] - encoded->metadata.gainMapMin[c]) / 510.0;
                const double e =
                    std::fabs(std::log2((decoded8->data()[i] + 1.0 / 64) / (hdr.data()[i] + 1.0 / 64)));
                QVERIFY2(e <= halfStep * 1.01 + 1e-6, qPrintable(QString("%1 > %2").arg(e).arg(halfStep)));
            }
        }
        // Headroom 0 gives back the SDR.
        auto atZero = applyGainMap(sdr, quantized, encoded->metadata, 0.0f);
        HDR_VERIFY_OK(atZero);
        for (int i = 0; i < 64 * 32 * 3; i += 5) {
            QVERIFY(std::fabs(atZero->data()[i] - sdr.data()[i]) < 1e-6f);
        }
    }

    void encodeHandlesHostileInput()
    {
        ImageF hdr = randomImage(8, 8, 4.0f, 9), sdr = randomImage(8, 8, 1.0f, 10);
        hdr.data()[0] = std::numeric_limits<float>::quiet_NaN();
        hdr.data()[1] = std::numeric_limits<float>::infinity();
        hdr.data()[2] = -5.0f;
        sdr.data()[3] = std::numeric_limits<float>::quiet_NaN();
        GainMapEncodeParams params;
        params.channels = 3;
        params.offsetSdr = params.offsetHdr = 0.0f; // zero denominators too
        sdr.data()[4] = 0.0f;
        auto encoded = encodeGainMap(hdr, sdr, params);
        HDR_VERIFY_OK(encoded);
        for (float v : encoded->map.values) {
            QVERIFY(v >= 0.0f && v <= 1.0f);
        }
        HDR_VERIFY_OK(encoded->metadata.validate());
    }

    void rejectsBadArguments()
    {
        ImageF a(8, 8, 3), b(9, 8, 3);
        QCOMPARE(encodeGainMap(a, b, {}).error().code, ErrorCode::InvalidArgument);
        ImageF p3(8, 8, 3, LinearColorSpace{Primaries::DisplayP3, {}});
        QVERIFY(encodeGainMap(a, p3, {}).error().message.find("primaries") != std::string::npos);
        GainMapEncodeParams params;
        params.channels = 2;
        QVERIFY(!params.validate());
        params.channels = 1;
        params.scale = 0;
        QVERIFY(!params.validate());
        GainMapMetadata m;
        m.gainMapMin[1] = 5.0f;
        QVERIFY(m.validate().error().message.find("channel 1") != std::string::npos);
        m = {};
        m.gamma[2] = 0.0f;
        QVERIFY(!m.validate());
        m = {};
        m.hdrCapacityMax = -1.0f;
        QVERIFY(!m.validate());
        QVERIFY(!applyGainMap(a, GainMapImage{}, GainMapMetadata{}, std::nullopt));
    }
};

HDR_TEST_MAIN(TestGainMapMath)
#include "tst_gainmap_math.moc"
