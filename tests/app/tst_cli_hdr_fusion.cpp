// Runs the real hdrstudio-cli `fuse` command on brackets the test writes itself.
#include "CliRunner.h"
#include "image/DemoScene.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>

using namespace hdr::core;
using hdr::test::CliRun;
using hdr::test::runCli;

class TestCliHdrFusion : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QStringList m_bracket;

    QString path(const QString& name) const { return m_dir.filePath(name); }

private slots:
    void initTestCase()
    {
        const ImageF scene = renderDemoScene(128, 72);
        for (float ev : {-6.0f, -2.0f, 2.0f}) {
            ImageF exposed = scene;
            applyExposure(exposed, ev);
            const QString f = path(QStringLiteral("b%1.png").arg(m_bracket.size()));
            HDR_VERIFY_OK(writeImage(exposed, f.toStdString()));
            m_bracket << f;
        }
    }
    void fuseWrites16BitPngAndRefusesOverwrite()
    {
        const QString out = path(QStringLiteral("fused.png"));
        CliRun r = runCli(QStringList{QStringLiteral("fuse")} + m_bracket +
                          QStringList{QStringLiteral("--output"), out});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("16-bit")));
        auto img = readImage(out.toStdString());
        HDR_VERIFY_OK(img);
        QCOMPARE(img->width(), 128);
        QCOMPARE(QString::fromStdString(img->metadata.sourcePixelType), QStringLiteral("uint16"));
        r = runCli(QStringList{QStringLiteral("fuse")} + m_bracket +
                   QStringList{QStringLiteral("--output"), out});
        QCOMPARE(r.code, 3);
        r = runCli(QStringList{QStringLiteral("fuse")} + m_bracket +
                   QStringList{QStringLiteral("--output"),
                               out,
                               QStringLiteral("--overwrite"),
                               QStringLiteral("--exposedness"),
                               QStringLiteral("0"),
                               QStringLiteral("--depth"),
                               QStringLiteral("8")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("8-bit")));
    }
    void fuseReportsUsageErrors()
    {
        const QString out = path(QStringLiteral("x.png"));
        CliRun r = runCli({QStringLiteral("fuse"), m_bracket[0], QStringLiteral("--output"), out});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("at least two")));
        r = runCli({QStringLiteral("fuse"), m_bracket[0], m_bracket[1]});
        QCOMPARE(r.code, 2);
        r = runCli({QStringLiteral("fuse"),
                    m_bracket[0],
                    m_bracket[1],
                    QStringLiteral("--output"),
                    out,
                    QStringLiteral("--contrast"),
                    QStringLiteral("-1")});
        QCOMPARE(r.code, 2);
        r = runCli({QStringLiteral("fuse"),
                    m_bracket[0],
                    path(QStringLiteral("missing.png")),
                    QStringLiteral("--output"),
                    out});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains(QStringLiteral("missing.png")));
        // A different size.
        ImageF small(64, 36, 3);
        const QString smallPath = path(QStringLiteral("small.png"));
        HDR_VERIFY_OK(writeImage(small, smallPath.toStdString()));
        r = runCli({QStringLiteral("fuse"), m_bracket[0], smallPath, QStringLiteral("--output"), out});
        QVERIFY(r.code != 0);
        QVERIFY(r.err.contains(QStringLiteral("same size")));
        QVERIFY(runCli({QStringLiteral("fuse"), QStringLiteral("--help")})
                    .out.contains(QStringLiteral("OpenCV")));
    }
};

HDR_TEST_MAIN(TestCliHdrFusion)
#include "tst_cli_hdr_fusion.moc"
