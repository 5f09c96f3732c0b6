// XMP sidecars: the marks other tools write read back right, updates keep every foreign byte, both
// sidecar namings, garbage and hostile files give errors and are never overwritten. The samples
// are written by hand after the layouts darktable (exiv2), digiKam (exiv2), Lightroom/Bridge
// (Adobe XMP Core) and Photo Mechanic produce; see core/catalog/XmpSidecar.h.
#include "catalog/XmlDocument.h"
#include "catalog/XmpSidecar.h"
#include "core/catalog/XmpSamples.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace hdr::catalog;
using namespace hdr::test::catalog;
namespace fs = std::filesystem;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to)
{
    const auto pos = text.find(from);
    if (pos == std::string::npos) qFatal("sample has no %s", from.c_str());
    return text.replace(pos, from.size(), to);
}

std::string readText(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeText(const fs::path& p, const std::string& text)
{
    std::ofstream(p, std::ios::binary) << text;
}

} // namespace

class TestXmpSidecar : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path scratch(const char* name) const
    {
        const fs::path folder = fs::path(m_dir.path().toStdString()) / name;
        fs::create_directories(folder);
        return folder;
    }

private slots:
    void marksTransitions()
    {
        // Rejecting clears the stars; stars take a rejection back; picks keep their stars.
        const CullMarks three{Flag::None, 3};
        QCOMPARE(three.withFlag(Flag::Rejected), (CullMarks{Flag::Rejected, 0}));
        QCOMPARE(three.withFlag(Flag::Picked), (CullMarks{Flag::Picked, 3}));
        QCOMPARE((CullMarks{Flag::Rejected, 0}).withStars(4), (CullMarks{Flag::None, 4}));
        QCOMPARE((CullMarks{Flag::Rejected, 0}).withStars(0), (CullMarks{Flag::Rejected, 0}));
        QCOMPARE((CullMarks{Flag::Picked, 1}).withStars(9), (CullMarks{Flag::Picked, 5}));
        QCOMPARE((CullMarks{Flag::Picked, 1}).withStars(-2), (CullMarks{Flag::Picked, 0}));
    }

    void readsEachToolsConvention()
    {
        auto dt = readCullMarks(kDarktable);
        HDR_VERIFY_OK(dt);
        QCOMPARE(*dt, (CullMarks{Flag::None, 2}));
        auto dk = readCullMarks(kDigiKam);
        HDR_VERIFY_OK(dk);
        QCOMPARE(*dk, (CullMarks{Flag::Picked, 3}));
        auto lr = readCullMarks(kLightroom);
        HDR_VERIFY_OK(lr);
        QCOMPARE(*lr, (CullMarks{Flag::Rejected, 0}));
        auto pm = readCullMarks(kPhotoMechanic);
        HDR_VERIFY_OK(pm);
        QCOMPARE(*pm, (CullMarks{Flag::Picked, 0}));
        // darktable's reject is xmp:Rating -1; digiKam's is PickLabel 1 (with its stars kept).
        auto dtReject = readCullMarks(replaced(kDarktable, "xmp:Rating=\"2\"", "xmp:Rating=\"-1\""));
        QCOMPARE(*dtReject, (CullMarks{Flag::Rejected, 0}));
        auto dkReject =
            readCullMarks(replaced(kDigiKam, "digiKam:PickLabel=\"3\"", "digiKam:PickLabel=\"1\""));
        QCOMPARE(dkReject->flag, Flag::Rejected);
        // digiKam's "pending" label is no flag; the Windows percent rating counts without xmp:Rating.
        auto pending =
            readCullMarks(replaced(kDigiKam, "digiKam:PickLabel=\"3\"", "digiKam:PickLabel=\"2\""));
        QCOMPARE(pending->flag, Flag::None);
        auto percentOnly = readCullMarks(replaced(kDigiKam, "xmp:Rating=\"3\"", "xmp:Nickname=\"x\""));
        QCOMPARE(percentOnly->stars, 3);
        // Fractional ratings round; values above 5 clamp.
        QCOMPARE(readCullMarks(replaced(kDarktable, "xmp:Rating=\"2\"", "xmp:Rating=\"3.6\""))->stars, 4);
        QCOMPARE(readCullMarks(replaced(kDarktable, "xmp:Rating=\"2\"", "xmp:Rating=\"9\""))->stars, 5);
    }

    void updateKeepsDarktableBytes()
    {
        // Unflagged stars: only the rating's value changes, every other byte stays.
        auto updated = updateCullMarks(kDarktable, CullMarks{Flag::None, 4});
        HDR_VERIFY_OK(updated);
        QCOMPARE(*updated, replaced(kDarktable, "xmp:Rating=\"2\"", "xmp:Rating=\"4\""));
        // A pick adds digiKam's label and its namespace, on lines like exiv2's.
        auto picked = updateCullMarks(kDarktable, CullMarks{Flag::Picked, 4});
        HDR_VERIFY_OK(picked);
        const std::string expected = replaced(
            replaced(kDarktable, "xmp:Rating=\"2\"", "xmp:Rating=\"4\""),
            "darktable:iop_order_version=\"4\">",
            "darktable:iop_order_version=\"4\"\n   xmlns:digiKam=\"http://www.digikam.org/ns/1.0/\"\n"
            "   digiKam:PickLabel=\"3\">");
        QCOMPARE(*picked, expected);
        QCOMPARE(*readCullMarks(*picked), (CullMarks{Flag::Picked, 4}));
        // Rejecting it: -1 for darktable, 1 for digiKam; unflagging keeps the label present as 0.
        auto rejected = updateCullMarks(*picked, CullMarks{Flag::Rejected, 0});
        QCOMPARE(*rejected,
                 replaced(replaced(*picked, "xmp:Rating=\"4\"", "xmp:Rating=\"-1\""),
                          "PickLabel=\"3\"",
                          "PickLabel=\"1\""));
        auto cleared = updateCullMarks(*rejected, CullMarks{});
        QCOMPARE(*readCullMarks(*cleared), CullMarks{});
        QVERIFY(cleared->find("digiKam:PickLabel=\"0\"") != std::string::npos);
    }

    void updateKeepsDigiKamAndWindowsRating()
    {
        auto rejected = updateCullMarks(kDigiKam, CullMarks{Flag::Rejected, 0});
        HDR_VERIFY_OK(rejected);
        const std::string expected =
            replaced(replaced(replaced(kDigiKam, "xmp:Rating=\"3\"", "xmp:Rating=\"-1\""),
                              "digiKam:PickLabel=\"3\"",
                              "digiKam:PickLabel=\"1\""),
                     "MicrosoftPhoto:Rating=\"50\"",
                     "MicrosoftPhoto:Rating=\"0\"");
        QCOMPARE(*rejected, expected);
        auto five = updateCullMarks(kDigiKam, CullMarks{Flag::Picked, 5});
        QVERIFY(five->find("MicrosoftPhoto:Rating=\"99\"") != std::string::npos);
        QVERIFY(five->find("<rdf:li>Studio &amp; light</rdf:li>") != std::string::npos);
    }

    void updateAdobeElementForm()
    {
        auto picked = updateCullMarks(kLightroom, CullMarks{Flag::Picked, 2});
        HDR_VERIFY_OK(picked);
        QCOMPARE(*readCullMarks(*picked), (CullMarks{Flag::Picked, 2}));
        QVERIFY(picked->find("<xap:Rating>2</xap:Rating>") != std::string::npos);
        QVERIFY(picked->find("<xap:Label>Red</xap:Label>") != std::string::npos);
        QVERIFY(picked->find("crs:Exposure2012=\"+0.35\"") != std::string::npos);
        QVERIFY(picked->find("<!-- written by hand -->") != std::string::npos);
        QVERIFY(picked->find("x:xmptk=\"Adobe XMP Core 5.6-c140 79.160451, 2017/05/06-01:08:21        \"") !=
                std::string::npos);
        // A repeated property is collapsed into one.
        const std::string twice = replaced(kLightroom,
                                           "<xap:Rating>-1</xap:Rating>",
                                           "<xap:Rating>-1</xap:Rating>\n   <xap:Rating>4</xap:Rating>");
        auto once = updateCullMarks(twice, CullMarks{Flag::None, 1});
        HDR_VERIFY_OK(once);
        QCOMPARE(once->find("<xap:Rating>", once->find("<xap:Rating>") + 1), std::string::npos);
    }

    void updateKeepsPhotoMechanicTagInStep()
    {
        auto unflagged = updateCullMarks(kPhotoMechanic, CullMarks{Flag::None, 1});
        HDR_VERIFY_OK(unflagged);
        QCOMPARE(*unflagged,
                 replaced(replaced(kPhotoMechanic, "xmp:Rating=\"0\"", "xmp:Rating=\"1\""),
                          "photomechanic:Tagged=\"True\"",
                          "photomechanic:Tagged=\"False\""));
    }

    void freshPacketAndOddShapes()
    {
        auto fresh = updateCullMarks("", CullMarks{Flag::Picked, 3});
        HDR_VERIFY_OK(fresh);
        QCOMPARE(*readCullMarks(*fresh), (CullMarks{Flag::Picked, 3}));
        // An rdf:RDF without a description (self-closing, or empty) gets one.
        const std::string bare = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                                 "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta>";
        auto filled = updateCullMarks(bare, CullMarks{Flag::Rejected, 0});
        HDR_VERIFY_OK(filled);
        QCOMPARE(*readCullMarks(*filled), (CullMarks{Flag::Rejected, 0}));
        QVERIFY(parseXml(*filled).has_value());
        // A prefix "xmp" bound to something else: ours gets another prefix.
        const std::string clash =
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
            "<rdf:Description rdf:about=\"\" xmlns:xmp=\"urn:other\" xmp:Rating=\"keep\"/>"
            "</rdf:RDF>";
        auto separate = updateCullMarks(clash, CullMarks{Flag::None, 2});
        HDR_VERIFY_OK(separate);
        QVERIFY(separate->find("xmp:Rating=\"keep\"") != std::string::npos);
        QVERIFY(separate->find("xmlns:xmp1=\"http://ns.adobe.com/xap/1.0/\" xmp1:Rating=\"2\"") !=
                std::string::npos);
        QCOMPARE(readCullMarks(*separate)->stars, 2);
    }

    void garbageIsAnError_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("not xml") << QByteArray("rating=5");
        QTest::newRow("truncated") << QByteArray(kDarktable.substr(0, kDarktable.size() / 2).c_str());
        QTest::newRow("mismatched") << QByteArray("<a><b></a></b>");
        QTest::newRow("no rdf") << QByteArray("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><foo/></x:xmpmeta>");
        QTest::newRow("doctype") << QByteArray("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>");
        QTest::newRow("unknown entity") << QByteArray("<rdf:RDF xmlns:rdf=\"r\">&bogus;</rdf:RDF>");
        QTest::newRow("two roots") << QByteArray("<a/><b/>");
        QTest::newRow("utf16") << QByteArray("\xFF\xFE<\0a\0/\0>\0", 10);
        QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
        QTest::newRow("bad char ref") << QByteArray("<a>&#xD800;</a>");
        QTest::newRow("unquoted") << QByteArray("<a b=c/>");
        QTest::newRow("repeated attribute") << QByteArray("<a b=\"1\" b=\"2\"/>");
        // Found by fuzz_xmp_sidecar: a prefix with a ':' in it would be reused for our property and
        // read back as another name.
        QTest::newRow("two colons") << QByteArray(
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description "
            "xmlns:a:b=\"http://ns.adobe.com/xap/1.0/\"/></rdf:RDF>");
        QTest::newRow("empty prefix") << QByteArray("<a xmlns:=\"urn:x\"/>");
        QByteArray deep;
        for (int i = 0; i < 100000; ++i)
            deep += "<a>";
        QTest::newRow("deep nesting") << deep;
    }

    void garbageIsAnError()
    {
        QFETCH(QByteArray, text);
        const std::string xmp(text.constData(), std::size_t(text.size()));
        QVERIFY(!readCullMarks(xmp).has_value());
        QVERIFY(!updateCullMarks(xmp, CullMarks{Flag::Picked, 1}).has_value());
    }

    void garbageSidecarIsNeverOverwritten()
    {
        const fs::path folder = scratch("garbage");
        const fs::path image = folder / "a.png";
        writeText(image, "not really a png");
        writeText(sidecarPathFor(image), "<x:xmpmeta>broken");
        auto read = readSidecar(image);
        QVERIFY(!read);
        QVERIFY(read.error().where.find("a.png.xmp") != std::string::npos);
        auto written = writeSidecar(image, CullMarks{Flag::Picked, 5});
        QVERIFY(!written);
        QCOMPARE(readText(sidecarPathFor(image)), std::string("<x:xmpmeta>broken"));
        // A blank sidecar is no marks, and can be filled.
        writeText(sidecarPathFor(image), "\n");
        HDR_VERIFY_OK(readSidecar(image));
        QCOMPARE(readSidecar(image)->marks, CullMarks{});
        HDR_VERIFY_OK(writeSidecar(image, CullMarks{Flag::Picked, 5}));
        QCOMPARE(readSidecar(image)->marks, (CullMarks{Flag::Picked, 5}));
    }

    void fileRoundTripAndNaming()
    {
        const fs::path folder = scratch("naming");
        const fs::path image = folder / "20240501_101112_stage1_1024x1024.png";
        writeText(image, "x");
        QCOMPARE(sidecarPathFor(image).filename().string(),
                 std::string("20240501_101112_stage1_1024x1024.png.xmp"));
        QCOMPARE(adobeSidecarPathFor(image).filename().string(),
                 std::string("20240501_101112_stage1_1024x1024.xmp"));
        // Default marks and no sidecar: nothing to write.
        auto none = writeSidecar(image, CullMarks{});
        HDR_VERIFY_OK(none);
        QVERIFY(!none->has_value());
        QVERIFY(!existingSidecar(image));
        // Our naming when there is none yet; round trip.
        auto created = writeSidecar(image, CullMarks{Flag::Picked, 4});
        HDR_VERIFY_OK(created);
        QCOMPARE(created->value(), sidecarPathFor(image));
        auto back = readSidecar(image);
        HDR_VERIFY_OK(back);
        QCOMPARE(back->marks, (CullMarks{Flag::Picked, 4}));
        QCOMPARE(back->path.value(), sidecarPathFor(image));
        // No temp files left behind by the atomic write.
        int files = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(folder))
            ++files;
        QCOMPARE(files, 2);

        // An Adobe-named sidecar (Lightroom) is read, and updated in place.
        const fs::path other = folder / "other.png";
        writeText(other, "x");
        writeText(adobeSidecarPathFor(other), kLightroom);
        QCOMPARE(readSidecar(other)->marks, (CullMarks{Flag::Rejected, 0}));
        auto updated = writeSidecar(other, CullMarks{Flag::None, 5});
        HDR_VERIFY_OK(updated);
        QCOMPARE(updated->value(), adobeSidecarPathFor(other));
        QVERIFY(!fs::exists(sidecarPathFor(other)));
        QCOMPARE(readSidecar(other)->marks, (CullMarks{Flag::None, 5}));
        QVERIFY(readText(adobeSidecarPathFor(other)).find("crs:Version=\"10.0\"") != std::string::npos);
        // With both namings, name.png.xmp wins.
        writeText(sidecarPathFor(other), kDigiKam);
        QCOMPARE(readSidecar(other)->marks, (CullMarks{Flag::Picked, 3}));
    }
};

HDR_TEST_MAIN(TestXmpSidecar)
#include "tst_xmp_sidecar.moc"
