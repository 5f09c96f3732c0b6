// The torch-free checkpoint reader: PyTorch's own files (the oracle's ESRGAN checkpoints against
// their safetensors twins, fixtures committed in tests/data/pth, files torch writes at test time),
// and hostile input (hand-made pickles and zips, PthBuilders.h): each must give a clear error
// naming what is wrong, never a crash.
#include "tensorfile/TorchCheckpoint.h"

#include "PthBuilders.h"
#include "support/TestSupport.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

using namespace hdr::tensorfile;
using hdr::core::ErrorCode;
using hdr::diffusion::SafetensorsFile;

namespace {

std::span<const std::byte> asBytes(const std::string& s)
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string hexOf(std::span<const std::byte> bytes)
{
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (auto b : bytes) {
        s += digits[static_cast<unsigned>(b) >> 4];
        s += digits[static_cast<unsigned>(b) & 15];
    }
    return s;
}

nlohmann::json readJson(const std::filesystem::path& path)
{
    std::ifstream f(path);
    return nlohmann::json::parse(f);
}

// Everything make_pth_fixtures.py recorded: names, dtypes, geometry, shared storages and the
// row-major bytes (through both bytes() for contiguous tensors and contiguousCopy()).
void compareWithExpectations(const TorchCheckpoint& file, const nlohmann::json& expected)
{
    QCOMPARE(file.topLevelKeys(), expected["top_level_keys"].get<std::vector<std::string>>());
    const auto& tensors = expected["tensors"];
    QCOMPARE(file.entries().size(), tensors.size());
    std::map<int, std::size_t> storageOfGroup;
    std::map<std::size_t, int> groupOfStorage;
    for (auto it = tensors.begin(); it != tensors.end(); ++it) {
        const auto* e = file.find(it.key());
        QVERIFY2(e, it.key().c_str());
        const auto& t = it.value();
        const QByteArray name = QByteArray::fromStdString(it.key());
        QVERIFY2(t["dtype"].get<std::string>() == hdr::diffusion::nameOf(e->dtype), name);
        QVERIFY2(e->shape == t["shape"].get<std::vector<std::int64_t>>(), name);
        QVERIFY2(e->strides == t["strides"].get<std::vector<std::int64_t>>(), name);
        QCOMPARE(e->storageOffset, t["storage_offset"].get<std::int64_t>());
        QCOMPARE(e->isParameter, t["is_parameter"].get<bool>());
        QCOMPARE(e->requiresGrad, t["requires_grad"].get<bool>());
        QCOMPARE(e->isContiguous(), t["contiguous"].get<bool>());
        auto copy = file.contiguousCopy(*e);
        HDR_VERIFY_OK(copy);
        QCOMPARE(hexOf(*copy), t["hex"].get<std::string>());
        if (e->isContiguous()) {
            QCOMPARE(hexOf(file.bytes(*e)), t["hex"].get<std::string>());
        } else {
            QVERIFY(file.bytes(*e).empty());
        }
        const int group = t["storage_group"].get<int>();
        QCOMPARE(storageOfGroup.emplace(group, e->storage).first->second, e->storage);
        QCOMPARE(groupOfStorage.emplace(e->storage, group).first->second, group);
    }
}

QString errorOf(const std::string& bytes)
{
    auto file = TorchCheckpoint::fromBytes(asBytes(bytes));
    return file ? QString() : QString::fromStdString(file.error().describe());
}

ErrorCode codeOf(const std::string& bytes)
{
    auto file = TorchCheckpoint::fromBytes(asBytes(bytes));
    return file ? ErrorCode::Internal : file.error().code;
}

bool havePythonTorch()
{
    QProcess p;
    p.start(QStringLiteral(HDR_PYTHON3), {QStringLiteral("-c"), QStringLiteral("import torch")});
    return p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// Replaces the first occurrence of `from` (same length as `to`) in a copy of `bytes`.
std::string patched(std::string bytes, const std::string& from, const std::string& to)
{
    const auto at = bytes.find(from);
    if (at == std::string::npos || from.size() != to.size()) {
        return {};
    }
    bytes.replace(at, from.size(), to);
    return bytes;
}

std::string fixture(const std::string& name)
{
    const auto data = hdr::test::readAll(hdr::test::testDataPath("pth/" + name));
    return std::string(data.begin(), data.end());
}

} // namespace

class TestTorchCheckpoint : public QObject {
    Q_OBJECT

private slots:
    void committedFixtures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("legacy");
        QTest::newRow("zip, protocol 2") << "tiny_zip.pth" << false;
        QTest::newRow("zip, protocol 4") << "tiny_zip_p4.pth" << false;
        QTest::newRow("legacy") << "tiny_legacy.pth" << true;
    }
    void committedFixtures()
    {
        QFETCH(QString, file);
        QFETCH(bool, legacy);
        auto ckpt = TorchCheckpoint::open(hdr::test::testDataPath("pth/" + file.toStdString()));
        HDR_VERIFY_OK(ckpt);
        QCOMPARE((*ckpt)->format(), legacy ? TorchCheckpointFormat::Legacy : TorchCheckpointFormat::Zip);
        compareWithExpectations(**ckpt, readJson(hdr::test::testDataPath("pth/tiny.json")));
    }

    void viewsOfOneStorage()
    {
        auto ckpt = TorchCheckpoint::open(hdr::test::testDataPath("pth/tiny_zip.pth"));
        HDR_VERIFY_OK(ckpt);
        const auto& f = **ckpt;
        const auto* transposed = f.find("state.transposed");
        const auto* slice = f.find("state.slice");
        QVERIFY(transposed && slice);
        QCOMPARE(transposed->storage, slice->storage);
        QCOMPARE(f.storages()[slice->storage].byteSize, std::uint64_t(30 * 4));
        QCOMPARE(slice->byteOffset, std::uint64_t(7 * 4));
        QCOMPARE(f.bytes(*slice).data(), f.storageBytes(f.storages()[slice->storage]).data() + 28);
        QVERIFY(!transposed->isContiguous());
        const auto* param = f.find("param");
        QVERIFY(param && param->isParameter && param->requiresGrad);
        const auto* scalar = f.find("scalar");
        QVERIFY(scalar && scalar->shape.empty() && scalar->numel() == 1 && scalar->byteSize() == 4);
        const auto* empty = f.find("empty");
        QVERIFY(empty && empty->numel() == 0 && f.bytes(*empty).empty());
        QVERIFY(!f.contains("meta.epoch")); // numbers and strings are not tensors
    }

    void oracleCheckpoints_data()
    {
        QTest::addColumn<QString>("pth");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("x1") << "tiny-rrdbnet-x1/tiny-rrdbnet-x1.pth"
                            << "params_ema.";
        QTest::newRow("x2") << "tiny-rrdbnet-x2/tiny-rrdbnet-x2.pth"
                            << "params_ema.";
        QTest::newRow("x4") << "tiny-rrdbnet-x4/tiny-rrdbnet-x4.pth"
                            << "params_ema.";
        QTest::newRow("x4 old ESRGAN names") << "tiny-rrdbnet-x4/tiny-rrdbnet-x4.esrgan-old.pth"
                                             << "";
    }
    void oracleCheckpoints()
    {
        QFETCH(QString, pth);
        QFETCH(QString, prefix);
        const std::string rel = "oracle/models/" + pth.toStdString();
        HDR_REQUIRE_SHARED(rel);
        auto ckpt = TorchCheckpoint::open(hdr::test::sharedPath(rel));
        HDR_VERIFY_OK(ckpt);
        auto twin = SafetensorsFile::open(hdr::test::sharedPath(rel).replace_extension(".safetensors"));
        HDR_VERIFY_OK(twin);
        if (!prefix.isEmpty()) {
            QCOMPARE((*ckpt)->topLevelKeys(), std::vector<std::string>{"params_ema"});
        }
        QCOMPARE((*ckpt)->entries().size(), (*twin)->entries().size());
        for (const auto& expected : (*twin)->entries()) {
            const auto* e = (*ckpt)->find(prefix.toStdString() + expected.name);
            QVERIFY2(e, expected.name.c_str());
            QCOMPARE(e->dtype, expected.dtype);
            QVERIFY2(e->shape == expected.shape, expected.name.c_str());
            QVERIFY(e->isContiguous());
            const auto got = (*ckpt)->bytes(*e);
            const auto want = (*twin)->bytes(expected);
            QVERIFY2(std::equal(got.begin(), got.end(), want.begin(), want.end()), expected.name.c_str());
        }
    }

    void filesTorchWritesNow()
    {
        if (!havePythonTorch()) {
            QSKIP("needs " HDR_PYTHON3 " with torch to write reference checkpoints (the committed ones "
                  "are tested without it)");
        }
        QTemporaryDir dir;
        QProcess p;
        p.start(QStringLiteral(HDR_PYTHON3),
                {QString::fromStdString(hdr::test::testDataPath("pth/make_pth_fixtures.py").string()),
                 dir.path(),
                 QStringLiteral("--seed"),
                 QStringLiteral("7"),
                 QStringLiteral("--prefix"),
                 QStringLiteral("made")});
        QVERIFY(p.waitForFinished(300000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const std::filesystem::path folder = dir.path().toStdString();
        const auto expected = readJson(folder / "made.json");
        for (const char* name : {"made_zip.pth", "made_zip_p4.pth", "made_legacy.pth"}) {
            auto ckpt = TorchCheckpoint::open(folder / name);
            HDR_VERIFY_OK(ckpt);
            compareWithExpectations(**ckpt, expected);
            if (QTest::currentTestFailed()) {
                QFAIL(name);
            }
        }
    }

    void handMadeZipAndZip64()
    {
        using namespace hdr::test;
        TensorSpec spec;
        spec.shape = {2, 2};
        spec.strides = {1, 2}; // transposed
        const std::string data = floats({1, 2, 3, 4});
        for (bool zip64 : {false, true}) {
            auto ckpt = TorchCheckpoint::fromBytes(
                asBytes(zipCheckpoint(tensorDictPickle(spec, false), {{"0", data}}, zip64)));
            HDR_VERIFY_OK(ckpt);
            const auto* e = (*ckpt)->find("w");
            QVERIFY(e);
            auto copy = (*ckpt)->contiguousCopy(*e);
            HDR_VERIFY_OK(copy);
            QCOMPARE(hexOf(*copy), hexOf(asBytes(floats({1, 3, 2, 4}))));
        }
        auto legacy =
            TorchCheckpoint::fromBytes(asBytes(legacyFile(tensorDictPickle(spec, true), {{"0", data}})));
        HDR_VERIFY_OK(legacy);
        QCOMPARE((*legacy)->format(), TorchCheckpointFormat::Legacy);
    }

    void legacyParameterAndStorageView()
    {
        using namespace hdr::test;
        const std::string data = floats({1, 2, 3, 4});
        // torch 0.4 pickled a Parameter as Parameter(data, requires_grad).
        PickleBuilder param;
        param.proto().op('}').str("p").global("torch.nn.parameter", "Parameter").op('(');
        pushTensor(param, TensorSpec{}, true).op(0x89).op('t').op('R').op('s').stop();
        auto withParam = TorchCheckpoint::fromBytes(asBytes(legacyFile(param.bytes(), {{"0", data}})));
        HDR_VERIFY_OK(withParam);
        const auto* p = (*withParam)->find("p");
        QVERIFY(p && p->isParameter && !p->requiresGrad);
        QCOMPARE(hexOf((*withParam)->bytes(*p)), hexOf(asBytes(data)));
        // Before torch 0.4 a persistent id could name a view of a root storage:
        // ('storage', type, root_key, location, root_numel, (view_key, offset, view_numel)).
        PickleBuilder view;
        view.proto().op('}').str("v").global("torch._utils", "_rebuild_tensor_v2").op('(').op('(');
        view.str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4);
        view.op('(').str("view").integer(1).integer(2).op('t').op('t').op('Q');
        view.integer(1).ints({1}).ints({1}).op(0x89);
        view.global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('s').stop();
        auto withView = TorchCheckpoint::fromBytes(asBytes(legacyFile(view.bytes(), {{"0", data}})));
        HDR_VERIFY_OK(withView);
        const auto* v = (*withView)->find("v");
        QVERIFY(v);
        QCOMPARE(v->byteOffset, std::uint64_t(8)); // view starts at element 1, tensor offset 1 inside it
        QCOMPARE(hexOf((*withView)->bytes(*v)), hexOf(asBytes(floats({3}))));
        // A view that reaches past its root storage.
        std::string outside = view.bytes();
        const auto at = outside.find("view");
        QVERIFY(at != std::string::npos);
        outside[at + 4 + 5 + 1] = 4; // after "view": BININT offset (5 bytes), BININT numel: 2 -> 4
        QVERIFY(errorOf(legacyFile(outside, {{"0", data}}))
                    .contains(QStringLiteral("storage view reaches past")));
    }

    void truncatedFilesFailCleanly()
    {
        for (const char* name : {"tiny_zip.pth", "tiny_legacy.pth"}) {
            const std::string whole = fixture(name);
            QVERIFY(!whole.empty());
            for (std::size_t size = 0; size < whole.size(); ++size) {
                auto file = TorchCheckpoint::fromBytes(asBytes(whole.substr(0, size)));
                QVERIFY2(!file, qPrintable(QStringLiteral("%1 cut at %2 was accepted").arg(name).arg(size)));
                QVERIFY(!file.error().message.empty());
                QVERIFY(file.error().code == ErrorCode::CorruptData ||
                        file.error().code == ErrorCode::UnsupportedFormat);
            }
        }
    }

    void refusesPythonObjects()
    {
        using namespace hdr::test;
        // os.system('ls') as the whole main pickle of a legacy file.
        PickleBuilder evil;
        evil.proto().global("os", "system").str("ls").op(0x85).op('R').stop();
        const std::string legacy = legacyFile(evil.bytes(), {});
        QCOMPARE(codeOf(legacy), ErrorCode::UnsupportedFormat);
        QVERIFY2(errorOf(legacy).contains(QStringLiteral("'os.system'")), qPrintable(errorOf(legacy)));
        QVERIFY(errorOf(legacy).contains(QStringLiteral("weights-only")));
        // The same through STACK_GLOBAL (protocol 4) in a zip.
        PickleBuilder stacked;
        stacked.proto(4).op(0x8c).byte(8).raw("builtins").op(0x8c).byte(4).raw("eval").op(0x93);
        stacked.op(0x8c).byte(1).raw("1").op(0x85).op('R').stop();
        QVERIFY(errorOf(zipCheckpoint(stacked.bytes(), {})).contains(QStringLiteral("'builtins.eval'")));
        // A real checkpoint whose OrderedDict global is swapped for a same-length one.
        const std::string swapped =
            patched(fixture("tiny_zip.pth"), "collections\nOrderedDict\n", "subprocess\ncheck_output\n");
        QVERIFY(!swapped.empty());
        QVERIFY(errorOf(swapped).contains(QStringLiteral("'subprocess.check_output'")));
        // Calling an allowed type directly, NEWOBJ and BUILD on plain values are refused too.
        PickleBuilder callTensor;
        callTensor.proto().global("torch", "Tensor").op(')').op('R').stop();
        QVERIFY(errorOf(legacyFile(callTensor.bytes(), {})).contains(QStringLiteral("torch.Tensor")));
        PickleBuilder newobj;
        newobj.proto().global("torch", "Size").op(')').op(0x81).stop();
        QCOMPARE(codeOf(legacyFile(newobj.bytes(), {})), ErrorCode::UnsupportedFormat);
        PickleBuilder build;
        build.proto().op(']').op('}').op('b').stop();
        QVERIFY(errorOf(legacyFile(build.bytes(), {})).contains(QStringLiteral("state of a list")));
        PickleBuilder unsupportedDType;
        unsupportedDType.proto().global("torch", "ComplexFloatStorage").stop();
        QVERIFY(errorOf(legacyFile(unsupportedDType.bytes(), {})).contains(QStringLiteral("does not read")));
    }

    void absurdLengthsAndMalformedPickles_data()
    {
        QTest::addColumn<QByteArray>("pickle");
        QTest::addColumn<QString>("message");
        using hdr::test::PickleBuilder;
        auto bytesOf = [](const PickleBuilder& p) { return QByteArray::fromStdString(p.bytes()); };
        QTest::newRow("4 GB string")
            << bytesOf(PickleBuilder().proto().op('X').little(0xfffffff0u, 4).raw("ab").stop())
            << "ends early";
        QTest::newRow("2^62-byte string")
            << bytesOf(PickleBuilder().proto().op(0x8d).little(1ull << 62, 8).stop()) << "ends early";
        QTest::newRow("huge LONG4") << bytesOf(PickleBuilder().proto().op(0x8b).little(0x7fffffff, 4).stop())
                                    << "ends early";
        QTest::newRow("unknown memo")
            << bytesOf(PickleBuilder().proto().op('j').little(77, 4).stop()) << "memo entry 77";
        QTest::newRow("empty stack") << bytesOf(PickleBuilder().proto().op('s').stop()) << "empty stack";
        QTest::newRow("no mark") << bytesOf(PickleBuilder().proto().op('t').stop()) << "no MARK";
        QTest::newRow("exec opcode") << bytesOf(PickleBuilder().proto().op('i').raw("os\nsystem\n").stop())
                                     << "opcode 0x69";
        QTest::newRow("list holds itself")
            << bytesOf(PickleBuilder().proto().op(']').op('q').byte(0).op('h').byte(0).op('a').stop())
            << "unfold into too many objects";
        PickleBuilder deep; // 70 lists, each inside the one before
        deep.proto();
        for (int i = 0; i < 70; ++i) {
            deep.op(']');
        }
        for (int i = 0; i < 69; ++i) {
            deep.op('a');
        }
        QTest::newRow("70 levels deep") << bytesOf(deep.stop()) << "deeper than 64 levels";
        QTest::newRow("setitem on a list")
            << bytesOf(PickleBuilder().proto().op(']').str("k").str("v").op('s').stop())
            << "adds items to a list";
        QTest::newRow("tensor in an unknown storage")
            << bytesOf(PickleBuilder()
                           .proto()
                           .global("torch._utils", "_rebuild_tensor_v2")
                           .op('(')
                           .op('N')
                           .integer(0)
                           .ints({1})
                           .ints({1})
                           .op(0x89)
                           .op('N')
                           .op('t')
                           .op('R')
                           .stop())
            << "from a None, not a storage";
    }
    void absurdLengthsAndMalformedPickles()
    {
        QFETCH(QByteArray, pickle);
        QFETCH(QString, message);
        const QString error = errorOf(hdr::test::legacyFile(pickle.toStdString(), {}));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void sharedListsDoNotUnfold()
    {
        // t0 = [], t(k+1) = (tk, tk): 2^40 paths from 83 bytes of pickle.
        hdr::test::PickleBuilder p;
        p.proto().op(']');
        for (int i = 0; i < 40; ++i) {
            p.op('2').op(0x86);
        }
        const std::string file = hdr::test::legacyFile(p.stop().bytes(), {});
        QCOMPARE(codeOf(file), ErrorCode::LimitExceeded);
        QVERIFY2(errorOf(file).contains(QStringLiteral("too many objects")), qPrintable(errorOf(file)));
    }

    void zipDamage()
    {
        using namespace hdr::test;
        const std::string pickle = tensorDictPickle(TensorSpec{}, false);
        const std::string good = zipCheckpoint(pickle, {{"0", floats({1, 2, 3, 4})}});
        HDR_VERIFY_OK(TorchCheckpoint::fromBytes(asBytes(good)));
        // An entry's local header offset beyond the end of the file.
        const auto central = good.find("PK\x01\x02");
        std::string outside = good;
        outside.replace(central + 42, 4, "\xf0\xff\xff\x7f");
        QVERIFY2(errorOf(outside).contains(QStringLiteral("outside the archive")),
                 qPrintable(errorOf(outside)));
        QVERIFY(errorOf(outside).contains(QStringLiteral("archive/data.pkl")));
        // An entry's size beyond the end of the file.
        std::string tooLong = good;
        tooLong.replace(central + 20, 8, std::string("\xff\xff\xff\x0f\xff\xff\xff\x0f", 8));
        QVERIFY(errorOf(tooLong).contains(QStringLiteral("outside the archive")));
        // A central directory that claims 65535 entries.
        std::string manyEntries = good;
        const auto end = good.rfind("PK\x05\x06");
        manyEntries.replace(end + 8, 4, "\xff\xff\xff\xff");
        QCOMPARE(codeOf(manyEntries), ErrorCode::LimitExceeded);
        // No data.pkl, a compressed storage, a big-endian byte order, a missing storage.
        QVERIFY(errorOf(zipArchive({{"x/y", "z"}})).contains(QStringLiteral("no x/data.pkl")));
        QVERIFY(errorOf(zipCheckpoint(pickle, {{"0", floats({1, 2, 3, 4})}}, false, 8))
                    .contains(QStringLiteral("compressed")));
        QVERIFY(errorOf(zipArchive({{"a/data.pkl", pickle}, {"a/byteorder", "big"}}))
                    .contains(QStringLiteral("big-endian")));
        QVERIFY(errorOf(zipCheckpoint(pickle, {})).contains(QStringLiteral("archive lacks (data/0)")));
        // Not a checkpoint at all.
        QCOMPARE(codeOf("hello, world"), ErrorCode::UnsupportedFormat);
        QCOMPARE(codeOf(""), ErrorCode::UnsupportedFormat);
    }

    void storagesSmallerThanTheirTensors()
    {
        using namespace hdr::test;
        TensorSpec longer;
        longer.shape = {5};
        const std::string four = floats({1, 2, 3, 4});
        const QString e1 = errorOf(zipCheckpoint(tensorDictPickle(longer, false), {{"0", four}}));
        QVERIFY2(e1.contains(QStringLiteral("in storage 'data/0' (16 bytes) reaches past the end")),
                 qPrintable(e1));
        TensorSpec strided;
        strided.shape = {2, 3};
        strided.strides = {3, 2};
        QVERIFY(errorOf(legacyFile(tensorDictPickle(strided, true), {{"0", four}}))
                    .contains(QStringLiteral("reaches past")));
        TensorSpec offset;
        offset.offset = 1;
        QVERIFY(errorOf(legacyFile(tensorDictPickle(offset, true), {{"0", four}}))
                    .contains(QStringLiteral("reaches past")));
        // The storage declares more elements than its bytes hold.
        TensorSpec declaresMore;
        declaresMore.storageNumel = 8;
        const QString e2 = errorOf(zipCheckpoint(tensorDictPickle(declaresMore, false), {{"0", four}}));
        QVERIFY2(e2.contains(QStringLiteral("archive holds 16")), qPrintable(e2));
        QVERIFY(errorOf(legacyFile(tensorDictPickle(declaresMore, true), {{"0", four}}))
                    .contains(QStringLiteral("smaller than")));
        // Strides whose reach sums to exactly 2^64 - 1: the end (+1) must not wrap to 0.
        TensorSpec wraps;
        wraps.shape = {2, 2, 2};
        wraps.strides = {INT64_MAX, INT64_MAX, 1};
        QVERIFY(errorOf(legacyFile(tensorDictPickle(wraps, true), {{"0", four}}))
                    .contains(QStringLiteral("reaches past")));
        TensorSpec huge;
        huge.storageNumel = 0x7fffffff;
        QVERIFY(errorOf(legacyFile(tensorDictPickle(huge, true), {{"0", four}}))
                    .contains(QStringLiteral("more than the")));
    }
};

HDR_TEST_MAIN(TestTorchCheckpoint)
#include "tst_torch_checkpoint.moc"
