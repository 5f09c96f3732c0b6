// Tests core/color/Ocio.cpp and the shipped config resources/ocio/config.ocio.
#include "support/TestSupport.h"

#include "color/Ocio.h"
#include "image/ColorSpace.h"
#include "image/TransferFunction.h"

#include <OpenColorIO/OpenColorIO.h>

#include <QTemporaryDir>

#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <thread>
#include <vector>

using namespace hdr::core;

namespace {

using Rgb = std::array<float, 3>;

Rgb applyOne(const OcioConfig::Processor& processor, Rgb rgb)
{
    processor.apply(rgb.data(), 1, 3);
    return rgb;
}

float grey(const OcioConfig::Processor& processor, float value)
{
    return applyOne(processor, {value, value, value})[1];
}

Vec3 toVec(const Rgb& c)
{
    return {c[0], c[1], c[2]};
}

} // namespace

class TestOcio : public QObject {
    Q_OBJECT

private:
    std::shared_ptr<const OcioConfig> m_config;

    std::shared_ptr<const OcioConfig::Processor>
    display(const std::string& d, const std::string& v, const std::string& input = "lin_rec709")
    {
        auto p = m_config->displayProcessor(input, d, v);
        if (!p) {
            qWarning("%s", p.error().describe().c_str());
            return nullptr;
        }
        return *p;
    }

private slots:
    void initTestCase()
    {
        auto config = OcioConfig::load(hdr::test::resourcePath("ocio/config.ocio"));
        HDR_VERIFY_OK(config);
        m_config = *config;
    }

    void loadDefaultSearchOrder()
    {
        const std::filesystem::path shipped =
            std::filesystem::weakly_canonical(hdr::test::resourcePath("ocio/config.ocio"));
        const QByteArray savedHdr = qgetenv("HDR_OCIO_CONFIG");
        const QByteArray savedOcio = qgetenv("OCIO");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::filesystem::path copy = std::filesystem::path(dir.path().toStdString()) / "config.ocio";
        std::filesystem::copy_file(shipped, copy);
        std::filesystem::copy(shipped.parent_path() / "luts", copy.parent_path() / "luts");

        qputenv("HDR_OCIO_CONFIG", QByteArray::fromStdString(copy.string()));
        qputenv("OCIO", QByteArray::fromStdString(shipped.string()));
        auto fromHdrVar = OcioConfig::loadDefault();
        HDR_VERIFY_OK(fromHdrVar);
        QCOMPARE((*fromHdrVar)->path(), copy);

        qunsetenv("HDR_OCIO_CONFIG");
        qputenv("OCIO", QByteArray::fromStdString(copy.string()));
        QCOMPARE(OcioConfig::defaultConfigPath(), copy);

        // Neither variable: the source tree's resources (no ../share/hdrstudio next to test binaries).
        qunsetenv("OCIO");
        auto fallback = OcioConfig::loadDefault();
        HDR_VERIFY_OK(fallback);
        QCOMPARE(std::filesystem::weakly_canonical((*fallback)->path()), shipped);

        savedHdr.isNull() ? qunsetenv("HDR_OCIO_CONFIG") : qputenv("HDR_OCIO_CONFIG", savedHdr);
        savedOcio.isNull() ? qunsetenv("OCIO") : qputenv("OCIO", savedOcio);
    }

    void shippedConfigLoadsAndValidates()
    {
        const auto raw = OCIO_NAMESPACE::Config::CreateFromFile(m_config->path().c_str());
        raw->validate(); // throws on any problem
        QCOMPARE(std::string(raw->getColorSpace(OCIO_NAMESPACE::ROLE_SCENE_LINEAR)->getName()), "lin_rec709");
        QCOMPARE(std::string(raw->getColorSpace(OCIO_NAMESPACE::ROLE_REFERENCE)->getName()), "lin_rec709");
        QCOMPARE(std::string(raw->getColorSpace(OCIO_NAMESPACE::ROLE_DATA)->getName()), "raw");
        QVERIFY(raw->getColorSpace(OCIO_NAMESPACE::ROLE_DEFAULT));
        QVERIFY(raw->getColorSpace(OCIO_NAMESPACE::ROLE_COLOR_PICKING));
        QVERIFY(raw->getColorSpace(OCIO_NAMESPACE::ROLE_RENDERING));
        QVERIFY(raw->getColorSpace(OCIO_NAMESPACE::ROLE_COMPOSITING_LOG));
        QVERIFY(raw->getColorSpace("raw")->isData());
    }

    void colourSpaceNamesMatchCore()
    {
        const std::vector<std::string> spaces = m_config->colorSpaces();
        for (Primaries p : {Primaries::Rec709,
                            Primaries::Rec2020,
                            Primaries::DisplayP3,
                            Primaries::AcesAP0,
                            Primaries::AcesAP1,
                            Primaries::XYZ}) {
            const std::string name = LinearColorSpace{p, {}}.name();
            QVERIFY2(std::find(spaces.begin(), spaces.end(), name) != spaces.end(), name.c_str());
        }
        for (const char* name : {"srgb_display", "rec2100_pq_display", "p3d65_display", "raw"}) {
            QVERIFY2(std::find(spaces.begin(), spaces.end(), name) != spaces.end(), name);
        }
    }

    void displaysAndViews()
    {
        const std::vector<std::string> displays = m_config->displays();
        QCOMPARE(displays, (std::vector<std::string>{"sRGB", "Display P3", "Rec.2100-PQ"}));
        QCOMPARE(m_config->defaultDisplay(), std::string("sRGB"));
        for (const std::string& d : displays) {
            QCOMPARE(m_config->views(d), (std::vector<std::string>{"Standard", "AgX", "ACES", "Raw"}));
            QCOMPARE(m_config->defaultView(d), std::string("Standard"));
        }
    }

    void standardSrgbMatchesCoreEncoding()
    {
        const auto p = display("sRGB", "Standard");
        QVERIFY(p);
        for (float v : {0.0f, 0.001f, 0.18f, 0.5f, 1.0f}) {
            QVERIFY2(std::fabs(grey(*p, v) - srgbEncode(v)) < 1e-4f, qPrintable(QString::number(v)));
        }
        QCOMPARE(grey(*p, 4.0f), 1.0f); // the display clips
        QCOMPARE(grey(*p, -0.5f), 0.0f);
    }

    void displayP3StandardConvertsPrimaries()
    {
        const auto p = display("Display P3", "Standard");
        QVERIFY(p);
        const Mat3 m = conversionMatrix(LinearColorSpace{Primaries::Rec709, {}},
                                        LinearColorSpace{Primaries::DisplayP3, {}});
        const Rgb in{0.6f, 0.2f, 0.1f};
        const Vec3 expected = apply(m, toVec(in));
        const Rgb out = applyOne(*p, in);
        QVERIFY(std::fabs(out[0] - srgbEncode(expected.r)) < 1e-4f);
        QVERIFY(std::fabs(out[1] - srgbEncode(expected.g)) < 1e-4f);
        QVERIFY(std::fabs(out[2] - srgbEncode(expected.b)) < 1e-4f);
    }

    void pqStandardMatchesCoreEncoding()
    {
        const auto p = display("Rec.2100-PQ", "Standard");
        QVERIFY(p);
        for (float x : {0.01f, 0.18f, 1.0f, 10.0f, 49.0f}) {
            const float expected = pqEncodeNits(203.0f * x);
            QVERIFY2(std::fabs(grey(*p, x) - expected) < 1e-3f,
                     qPrintable(QStringLiteral("x=%1 got %2 want %3").arg(x).arg(grey(*p, x)).arg(expected)));
        }
        // Rec.709 -> Rec.2020 primaries are applied before the curve.
        const Mat3 m = conversionMatrix(LinearColorSpace{Primaries::Rec709, {}},
                                        LinearColorSpace{Primaries::Rec2020, {}});
        const Rgb red = applyOne(*p, {1.0f, 0.0f, 0.0f});
        const Vec3 red2020 = apply(m, {1.0f, 0.0f, 0.0f});
        QVERIFY(std::fabs(red[0] - pqEncodeNits(203.0f * red2020.r)) < 1e-3f);
        QVERIFY(std::fabs(red[1] - pqEncodeNits(203.0f * red2020.g)) < 1e-3f);
        QVERIFY(std::fabs(red[2] - pqEncodeNits(203.0f * red2020.b)) < 1e-3f);
        QVERIFY(red[1] > 0.1f); // clearly not Rec.709 red written as Rec.2020 red
        // Above 10000 nits the signal saturates at 1.
        QVERIFY(std::fabs(grey(*p, 1000.0f) - 1.0f) < 1e-4f);
    }

    void colourSpaceConversionsMatchCoreMatrices_data()
    {
        QTest::addColumn<int>("primaries");
        QTest::newRow("acescg") << int(Primaries::AcesAP1);
        QTest::newRow("aces2065-1") << int(Primaries::AcesAP0);
        QTest::newRow("lin_rec2020") << int(Primaries::Rec2020);
        QTest::newRow("lin_p3d65") << int(Primaries::DisplayP3);
    }

    void colourSpaceConversionsMatchCoreMatrices()
    {
        QFETCH(int, primaries);
        const LinearColorSpace rec709{Primaries::Rec709, {}};
        const LinearColorSpace other{Primaries(primaries), {}};
        for (const auto& [from, to] : {std::pair{rec709, other}, std::pair{other, rec709}}) {
            auto p = m_config->colorSpaceProcessor(from.name(), to.name());
            HDR_VERIFY_OK(p);
            const Mat3 m = conversionMatrix(from, to);
            for (int column = 0; column < 3; ++column) {
                Rgb in{0, 0, 0};
                in[std::size_t(column)] = 1.0f;
                const Rgb out = applyOne(**p, in);
                for (int row = 0; row < 3; ++row) {
                    QVERIFY2(std::fabs(out[std::size_t(row)] - m[std::size_t(row * 3 + column)]) < 1e-4f,
                             qPrintable(QStringLiteral("%1 -> %2 [%3][%4]: %5 vs %6")
                                            .arg(QString::fromStdString(from.name()),
                                                 QString::fromStdString(to.name()))
                                            .arg(row)
                                            .arg(column)
                                            .arg(out[std::size_t(row)])
                                            .arg(m[std::size_t(row * 3 + column)])));
                }
            }
        }
    }

    void cieXyzIsD65Colorimetry()
    {
        auto p = m_config->colorSpaceProcessor("lin_rec709", "cie_xyz");
        HDR_VERIFY_OK(p);
        const Rgb white = applyOne(**p, {1.0f, 1.0f, 1.0f});
        QVERIFY(std::fabs(white[0] - 0.95047f) < 1e-4f);
        QVERIFY(std::fabs(white[1] - 1.0f) < 1e-4f);
        QVERIFY(std::fabs(white[2] - 1.08883f) < 1e-3f);
        const Rgb y = applyOne(**p, {0.0f, 1.0f, 0.0f});
        QVERIFY(std::fabs(y[1] - luminanceWeights(LinearColorSpace{}).g) < 1e-4f);
    }

    void compositingLogPlacesMidGrey()
    {
        auto p = m_config->colorSpaceProcessor("lin_rec709", "log2_rec709");
        HDR_VERIFY_OK(p);
        // 0.18 sits 10 of the 16.5 stops up the allocation.
        QVERIFY(std::fabs(applyOne(**p, {0.18f, 0.18f, 0.18f})[0] - 10.0f / 16.5f) < 1e-4f);
    }

    void filmicViews_data()
    {
        QTest::addColumn<QString>("view");
        QTest::addColumn<float>("midGreyEncoded"); // sRGB display signal of scene 0.18
        // AgX: the generator's curve puts 0.18 at display light 0.231 (sRGB signal 0.518).
        QTest::newRow("AgX") << QStringLiteral("AgX") << 0.518f;
        // ACES 1.0 SDR video: 0.18 -> about 10 % display light.
        QTest::newRow("ACES") << QStringLiteral("ACES") << 0.356f;
    }

    void filmicViews()
    {
        QFETCH(QString, view);
        QFETCH(float, midGreyEncoded);
        const auto p = display("sRGB", view.toStdString());
        QVERIFY(p);
        float previous = grey(*p, 0.0f);
        QVERIFY2(previous < 2e-3f, qPrintable(QString::number(previous)));
        for (float ev = -14.0f; ev <= 12.0f; ev += 0.125f) {
            const float v = grey(*p, 0.18f * std::exp2(ev));
            QVERIFY2(v >= previous - 1e-6f, qPrintable(QStringLiteral("not monotonic at %1 EV").arg(ev)));
            previous = v;
        }
        const float mid = grey(*p, 0.18f);
        qInfo("%s: 0.18 -> %.4f; 1 -> %.4f; 16 -> %.4f",
              qPrintable(view),
              mid,
              grey(*p, 1.0f),
              grey(*p, 16.0f));
        QVERIFY2(std::fabs(mid - midGreyEncoded) < 0.01f, qPrintable(QString::number(mid)));
        for (float huge : {100.0f, 1e6f, 1e30f}) {
            const Rgb out = applyOne(*p, {huge, huge, huge});
            for (float c : out) {
                QVERIFY(c <= 1.0f && c > 0.95f);
            }
        }
    }

    void nonFiniteInputsGiveFiniteOutput()
    {
        // Display processors treat NaN as 0 (black), +Inf as the brightest value and negative or
        // denormal values as black-ish; the output is always a finite display signal in [0, 1].
        const float inf = std::numeric_limits<float>::infinity();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float denormal = std::numeric_limits<float>::denorm_min();
        for (const std::string& d : m_config->displays()) {
            for (const std::string& v : {std::string("Standard"), std::string("AgX"), std::string("ACES")}) {
                const auto p = display(d, v);
                QVERIFY(p);
                const Rgb black = applyOne(*p, {0, 0, 0});
                const Rgb white = applyOne(*p, {1e6f, 1e6f, 1e6f});
                const std::vector<Rgb> inputs{{nan, nan, nan},
                                              {inf, inf, inf},
                                              {-inf, -inf, -inf},
                                              {inf, 0, 0},
                                              {nan, 1, -inf},
                                              {-1, -1, -1},
                                              {denormal, denormal, denormal},
                                              {-1e30f, 1e30f, 0}};
                for (const Rgb& in : inputs) {
                    const Rgb out = applyOne(*p, in);
                    for (float c : out) {
                        QVERIFY2(std::isfinite(c) && c >= 0.0f && c <= 1.0f,
                                 qPrintable(QStringLiteral("%1/%2 gave %3")
                                                .arg(QString::fromStdString(d), QString::fromStdString(v))
                                                .arg(c)));
                    }
                }
                const Rgb nanOut = applyOne(*p, {nan, nan, nan});
                const Rgb infOut = applyOne(*p, {inf, inf, inf});
                for (int c = 0; c < 3; ++c) {
                    QCOMPARE(nanOut[std::size_t(c)], black[std::size_t(c)]);
                    QVERIFY(std::fabs(infOut[std::size_t(c)] - white[std::size_t(c)]) < 1e-4f);
                }
            }
        }
    }

    void filmicViewsOnPqAreSdrInPq()
    {
        const float sdrWhite = pqEncodeNits(203.0f);
        for (const char* view : {"AgX", "ACES"}) {
            const auto p = display("Rec.2100-PQ", view);
            QVERIFY(p);
            const float peak = grey(*p, 1e6f);
            QVERIFY2(peak <= sdrWhite + 1e-3f && peak > sdrWhite - 0.02f, qPrintable(QString::number(peak)));
        }
    }

    void rawViewPassesThrough()
    {
        const auto p = display("sRGB", "Raw");
        QVERIFY(p);
        const Rgb out = applyOne(*p, {2.5f, -0.25f, 0.125f});
        QCOMPARE(out, (Rgb{2.5f, -0.25f, 0.125f}));
    }

    void alphaIsUntouched()
    {
        const auto p = display("sRGB", "AgX");
        QVERIFY(p);
        std::array<float, 8> px{0.18f, 0.18f, 0.18f, 0.25f, 4.0f, 1.0f, 0.5f, 0.75f};
        p->apply(px.data(), 2, 4);
        QCOMPARE(px[3], 0.25f);
        QCOMPARE(px[7], 0.75f);
        QVERIFY(std::fabs(px[0] - grey(*p, 0.18f)) < 1e-6f);
    }

    void badNamesAreReported()
    {
        auto badDisplay = m_config->displayProcessor("lin_rec709", "Holodeck", "Standard");
        QVERIFY(!badDisplay);
        QVERIFY(badDisplay.error().message.find("Holodeck") != std::string::npos);
        QVERIFY(badDisplay.error().message.find("sRGB") != std::string::npos); // lists what exists
        auto badView = m_config->displayProcessor("lin_rec709", "sRGB", "Sepia");
        QVERIFY(!badView);
        QVERIFY(badView.error().message.find("Sepia") != std::string::npos);
        auto badSpace = m_config->displayProcessor("lin_rec9999", "sRGB", "Standard");
        QVERIFY(!badSpace);
        QVERIFY(badSpace.error().message.find("lin_rec9999") != std::string::npos);
        auto badConversion = m_config->colorSpaceProcessor("acescg", "lin_nowhere");
        QVERIFY(!badConversion);
        QCOMPARE(badConversion.error().code, ErrorCode::InvalidArgument);
        QVERIFY(badConversion.error().message.find("lin_nowhere") != std::string::npos);
    }

    void brokenConfigIsReported()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::filesystem::path file = std::filesystem::path(dir.path().toStdString()) / "config.ocio";
        std::ofstream(file) << "ocio_profile_version: 2.1\nroles:\n  scene_linear: missing_space\n"
                               "displays:\n  d:\n    - !<View> {name: v, colorspace: missing_space}\n";
        auto config = OcioConfig::load(file);
        QVERIFY(!config);
        QCOMPARE(config.error().where, file.string());
        auto missing = OcioConfig::load(file.parent_path() / "nothing.ocio");
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::IoError);
    }

    void processorsAreThreadSafe()
    {
        const auto p = display("sRGB", "AgX");
        QVERIFY(p);
        std::mt19937 rng(42);
        std::uniform_real_distribution<float> dist(0.0f, 8.0f);
        std::vector<float> source(3 * 50000);
        for (float& v : source) {
            v = dist(rng);
        }
        std::vector<float> reference = source;
        p->apply(reference.data(), reference.size() / 3, 3);
        std::vector<float> a = source, b = source;
        std::thread ta([&] { p->apply(a.data(), a.size() / 3, 3); });
        std::thread tb([&] { p->apply(b.data(), b.size() / 3, 3); });
        ta.join();
        tb.join();
        QVERIFY(a == reference);
        QVERIFY(b == reference);
    }
};

HDR_TEST_MAIN(TestOcio)
#include "tst_ocio.moc"
