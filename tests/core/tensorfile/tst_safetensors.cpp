// safetensors reading and writing: real files of the oracle, files the test writes, and hostile
// headers (each must give a clear error naming the tensor, never a crash or a huge allocation).
#include "diffusion/SafetensorsTorch.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace hdr::diffusion;

namespace {

std::vector<std::byte> withHeader(const std::string& json, std::size_t dataBytes)
{
    std::vector<std::byte> out(8 + json.size() + dataBytes, std::byte{0});
    const std::uint64_t n = json.size();
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
    }
    std::memcpy(out.data() + 8, json.data(), json.size());
    return out;
}

QString errorOf(const std::vector<std::byte>& bytes)
{
    auto f = SafetensorsFile::fromBytes(bytes);
    return f ? QString() : QString::fromStdString(f.error().describe());
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void roundTripAllDtypes()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "t.safetensors";
        std::vector<std::pair<std::string, at::Tensor>> tensors = {
            {"f32", at::arange(12, at::kFloat).reshape({3, 4})},
            {"f16", at::linspace(-2, 2, 7).to(at::kHalf)},
            {"bf16", at::linspace(-3, 3, 5).to(at::kBFloat16)},
            {"i64", at::arange(5, at::kLong)},
            {"u8", at::arange(3, at::kByte)},
            {"scalar", at::scalar_tensor(3.5)},
            {"empty", at::empty({0, 4})},
        };
        HDR_VERIFY_OK(writeSafetensors(path, tensors, {{"format", "pt"}, {"note", "caf\xc3\xa9"}}));
        std::map<std::string, std::string> meta;
        auto loaded = loadSafetensors(path, &meta);
        HDR_VERIFY_OK(loaded);
        QCOMPARE(loaded->size(), tensors.size());
        for (const auto& [name, t] : tensors) {
            const at::Tensor& got = loaded->at(name);
            QCOMPARE(got.scalar_type(), t.scalar_type());
            QVERIFY2(got.sizes() == t.sizes(), name.c_str());
            QVERIFY2(at::equal(got, t), name.c_str());
        }
        QCOMPARE(meta.at("note"), std::string("caf\xc3\xa9"));
        // Refuses to overwrite unless asked, and keeps the old file.
        auto again = writeSafetensors(path, {{"x", at::ones({1})}});
        QVERIFY(!again);
        QCOMPARE(again.error().code, hdr::core::ErrorCode::AlreadyExists);
        HDR_VERIFY_OK(loadTensor(*SafetensorsFile::open(path), "f32"));
    }

    void viewsKeepTheMappingAlive()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "v.safetensors";
        HDR_VERIFY_OK(writeSafetensors(path, {{"a", at::arange(1000, at::kFloat)}}));
        at::Tensor view;
        {
            auto file = SafetensorsFile::open(path);
            HDR_VERIFY_OK(file);
            view = *loadTensor(*file, "a");
        }
        // The file object is gone; the tensor must still read the mapped bytes.
        QCOMPARE(view[999].item<float>(), 999.0f);
        view.mul_(2); // copy-on-write: the file itself is unchanged
        QCOMPARE((*loadSafetensors(path))["a"][999].item<float>(), 999.0f);
    }

    void readsTheOracleFiles()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet.safetensors");
        auto file = SafetensorsFile::open(hdr::test::sharedPath("oracle/models/tiny-sd15/unet.safetensors"));
        HDR_VERIFY_OK(file);
        std::int64_t params = 0;
        for (const auto& e : (*file)->entries()) {
            params += e.numel();
        }
        QCOMPARE(params, std::int64_t(1106212)); // the README's parameter count of tiny-sd15's UNet
        auto ldm = SafetensorsFile::open(
            hdr::test::sharedPath("oracle/models/tiny-sd15/tiny-sd15.ldm.fp16.safetensors"));
        HDR_VERIFY_OK(ldm);
        const auto* e = (*ldm)->find("model.diffusion_model.input_blocks.0.0.weight");
        QVERIFY(e);
        QCOMPARE(e->dtype, TensorDType::F16);
    }

    void hostileHeaders_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<QString>("expect");
        QTest::newRow("not json") << QByteArray("{\"a\": ") << 0 << "not valid JSON";
        QTest::newRow("not object") << QByteArray("[1,2]") << 0 << "not a JSON object";
        QTest::newRow("outside") << QByteArray(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})")
                                 << 8 << "outside";
        QTest::newRow("size mismatch")
            << QByteArray(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})") << 16
            << "does not match";
        QTest::newRow("overlap") << QByteArray(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
                                               R"("b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}})")
                                 << 16 << "overlap";
        QTest::newRow("negative dim")
            << QByteArray(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})") << 4
            << "non-negative";
        QTest::newRow("overflow") << QByteArray(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],)"
                                                R"("data_offsets":[0,4]}})")
                                  << 4 << "overflow";
        QTest::newRow("dtype") << QByteArray(R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})")
                               << 1 << "dtype 'F8_E4M3'";
        QTest::newRow("metadata") << QByteArray(R"({"__metadata__":{"a":1}})") << 0 << "not a string";
        QTest::newRow("bad utf8") << QByteArray("{\"\xff\":{}}") << 0 << "not valid JSON";
    }

    void hostileHeaders()
    {
        QFETCH(QByteArray, json);
        QFETCH(int, dataBytes);
        QFETCH(QString, expect);
        const QString err = errorOf(withHeader(json.toStdString(), static_cast<std::size_t>(dataBytes)));
        QVERIFY2(err.contains(expect), qPrintable(err));
    }

    void truncatedAndHugeHeaders()
    {
        std::vector<std::byte> tiny(5);
        QVERIFY(errorOf(tiny).contains("too short"));
        auto huge = withHeader("{}", 0);
        huge[7] = std::byte{0x7f}; // header length ~ 9e18
        QVERIFY(errorOf(huge).contains("limit"));
        auto past = withHeader(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4);
        past.resize(past.size() - 10);
        QVERIFY(!errorOf(past).isEmpty());
        QVERIFY(
            errorOf(withHeader(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4)).isEmpty());
    }

    void errorsNameTheTensorAndFile()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "bad.safetensors";
        const auto bytes =
            withHeader(R"({"unet.conv_in.weight":{"dtype":"F32","shape":[9],"data_offsets":[0,8]}})", 8);
        hdr::test::writeAll(path,
                            std::vector<char>(reinterpret_cast<const char*>(bytes.data()),
                                              reinterpret_cast<const char*>(bytes.data()) + bytes.size()));
        auto f = SafetensorsFile::open(path);
        QVERIFY(!f);
        QVERIFY(QString::fromStdString(f.error().where).contains("unet.conv_in.weight"));
        QVERIFY(QString::fromStdString(f.error().where).contains("bad.safetensors"));
    }
};

HDR_TEST_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
