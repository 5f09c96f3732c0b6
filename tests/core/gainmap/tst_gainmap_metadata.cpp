// Gain-map metadata bytes: hdrgm XMP in attribute and element (rdf:Seq) forms, defaults, Apple
// fields, GContainer; ISO 21496-1 binary records (single/multi-channel, common denominator, HDR
// base, truncation, zero denominators); the JPEG_R container scan and MPF in both byte orders.

#include "gainmap/GainMapXmp.h"
#include "gainmap/IsoGainMap.h"
#include "gainmap/UltraHdrContainer.h"
#include "support/TestSupport.h"

#include <cmath>

using namespace hdr::core;

namespace {

std::vector<std::uint8_t> segment(std::uint8_t marker, const std::vector<std::uint8_t>& payload)
{
    // Built element by element: GCC 12 -O3 reports a false -Warray-bounds for insert() after a
    // braced initialiser here.
    std::vector<std::uint8_t> out;
    out.reserve(payload.size() + 4);
    out.push_back(0xFF);
    out.push_back(marker);
    out.push_back(std::uint8_t((payload.size() + 2) >> 8));
    out.push_back(std::uint8_t(payload.size() + 2));
    for (auto v : payload) {
        out.push_back(v);
    }
    return out;
}

std::vector<std::uint8_t> bytesOf(std::string_view s)
{
    return {s.begin(), s.end()};
}

// A fake JPEG: SOI, the given segments, SOS, a few bytes, EOI.
std::vector<std::uint8_t> fakeJpeg(const std::vector<std::vector<std::uint8_t>>& segments)
{
    std::vector<std::uint8_t> out{0xFF, 0xD8};
    for (const auto& s : segments) {
        out.insert(out.end(), s.begin(), s.end());
    }
    out.insert(out.end(), {0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9});
    return out;
}

void putU16(std::vector<std::uint8_t>& b, std::uint32_t v, bool little)
{
    if (little) {
        b.push_back(std::uint8_t(v));
        b.push_back(std::uint8_t(v >> 8));
    } else {
        b.push_back(std::uint8_t(v >> 8));
        b.push_back(std::uint8_t(v));
    }
}
void putU32(std::vector<std::uint8_t>& b, std::uint32_t v, bool little)
{
    if (little) {
        putU16(b, v & 0xFFFF, true);
        putU16(b, v >> 16, true);
    } else {
        putU16(b, v >> 16, false);
        putU16(b, v & 0xFFFF, false);
    }
}

// An MPF payload written independently of our writer, in either byte order.
std::vector<std::uint8_t> mpf(bool little, std::uint32_t size2, std::uint32_t offset2)
{
    std::vector<std::uint8_t> b;
    for (std::uint8_t v : {std::uint8_t('M'), std::uint8_t('P'), std::uint8_t('F'), std::uint8_t(0)}) {
        b.push_back(v);
    }
    const std::uint8_t order[2][4] = {{'M', 'M', 0, 0x2A}, {'I', 'I', 0x2A, 0}};
    for (auto v : order[little ? 1 : 0]) {
        b.push_back(v);
    }
    putU32(b, 8, little);
    putU16(b, 2, little);
    putU16(b, 0xB001, little), putU16(b, 4, little), putU32(b, 1, little), putU32(b, 2, little);
    putU16(b, 0xB002, little), putU16(b, 7, little), putU32(b, 32, little), putU32(b, 38, little);
    putU32(b, 0, little);
    putU32(b, 0x030000, little), putU32(b, 1000, little), putU32(b, 0, little), putU32(b, 0, little);
    putU32(b, 0, little), putU32(b, size2, little), putU32(b, offset2, little), putU32(b, 0, little);
    return b;
}

const std::string kXmpSig("http://ns.adobe.com/xap/1.0/\0", 29);

} // namespace

class TestGainMapMetadata : public QObject {
    Q_OBJECT

private slots:
    void xmpAttributeForm()
    {
        const auto info = parseGainMapXmp(
            "<rdf:Description xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\" hdrgm:Version=\"1.0\"\n"
            "               hdrgm:GainMapMin=\"-0.5\" hdrgm:GainMapMax = '6.64386' hdrgm:Gamma=\"1\"\n"
            "               hdrgm:OffsetSDR=\"0\" hdrgm:OffsetHDR=\"0\" hdrgm:HDRCapacityMin=\"0\"\n"
            "               hdrgm:HDRCapacityMax=\"6.64386\" hdrgm:BaseRenditionIsHDR=\"False\"/>");
        QVERIFY(info.metadata);
        QCOMPARE(*info.hdrgmVersion, std::string("1.0"));
        QCOMPARE(info.metadata->gainMapMin[2], -0.5f);
        QCOMPARE(info.metadata->gainMapMax[1], 6.64386f);
        QCOMPARE(info.metadata->offsetSdr[0], 0.0f);
        QVERIFY(!info.metadata->baseIsHdr);
        QVERIFY(info.metadata->isSingleChannel());
    }

    void xmpElementFormWithOtherPrefixAndDefaults()
    {
        const auto info =
            parseGainMapXmp("<rdf:Description xmlns:gm=\"http://ns.adobe.com/hdr-gain-map/1.0/\">\n"
                            "                 <gm:Version>1.0</gm:Version>\n"
                            "                 "
                            "<gm:GainMapMax><rdf:Seq><rdf:li>3.5</rdf:li><rdf:li>3.6</rdf:li><rdf:li>3.7</"
                            "rdf:li></rdf:Seq></gm:GainMapMax>\n"
                            "                 <gm:HDRCapacityMax>3.5</gm:HDRCapacityMax>\n"
                            "                 <gm:BaseRenditionIsHDR>True</gm:BaseRenditionIsHDR>\n"
                            "               </rdf:Description>");
        QVERIFY2(info.metadata, info.metadataProblem.c_str());
        QCOMPARE(info.metadata->gainMapMax[2], 3.7f);
        QCOMPARE(info.metadata->gainMapMin[0], 0.0f);     // default
        QCOMPARE(info.metadata->gamma[1], 1.0f);          // default
        QCOMPARE(info.metadata->offsetHdr[0], 1.0f / 64); // default
        QVERIFY(info.metadata->baseIsHdr);
    }

    void xmpProblemsAndApple()
    {
        auto missing =
            parseGainMapXmp("xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\" hdrgm:GainMapMax=\"2\"");
        QVERIFY(!missing.metadata);
        QVERIFY(missing.metadataProblem.find("HDRCapacityMax") != std::string::npos);
        auto bad =
            parseGainMapXmp("xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\" hdrgm:GainMapMax=\"x\"\n"
                            "                                      hdrgm:HDRCapacityMax=\"2\"");
        QVERIFY(!bad.metadata && !bad.metadataProblem.empty());
        auto inverted = parseGainMapXmp(
            "xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\" hdrgm:GainMapMin=\"3\"\n"
            "                                      hdrgm:GainMapMax=\"2\" hdrgm:HDRCapacityMax=\"2\"");
        QVERIFY(!inverted.metadata && inverted.metadataProblem.find("larger") != std::string::npos);
        auto primaryOnly =
            parseGainMapXmp("xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\" hdrgm:Version=\"1.0\"");
        QVERIFY(primaryOnly.hdrgmVersion && !primaryOnly.metadata && primaryOnly.metadataProblem.empty());
        auto apple = parseGainMapXmp(
            "xmlns:HDRGainMap=\"http://ns.apple.com/HDRGainMap/1.0/\">\n"
            "               "
            "<apdi:AuxiliaryImageType>urn:com:apple:photo:2020:aux:hdrgainmap</apdi:AuxiliaryImageType>\n"
            "               <HDRGainMap:HDRGainMapVersion>131072</HDRGainMap:HDRGainMapVersion>\n"
            "               <HDRGainMap:HDRGainMapHeadroom>4.532783</HDRGainMap:HDRGainMapHeadroom>");
        QVERIFY(apple.appleGainMap);
        QCOMPARE(*apple.appleVersion, 131072);
        QCOMPARE(*apple.appleHeadroom, 4.532783f);
        // Garbage and truncated text never crash.
        for (std::string s :
             {std::string("<"),
              std::string("xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\" hdrgm:GainMapMax=\""),
              std::string("xmlns:hdrgm=\"http://ns.adobe.com/hdr-gain-map/1.0/\"<hdrgm:GainMapMax>"),
              std::string(":Semantic=\"GainMap")}) {
            (void)parseGainMapXmp(s);
        }
    }

    void xmpWriterRoundTrip()
    {
        GainMapMetadata m;
        m.gainMapMin = {-0.25f, -0.5f, 0.0f};
        m.gainMapMax = {2.0f, 2.5f, 3.0f};
        m.gamma = {1.0f, 1.1f, 0.9f};
        m.hdrCapacityMax = 3.0f;
        const auto parsed = parseGainMapXmp(makeGainMapXmp(m));
        QVERIFY(parsed.metadata);
        QVERIFY(*parsed.metadata == m);
        GainMapMetadata single;
        single.gainMapMax = {6.5f, 6.5f, 6.5f};
        single.hdrCapacityMax = 6.5f;
        QVERIFY(*parseGainMapXmp(makeGainMapXmp(single)).metadata == single);
        const auto primary = parseGainMapXmp(makePrimaryXmp(12345));
        QCOMPARE(primary.container.size(), std::size_t(2));
        QCOMPARE(primary.container[1].semantic, std::string("GainMap"));
        QCOMPARE(primary.container[1].length, std::size_t(12345));
        QCOMPARE(*primary.hdrgmVersion, std::string("1.0"));
    }

    void isoRoundTrip()
    {
        GainMapMetadata m;
        m.gainMapMin = {-0.25f, -0.5f, 0.0f};
        m.gainMapMax = {2.0f, 2.5f, 13.0f};
        m.gamma = {1.0f, 1.1f, 0.9f};
        m.hdrCapacityMin = 0.5f;
        m.hdrCapacityMax = 13.0f;
        auto bytes = encodeIsoGainMapMetadata(m);
        QCOMPARE(bytes.size(), std::size_t(4 + 1 + 16 + 3 * 40));
        auto back = decodeIsoGainMapMetadata(bytes);
        HDR_VERIFY_OK(back);
        for (int c = 0; c < 3; ++c) {
            QVERIFY(std::fabs(back->metadata->gainMapMax[c] - m.gainMapMax[c]) < 1e-6f);
            QVERIFY(std::fabs(back->metadata->gamma[c] - m.gamma[c]) < 1e-7f);
            QCOMPARE(back->metadata->offsetSdr[c], 1.0f / 64); // exact: power-of-two denominators
        }
        QCOMPARE(back->metadata->hdrCapacityMin, 0.5f);
        QVERIFY(!back->metadata->baseIsHdr);
        m.baseIsHdr = true;
        back = decodeIsoGainMapMetadata(encodeIsoGainMapMetadata(m));
        QVERIFY(back->metadata->baseIsHdr);
        QCOMPARE(back->metadata->hdrCapacityMax, 13.0f);

        // Version only (primary image), truncated, zero denominator, future version.
        QVERIFY(!decodeIsoGainMapMetadata(encodeIsoGainMapVersion())->metadata);
        for (std::size_t cut : {std::size_t(1), std::size_t(5), bytes.size() - 1}) {
            auto t = decodeIsoGainMapMetadata(std::span(bytes).first(cut));
            QVERIFY(!t);
            QCOMPARE(t.error().code, ErrorCode::CorruptData);
        }
        auto zero = bytes;
        std::fill(zero.begin() + 9, zero.begin() + 13, 0); // base headroom denominator
        QVERIFY(decodeIsoGainMapMetadata(zero).error().message.find("denominator") != std::string::npos);
        auto future = bytes;
        future[1] = 7;
        QCOMPARE(decodeIsoGainMapMetadata(future).error().code, ErrorCode::UnsupportedFormat);
    }

    void isoCommonDenominator()
    {
        // Single channel, common denominator 1000: headrooms 0 / 3.5, min -0.5, max 3.5, gamma 1,
        // offsets 0.015 / 0.02, built byte by byte.
        std::vector<std::uint8_t> b{0, 0, 0, 0, 0x08 | 0x40};
        for (std::int32_t v : {1000, 0, 3500, -500, 3500, 1000, 15, 20}) {
            putU32(b, std::uint32_t(v), false);
        }
        auto r = decodeIsoGainMapMetadata(b);
        HDR_VERIFY_OK(r);
        QCOMPARE(r->metadata->gainMapMin[2], -0.5f);
        QCOMPARE(r->metadata->hdrCapacityMax, 3.5f);
        QCOMPARE(r->metadata->offsetHdr[1], 0.02f);
        QVERIFY(r->metadata->useBaseColorSpace);
    }

    void containerFindsGainMapThroughMpf_data()
    {
        QTest::addColumn<bool>("littleEndian");
        QTest::newRow("big endian") << false;
        QTest::newRow("little endian") << true;
    }
    void containerFindsGainMapThroughMpf()
    {
        QFETCH(bool, littleEndian);
        const auto gainMap = fakeJpeg({segment(0xE1, bytesOf(kXmpSig + makeGainMapXmp(GainMapMetadata{})))});
        // Primary: XMP, then MPF; the MPF offset counts from its TIFF header.
        auto xmp = segment(0xE1, bytesOf(kXmpSig + makePrimaryXmp(gainMap.size())));
        auto primaryNoMpf = fakeJpeg({xmp, segment(0xE2, mpf(littleEndian, 0, 0))});
        const std::size_t tiffStart = 2 + xmp.size() + 4 + 4;
        auto primary = fakeJpeg({xmp,
                                 segment(0xE2,
                                         mpf(littleEndian,
                                             std::uint32_t(gainMap.size()),
                                             std::uint32_t(primaryNoMpf.size() - tiffStart)))});
        std::vector<std::uint8_t> file = primary;
        file.insert(file.end(), gainMap.begin(), gainMap.end());
        auto parts = findGainMapJpeg(file);
        HDR_VERIFY_OK(parts);
        QCOMPARE(parts->locatedBy, std::string("MPF"));
        QCOMPARE(parts->gainMap.size(), gainMap.size());
        QVERIFY(parts->gainMapXmp.metadata);

        // Without MPF the GContainer length still finds it.
        std::vector<std::uint8_t> noMpf = fakeJpeg({xmp});
        noMpf.insert(noMpf.end(), gainMap.begin(), gainMap.end());
        parts = findGainMapJpeg(noMpf);
        HDR_VERIFY_OK(parts);
        QCOMPARE(parts->locatedBy, std::string("GContainer"));

        // Truncated: the gain map is gone, but the primary still says there is one.
        std::vector<std::uint8_t> cut(file.begin(), file.begin() + std::ptrdiff_t(primary.size() + 10));
        auto error = findGainMapJpeg(cut);
        QCOMPARE(error.error().code, ErrorCode::CorruptData);
        // A plain JPEG: UnsupportedFormat (readImage falls back to the plain reader).
        QCOMPARE(findGainMapJpeg(fakeJpeg({})).error().code, ErrorCode::UnsupportedFormat);
    }

    void containerWriterPatchesMpf()
    {
        const auto gainMap = fakeJpeg({segment(0xE1, bytesOf(kXmpSig + makeGainMapXmp(GainMapMetadata{})))});
        auto primary = fakeJpeg({segment(0xE1, bytesOf(kXmpSig + makePrimaryXmp(gainMap.size()))),
                                 segment(0xE2, makeMpfPayload(0, 0, 0))});
        auto file = assembleGainMapJpeg(primary, gainMap);
        HDR_VERIFY_OK(file);
        QCOMPARE(file->size(), primary.size() + gainMap.size());
        auto parts = findGainMapJpeg(*file);
        HDR_VERIFY_OK(parts);
        QCOMPARE(parts->gainMap.data(), file->data() + primary.size());
    }

    void segmentScanRejectsDamage()
    {
        QVERIFY(!scanJpegSegments(std::vector<std::uint8_t>{0x00, 0x01}));
        QVERIFY(!scanJpegSegments(std::vector<std::uint8_t>{0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00, 0x01}));
        QVERIFY(!scanJpegSegments(std::vector<std::uint8_t>{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01}));
        QVERIFY(!scanJpegSegments(std::vector<std::uint8_t>{0xFF, 0xD8, 0x12}));
    }
};

HDR_TEST_MAIN(TestGainMapMetadata)
#include "tst_gainmap_metadata.moc"
