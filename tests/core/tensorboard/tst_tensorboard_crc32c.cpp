// CRC-32C and TensorFlow's checksum masking against published vectors and a bit-at-a-time
// reference written from the definition.

#include "tensorboard/Crc32c.h"

#include "support/TestSupport.h"

#include <QElapsedTimer>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace hdr::tensorboard;

namespace {

// The definition, one bit at a time: reflected polynomial 0x82F63B78, init and xorout all ones.
std::uint32_t bitwiseCrc32c(const unsigned char* p, std::size_t n)
{
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
    }
    return ~crc;
}

std::string bytesOf(std::initializer_list<int> values)
{
    std::string s;
    for (int v : values) {
        s.push_back(char(v));
    }
    return s;
}

} // namespace

class TestCrc32c : public QObject {
    Q_OBJECT

private slots:
    void knownVectors_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<quint32>("expected");
        std::string ascending, descending;
        for (int i = 0; i < 32; ++i) {
            ascending.push_back(char(i));
            descending.push_back(char(31 - i));
        }
        // RFC 3720 (iSCSI) appendix B.4.
        QTest::newRow("32 zero bytes") << QByteArray(32, '\0') << quint32(0x8A9136AA);
        QTest::newRow("32 0xFF bytes") << QByteArray(32, char(0xFF)) << quint32(0x62A8AB43);
        QTest::newRow("32 ascending") << QByteArray::fromStdString(ascending) << quint32(0x46DD794E);
        QTest::newRow("32 descending") << QByteArray::fromStdString(descending) << quint32(0x113FDB5C);
        const std::string iscsiRead = bytesOf(
            {0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
             0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
             0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
        QTest::newRow("iSCSI read PDU") << QByteArray::fromStdString(iscsiRead) << quint32(0xD9963A56);
        // The CRC catalogue's check value for CRC-32/ISCSI.
        QTest::newRow("123456789") << QByteArray("123456789") << quint32(0xE3069283);
        QTest::newRow("empty") << QByteArray() << quint32(0);
    }

    void knownVectors()
    {
        QFETCH(QByteArray, input);
        QFETCH(quint32, expected);
        QCOMPARE(crc32c(input.constData(), std::size_t(input.size())), expected);
        QCOMPARE(bitwiseCrc32c(reinterpret_cast<const unsigned char*>(input.constData()),
                               std::size_t(input.size())),
                 expected);
    }

    // Every length 0..300 at every start alignment, so the eight-byte loop and the byte tail
    // both meet every remainder.
    void matchesBitwiseDefinition()
    {
        std::mt19937 rng(7);
        std::vector<unsigned char> buffer(400);
        for (auto& b : buffer) {
            b = static_cast<unsigned char>(rng());
        }
        for (std::size_t start = 0; start < 8; ++start) {
            for (std::size_t length = 0; length <= 300; ++length) {
                const unsigned char* p = buffer.data() + start;
                QCOMPARE(crc32c(p, length), bitwiseCrc32c(p, length));
            }
        }
    }

    void extendEqualsWhole()
    {
        const std::string text = "TensorBoard event files are framed as TFRecords with CRC-32C checksums.";
        for (std::size_t split = 0; split <= text.size(); ++split) {
            const std::uint32_t head = crc32c(text.data(), split);
            QCOMPARE(crc32cExtend(head, text.data() + split, text.size() - split), crc32c(text));
        }
    }

    void masking()
    {
        // The formula, applied by hand to the check value.
        const std::uint32_t crc = 0xE3069283u;
        const std::uint32_t expected = ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
        QCOMPARE(maskCrc32c(crc), expected);
        QCOMPARE(maskedCrc32c("123456789"), expected);
        // Masked length checksum of the worked record in docs reference hdr.md §4.3: length 26.
        const std::string length26 = bytesOf({0x1A, 0, 0, 0, 0, 0, 0, 0});
        QCOMPARE(maskedCrc32c(length26), quint32(0x2DD89B12));
        std::mt19937 rng(3);
        for (int i = 0; i < 10000; ++i) {
            const std::uint32_t x = rng();
            QCOMPARE(unmaskCrc32c(maskCrc32c(x)), x);
        }
        QCOMPARE(unmaskCrc32c(maskCrc32c(0)), 0u);
        QCOMPARE(unmaskCrc32c(maskCrc32c(0xFFFFFFFFu)), 0xFFFFFFFFu);
    }

    void throughput()
    {
        std::vector<char> data(std::size_t(32) << 20, 'x');
        QElapsedTimer timer;
        timer.start();
        const std::uint32_t crc = crc32c(data.data(), data.size());
        const double seconds = std::max(1e-6, double(timer.nsecsElapsed()) / 1e9);
        qInfo("crc32c: %.0f MB/s (crc %08x)", double(data.size()) / 1e6 / seconds, crc);
        QVERIFY(crc != 0);
    }
};

HDR_TEST_MAIN(TestCrc32c)
#include "tst_tensorboard_crc32c.moc"
