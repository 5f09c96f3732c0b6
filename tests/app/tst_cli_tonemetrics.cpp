// hdrstudio-cli tonemap / compare / bracket / select-exposures on a wedge the test writes itself.
#include "CliRunner.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <cmath>

using namespace hdr::core;
using hdr::test::CliRun;
using hdr::test::runCli;

class TestCliToneMetrics : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_hdr;
    QString path(const char* n) const { return m_dir.filePath(QString::fromLatin1(n)); }

private slots:
    void initTestCase()
    {
        ImageF img(96, 48, 3);
        for (int y = 0; y < 48; ++y) {
            for (int x = 0; x < 96; ++x) {
                float* p = img.pixel(x, y);
                p[0] = p[1] = p[2] = (1.0f + 0.2f * float((x + y) % 3)) * std::exp2(float(x) / 8.0f - 8.0f);
            }
        }
        m_hdr = path("wedge.hdr");
        HDR_VERIFY_OK(writeImage(img, m_hdr.toStdString()));
    }
    void tonemapEveryOperator()
    {
        for (const char* op :
             {"clip", "drago", "linear", "mu-law", "photographic", "photographic-local", "durand"}) {
            const QString out = path(op) + QStringLiteral(".png");
            const CliRun r = runCli({QStringLiteral("tonemap"),
                                     m_hdr,
                                     QStringLiteral("--output"),
                                     out,
                                     QStringLiteral("--operator"),
                                     QString::fromLatin1(op)});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(QFile::exists(out));
        }
        QCOMPARE(runCli({QStringLiteral("tonemap"),
                         m_hdr,
                         QStringLiteral("--output"),
                         path("x.png"),
                         QStringLiteral("--operator"),
                         QStringLiteral("nope")})
                     .code,
                 2);
        QCOMPARE(runCli({QStringLiteral("tonemap"),
                         m_hdr,
                         QStringLiteral("--output"),
                         path("x.png"),
                         QStringLiteral("--operator"),
                         QStringLiteral("durand"),
                         QStringLiteral("--sigma-r"),
                         QStringLiteral("-1")})
                     .code,
                 2);
    }
    void compareIdenticalAndDifferent()
    {
        const CliRun same = runCli(
            {QStringLiteral("compare"), path("drago.png"), path("drago.png"), QStringLiteral("--json")});
        QCOMPARE(same.code, 0);
        QVERIFY(same.out.contains(QStringLiteral("\"ssim\": 1.0")));
        QVERIFY(same.out.contains(QStringLiteral("\"psnr\": null")));
        const CliRun diff = runCli({QStringLiteral("compare"),
                                    path("drago.png"),
                                    path("linear.png"),
                                    QStringLiteral("--metric"),
                                    QStringLiteral("psnr")});
        QCOMPARE(diff.code, 0);
        QVERIFY(diff.out.startsWith(QStringLiteral("psnr")));
    }
    void bracketThenSelect()
    {
        const QString dir = path("stack");
        const CliRun b = runCli({QStringLiteral("bracket"),
                                 m_hdr,
                                 QStringLiteral("--output"),
                                 dir,
                                 QStringLiteral("--ev"),
                                 QStringLiteral("-2,0,2"),
                                 QStringLiteral("--jpeg-quality"),
                                 QStringLiteral("90"),
                                 QStringLiteral("--corrupt-metadata"),
                                 QStringLiteral("missing")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        QVERIFY(QFile::exists(dir + QStringLiteral("/brackets.json")));
        const CliRun s = runCli({QStringLiteral("select-exposures"),
                                 dir + QStringLiteral("/frame_00.jpg"),
                                 dir + QStringLiteral("/frame_01.jpg"),
                                 dir + QStringLiteral("/frame_02.jpg"),
                                 QStringLiteral("--json")});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        QCOMPARE(s.out.count(QStringLiteral("\"first\"")), 3);
        QCOMPARE(runCli({QStringLiteral("bracket"),
                         m_hdr,
                         QStringLiteral("--output"),
                         dir,
                         QStringLiteral("--ev"),
                         QStringLiteral("a,b")})
                     .code,
                 2);
    }
};

HDR_TEST_MAIN(TestCliToneMetrics)
#include "tst_cli_tonemetrics.moc"
