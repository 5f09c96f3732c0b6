// Runs the real hdrstudio-cli `merge` command on brackets the test writes itself: camera-like
// JPEGs with EXIF (exposures from the files), PNGs without EXIF (--ev), and the error cases.
#include "CliRunner.h"
#include "image/DemoScene.h"
#include "io/ImageIO.h"
#include "stacks/SyntheticBrackets.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>

using namespace hdr::core;
using hdr::test::CliRun;
using hdr::test::runCli;

namespace {

QStringList toStrings(const std::vector<std::filesystem::path>& paths)
{
    QStringList out;
    for (const auto& p : paths) {
        out << QString::fromStdString(p.string());
    }
    return out;
}

// Median |merged / truth − 1| over pixels that the EV 0 frame recorded between codes 0.1 and 0.9.
double medianError(const ImageF& merged, const ImageF& truth, const ImageF& middleFrame)
{
    std::vector<double> e;
    for (int y = 0; y < truth.height(); ++y) {
        for (int x = 0; x < truth.width(); ++x) {
            const float* v = middleFrame.pixel(x, y);
            if (std::min({v[0], v[1], v[2]}) > 0.1f && std::max({v[0], v[1], v[2]}) < 0.9f) {
                for (int c = 0; c < 3; ++c) {
                    e.push_back(std::fabs(merged.pixel(x, y)[c] / truth.pixel(x, y)[c] - 1.0));
                }
            }
        }
    }
    std::nth_element(e.begin(), e.begin() + std::ptrdiff_t(e.size() / 2), e.end());
    return e.empty() ? 1e30 : e[e.size() / 2];
}
} // namespace

class TestCliMerge : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    ImageF m_scene;
    ImageF m_middle;
    QStringList m_jpegs; // with EXIF
    QStringList m_pngs;  // without

    QString path(const QString& name) const { return m_dir.filePath(name); }

private slots:
    void initTestCase()
    {
        hdr::test::initTestEnvironment();
        m_scene = renderDemoScene(160, 96);
        BracketParams p;
        p.evs = {-4.0f, 0.0f, 4.0f};
        p.jpegQuality = 95;
        auto frames = synthesizeBrackets(m_scene, p, nullJobContext());
        HDR_VERIFY_OK(frames);
        m_middle = (*frames)[1].signal;
        auto jpegs = writeBrackets(*frames, p, path(QStringLiteral("jpeg")).toStdString(), false);
        HDR_VERIFY_OK(jpegs);
        m_jpegs = toStrings(*jpegs);
        p.jpegQuality = 0;
        auto lossless = synthesizeBrackets(m_scene, p, nullJobContext());
        HDR_VERIFY_OK(lossless);
        auto pngs = writeBrackets(*lossless, p, path(QStringLiteral("png")).toStdString(), false);
        HDR_VERIFY_OK(pngs);
        m_pngs = toStrings(*pngs);
    }

    void mergesWithExifExposures()
    {
        const QString out = path(QStringLiteral("exif.exr"));
        const QString preview = path(QStringLiteral("exif_preview.png"));
        CliRun r = runCli(QStringList{QStringLiteral("merge")} + m_jpegs +
                          QStringList{QStringLiteral("--output"), out, QStringLiteral("--preview"), preview});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("-4.00,+0.00,+4.00")));
        auto merged = readImage(out.toStdString());
        HDR_VERIFY_OK(merged);
        const double err = medianError(*merged, m_scene, m_middle);
        qInfo("JPEG q95 bracket, EXIF exposures: median relative error %.4f", err);
        QVERIFY(err < 0.03);
        auto pv = readImage(preview.toStdString());
        HDR_VERIFY_OK(pv);
        QCOMPARE(pv->width(), 160);
        QCOMPARE(QString::fromStdString(pv->metadata.sourcePixelType), QStringLiteral("uint8"));
    }

    void mergesPngsWithTypedEvsToEveryFormat()
    {
        for (const char* name : {"ev.hdr", "ev.tif", "ev.png"}) {
            const QString out = path(QString::fromLatin1(name));
            CliRun r = runCli(QStringList{QStringLiteral("merge")} + m_pngs +
                              QStringList{QStringLiteral("--output"),
                                          out,
                                          QStringLiteral("--ev"),
                                          QStringLiteral("-4,0,4"),
                                          QStringLiteral("--deghost"),
                                          QStringLiteral("--align")});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            auto merged = readImage(out.toStdString());
            HDR_VERIFY_OK(merged);
            const double err = medianError(*merged, m_scene, m_middle);
            qInfo("%s: median relative error %.4f", name, err);
            QVERIFY(err < 0.02);
        }
        // --ev auto estimates the same exposures from the pixels.
        CliRun r = runCli(QStringList{QStringLiteral("merge")} + m_pngs +
                          QStringList{QStringLiteral("--output"),
                                      path(QStringLiteral("auto.exr")),
                                      QStringLiteral("--ev"),
                                      QStringLiteral("auto"),
                                      QStringLiteral("--response"),
                                      QStringLiteral("debevec")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto match = QRegularExpression(QStringLiteral("EV ([-+0-9.,]+),")).match(r.out);
        const QStringList evs = match.captured(1).split(QLatin1Char(','));
        QCOMPARE(evs.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(std::fabs(evs[i].toDouble() - 4.0 * (i - 1)) < 0.1, qPrintable(r.out));
        }
    }

    void clearErrors()
    {
        const QString out = path(QStringLiteral("err.exr"));
        // No EXIF in PNGs.
        CliRun r = runCli(QStringList{QStringLiteral("merge")} + m_pngs +
                          QStringList{QStringLiteral("--output"), out});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(QStringLiteral("no exposure data in frame_00.png: pass --ev or --ev auto")),
                 qPrintable(r.err));
        // One image.
        r = runCli(QStringList{QStringLiteral("merge"), m_pngs[0], QStringLiteral("--output"), out});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("at least two")));
        // Wrong EV count, bad response.
        r = runCli(
            QStringList{QStringLiteral("merge")} + m_pngs +
            QStringList{QStringLiteral("--output"), out, QStringLiteral("--ev"), QStringLiteral("0,1")});
        QCOMPARE(r.code, 2);
        r = runCli(QStringList{QStringLiteral("merge")} + m_pngs +
                   QStringList{QStringLiteral("--output"),
                               out,
                               QStringLiteral("--ev"),
                               QStringLiteral("-4,0,4"),
                               QStringLiteral("--response"),
                               QStringLiteral("banana")});
        QCOMPARE(r.code, 2);
        // Mismatched sizes.
        const QString small = path(QStringLiteral("small.png"));
        HDR_VERIFY_OK(writeImage(renderDemoScene(80, 48), small.toStdString()));
        r = runCli(QStringList{QStringLiteral("merge"),
                               m_pngs[0],
                               small,
                               QStringLiteral("--output"),
                               out,
                               QStringLiteral("--ev"),
                               QStringLiteral("0,1")});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(QStringLiteral("same size")), qPrintable(r.err));
        // Unreadable file.
        const QString junk = path(QStringLiteral("junk.jpg"));
        hdr::test::writeAll(junk.toStdString(), std::vector<char>{'n', 'o', 't', ' ', 'a', 'n', ' ', 'i'});
        r = runCli(QStringList{QStringLiteral("merge"),
                               m_pngs[0],
                               junk,
                               QStringLiteral("--output"),
                               out,
                               QStringLiteral("--ev"),
                               QStringLiteral("0,1")});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains(QStringLiteral("junk.jpg")));
        QVERIFY(!QFile::exists(out));
        // Existing output without --overwrite.
        const QString existing = path(QStringLiteral("exists.exr"));
        QVERIFY(runCli(QStringList{QStringLiteral("merge")} + m_jpegs +
                       QStringList{QStringLiteral("--output"), existing})
                    .code == 0);
        QCOMPARE(runCli(QStringList{QStringLiteral("merge")} + m_jpegs +
                        QStringList{QStringLiteral("--output"), existing})
                     .code,
                 3);
        // 8-bit outputs are refused (the preview is the 8-bit picture).
        QCOMPARE(runCli(QStringList{QStringLiteral("merge")} + m_jpegs +
                        QStringList{QStringLiteral("--output"), path(QStringLiteral("x.jpg"))})
                     .code,
                 2);
    }

    void helpSaysWhatAPngHolds()
    {
        CliRun r = runCli({QStringLiteral("merge"), QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("PQ")));
    }
};

HDR_TEST_MAIN(TestCliMerge)
#include "tst_cli_merge.moc"
