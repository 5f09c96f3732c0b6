// Hostile OpenEXR inputs found by fuzzing; each must give a clean error, fast, without a huge
// allocation.
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QElapsedTimer>

using namespace hdr::core;

class TestExrRegressions : public QObject {
    Q_OBJECT
private slots:
    void hugeDeclaredAttributeIsRefusedBeforeOpenExrAllocates()
    {
        // A 21 KB file whose header declares a ~2 GB string attribute (fuzz_image_reader).
        QElapsedTimer timer;
        timer.start();
        auto image = readImage(hdr::test::testDataPath("exr-regressions/huge-string-attribute.exr"));
        QVERIFY(!image);
        QVERIFY2(image.error().code == ErrorCode::CorruptData, image.error().describe().c_str());
        QVERIFY2(image.error().message.find("claims") != std::string::npos, image.error().describe().c_str());
        QVERIFY(timer.elapsed() < 2000);
    }
};

HDR_TEST_MAIN(TestExrRegressions)
#include "tst_exr_regressions.moc"
