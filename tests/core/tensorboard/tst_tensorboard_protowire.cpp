// The protobuf wire format as far as Event/Summary need it: exact bytes, hostile input, unknown
// fields, and the Summary / TensorProto decoding on top of it.

#include "common/Error.h"
#include "tensorboard/EventProto.h"
#include "tensorboard/ProtoWire.h"
#include "tensorboard/RecordFraming.h"
#include "tensorboard/SummaryTensor.h"

#include "support/TestSupport.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace hdr::tensorboard;
using proto::ProtoField;
using proto::ProtoReader;
using proto::ProtoWriter;
using proto::WireType;

namespace {

std::string hex(std::string_view bytes)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        out.push_back(digits[std::uint8_t(c) >> 4]);
        out.push_back(digits[std::uint8_t(c) & 15]);
    }
    return out;
}

std::string unhex(std::string_view text)
{
    std::string out;
    std::string digits;
    for (char c : text) {
        if (c != ' ') digits.push_back(c);
    }
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
        out.push_back(char(std::stoi(digits.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::vector<ProtoField> readAllFields(std::string_view bytes)
{
    std::vector<ProtoField> fields;
    ProtoReader reader(bytes);
    ProtoField f;
    while (reader.next(f)) {
        fields.push_back(f);
    }
    return fields;
}

// The error a malformed message gives, or an empty string when it parsed.
std::string parseError(std::string_view bytes)
{
    try {
        readAllFields(bytes);
    } catch (const hdr::core::HdrError& e) {
        if (e.error().code != hdr::core::ErrorCode::CorruptData) {
            return "wrong error code";
        }
        return e.error().message;
    }
    return {};
}

std::string tensorWith(const std::function<void(ProtoWriter&)>& fill)
{
    ProtoWriter w;
    fill(w);
    return w.take();
}

} // namespace

class TestProtoWire : public QObject {
    Q_OBJECT

private slots:
    void varintBytesAreExact()
    {
        const auto encoded = [](std::uint64_t v) {
            ProtoWriter w;
            w.varint(1, v);
            return hex(w.data());
        };
        QCOMPARE(encoded(0), std::string("0800"));
        QCOMPARE(encoded(1), std::string("0801"));
        QCOMPARE(encoded(127), std::string("087f"));
        QCOMPARE(encoded(128), std::string("088001"));
        QCOMPARE(encoded(300), std::string("08ac02"));
        QCOMPARE(encoded(~std::uint64_t(0)), std::string("08ffffffffffffffffff01"));
        ProtoWriter negative;
        negative.int64(2, -1); // int64 -1: ten bytes, sign-extended
        QCOMPARE(hex(negative.data()), std::string("10ffffffffffffffffff01"));
        ProtoWriter big;
        big.varint(536870911, 5); // the largest field number: a five-byte key
        QCOMPARE(hex(big.data()), std::string("f8ffffff0f05"));
    }

    void roundTripsEveryWireType()
    {
        ProtoWriter inner;
        inner.bytes(1, "inner");
        ProtoWriter w;
        const std::vector<std::uint64_t> values = {
            0, 1, 127, 128, 16383, 16384, 1ull << 32, 1ull << 63, ~0ull};
        for (auto v : values) {
            w.varint(3, v);
        }
        w.int64(4, std::numeric_limits<std::int64_t>::min());
        w.doubleValue(5, -2.5e300);
        w.floatValue(6, 1.5f);
        w.fixed32(7, 0xDEADBEEF);
        w.bytes(8, std::string("\0with nul", 9));
        w.message(9, inner);
        w.bytes(10, "");
        const auto fields = readAllFields(w.data());
        QCOMPARE(fields.size(), values.size() + 7);
        for (std::size_t i = 0; i < values.size(); ++i) {
            QCOMPARE(fields[i].number, 3u);
            QCOMPARE(fields[i].value, values[i]);
        }
        std::size_t i = values.size();
        QCOMPARE(fields[i++].asInt64(), std::numeric_limits<std::int64_t>::min());
        QCOMPARE(fields[i].type, WireType::Fixed64);
        QCOMPARE(fields[i++].asDouble(), -2.5e300);
        QCOMPARE(fields[i].type, WireType::Fixed32);
        QCOMPARE(fields[i++].asFloat(), 1.5f);
        QCOMPARE(fields[i++].value, std::uint64_t(0xDEADBEEF));
        QCOMPARE(fields[i++].bytes, std::string_view("\0with nul", 9));
        QCOMPARE(readAllFields(fields[i++].bytes).at(0).bytes, std::string_view("inner"));
        QCOMPARE(fields[i].bytes.size(), std::size_t(0));
        QCOMPARE(fields[i].type, WireType::LengthDelimited);
    }

    // docs reference hdr.md §4.3: Event{wall_time=1.0, step=7, summary{value{tag:"loss", simple_value:0.5}}}.
    void workedRecordIsByteExact()
    {
        const SummaryValueOut value{"loss", 0.5f, std::nullopt};
        const std::string payload = encodeSummaryEvent(1.0, 7, std::span<const SummaryValueOut>(&value, 1));
        QCOMPARE(payload.size(), std::size_t(26));
        const std::string expected =
            unhex("1a00000000000000 129bd82d 09000000000000f03f 1007 2a0d 0a0b 0a046c6f7373 "
                  "150000003f 862c9a2f");
        QCOMPARE(hex(frameRecord(payload)), hex(expected));
        const RecordHeader header = parseRecordHeader(expected);
        QVERIFY(header.lengthChecksumOk);
        QCOMPARE(header.payloadBytes, std::uint64_t(26));
        QVERIFY(payloadChecksumOk(payload, std::string_view(expected).substr(12 + 26)));
        // File-version event: wall_time then file_version, nothing else.
        QCOMPARE(hex(encodeFileVersionEvent(1.0)), hex(unhex("09000000000000f03f 1a0d") + "brain.Event:2"));
    }

    void malformedInputIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        const auto row = [](const char* name, const std::string& bytes, const char* problem) {
            QTest::newRow(name) << QByteArray::fromStdString(bytes) << QString::fromLatin1(problem);
        };
        row("truncated key", unhex("80"), "truncated varint");
        row("truncated varint value", unhex("08ff"), "truncated varint");
        row("eleven-byte varint", unhex("08ffffffffffffffffffff01"), "longer than ten bytes");
        row("field number 0", unhex("0001"), "invalid field number");
        row("wire type 6", unhex("0e"), "invalid wire type");
        row("wire type 7", unhex("0f"), "invalid wire type");
        row("truncated fixed64", unhex("09000000"), "truncated fixed-width");
        row("truncated fixed32", unhex("0d0000"), "truncated fixed-width");
        row("length past the end", unhex("0a05abcd"), "longer than the message");
        row("length 2^60", unhex("0a8080808080808080 10"), "longer than the message");
        row("end group alone", unhex("0c"), "end-group marker without a start");
        row("unterminated group", unhex("0b0801"), "unterminated group");
        row("mismatched end group", unhex("0b14"), "mismatched end-group");
        std::string deep;
        for (int i = 0; i < 200; ++i)
            deep += unhex("0b");
        row("groups nested 200 deep", deep, "nested too deeply");
    }

    void malformedInputIsRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        const std::string message = parseError(bytes.toStdString());
        QVERIFY2(message.find(problem.toStdString()) != std::string::npos, message.c_str());
    }

    void unknownFieldsAreSkipped()
    {
        // Event fields we do not know, of every wire type and a nested group, around known ones.
        ProtoWriter w;
        w.varint(99, 12345);
        w.doubleValue(1, 42.5);
        w.fixed64(98, 1);
        w.bytes(97, "some future field");
        w.fixed32(96, 7);
        std::string payload = w.take() + unhex("fb05 0801 e305 e405 fc05"); // group 95 { 1: 1, group 92 {} }
        ProtoWriter rest;
        rest.int64(2, -3);
        rest.bytes(7, "session log"); // a known Event field we do not use
        rest.doubleValue(2, 1.0);     // step with the wrong wire type: unknown, ignored
        payload += rest.data();
        const EventHeader header = decodeEventHeader(payload);
        QCOMPARE(header.wallTime, 42.5);
        QCOMPARE(header.step, std::int64_t(-3));
        QVERIFY(!header.hasSummary);
        QVERIFY(header.fileVersion.empty());
    }

    void summaryValueOneofLastWins()
    {
        ProtoWriter tensor;
        tensor.varint(1, 1);
        tensor.floatValue(5, 2.0f); // unpacked float_val
        ProtoWriter value;
        value.bytes(1, "t");
        value.floatValue(2, 1.0f);
        value.message(8, tensor);
        value.varint(50, 1); // unknown inside Value
        ProtoWriter summary;
        summary.message(1, value);
        ProtoWriter event;
        event.message(5, summary);
        event.message(5, summary); // repeated embedded message: values concatenate
        int seen = 0;
        forEachSummaryValue(event.data(), [&](const SummaryValueView& v) {
            ++seen;
            QCOMPARE(v.tag, std::string_view("t"));
            QCOMPARE(v.kind, ValueKind::Tensor);
            QCOMPARE(decodeScalarTensor(v.tensor).value_or(-1), 2.0);
        });
        QCOMPARE(seen, 2);
    }

    void scalarTensors()
    {
        using D = TensorDType;
        const auto dtype = [](D d) { return std::uint64_t(d); };
        const auto content = [&](D d, std::string bytes) {
            return tensorWith([&](ProtoWriter& w) {
                w.varint(1, dtype(d));
                w.bytes(4, bytes);
            });
        };
        const auto packedFloat = tensorWith([&](ProtoWriter& w) {
            w.varint(1, dtype(D::Float));
            w.bytes(5, unhex("0000c03f")); // packed [1.5]
        });
        QCOMPARE(decodeScalarTensor(packedFloat).value_or(0), 1.5);
        QCOMPARE(decodeScalarTensor(content(D::Float, unhex("000020c1"))).value_or(0), -10.0);
        QCOMPARE(decodeScalarTensor(content(D::Double, unhex("9a9999999999b93f"))).value_or(0), 0.1);
        QCOMPARE(decodeScalarTensor(content(D::Int8, unhex("80"))).value_or(0), -128.0);
        QCOMPARE(decodeScalarTensor(content(D::UInt8, unhex("80"))).value_or(0), 128.0);
        QCOMPARE(decodeScalarTensor(content(D::Int16, unhex("fffe"))).value_or(0), -257.0);
        QCOMPARE(decodeScalarTensor(content(D::UInt64, unhex("ffffffffffffffff"))).value_or(0),
                 18446744073709551615.0);
        QCOMPARE(decodeScalarTensor(content(D::Half, unhex("0100"))).value_or(0), std::ldexp(1.0, -24));
        QCOMPARE(decodeScalarTensor(content(D::Half, unhex("00fc"))).value_or(0), -INFINITY);
        QVERIFY(std::isnan(decodeScalarTensor(content(D::Half, unhex("017e"))).value_or(0)));
        QCOMPARE(decodeScalarTensor(content(D::BFloat16, unhex("8040"))).value_or(0), 4.0);
        QCOMPARE(decodeScalarTensor(content(D::Bool, unhex("02"))).value_or(0), 1.0);
        // int_val holds int32 sign-extended to 64 bits; int8 from it.
        const auto intVal = tensorWith([&](ProtoWriter& w) {
            w.varint(1, dtype(D::Int8));
            w.int64(7, -5);
        });
        QCOMPARE(decodeScalarTensor(intVal).value_or(0), -5.0);
        const auto packedInt64 = tensorWith([&](ProtoWriter& w) {
            w.varint(1, dtype(D::Int64));
            w.bytes(10, unhex("ffffffffffffffffff01")); // packed [-1]
        });
        QCOMPARE(decodeScalarTensor(packedInt64).value_or(0), -1.0);
        // No values at all: TensorFlow reads the default, 0.
        const auto empty = tensorWith([&](ProtoWriter& w) { w.varint(1, dtype(D::Float)); });
        QCOMPARE(decodeScalarTensor(empty), std::optional<double>(0.0));
        // Shape [1, 1] is still one element; [2] is not.
        const auto shaped = [&](std::vector<int> dims) {
            return tensorWith([&](ProtoWriter& w) {
                w.varint(1, dtype(D::Float));
                ProtoWriter shape;
                for (int d : dims) {
                    ProtoWriter dim;
                    dim.int64(1, d);
                    shape.message(2, dim);
                }
                w.message(2, shape);
                w.floatValue(5, 3.0f);
            });
        };
        QCOMPARE(decodeScalarTensor(shaped({1, 1})).value_or(0), 3.0);
        QVERIFY(!decodeScalarTensor(shaped({2})));
        QVERIFY(!decodeScalarTensor(shaped({0})));
        // Not scalars: two values, wrong content size, strings, unknown dtype.
        const auto twoValues = tensorWith([&](ProtoWriter& w) {
            w.varint(1, dtype(D::Float));
            w.bytes(5, unhex("0000803f 00000040"));
        });
        QVERIFY(!decodeScalarTensor(twoValues));
        QVERIFY(!decodeScalarTensor(content(D::Float, unhex("000080"))));
        QVERIFY(!decodeScalarTensor(content(D::String, "1")));
        QVERIFY(!decodeScalarTensor(content(TensorDType(12345), "1234")));
        // A packed float list whose size is not a multiple of 4 is malformed.
        const auto ragged = tensorWith([&](ProtoWriter& w) {
            w.varint(1, dtype(D::Float));
            w.bytes(5, unhex("0000803f00"));
        });
        QVERIFY_THROWS_EXCEPTION(hdr::core::HdrError, decodeScalarTensor(ragged));
    }

    void imageTensors()
    {
        const auto tensor = [](std::vector<std::string> strings, TensorDType dtype) {
            return tensorWith([&](ProtoWriter& w) {
                for (const auto& s : strings)
                    w.bytes(8, s); // string_val before dtype: order must not matter
                w.varint(1, std::uint64_t(dtype));
            });
        };
        std::vector<std::string> seen;
        const auto collect = [&](std::int64_t w, std::int64_t h, std::string_view png, std::int64_t index) {
            seen.push_back(std::to_string(w) + "x" + std::to_string(h) + ":" + std::to_string(index) + ":" +
                           std::string(png));
        };
        QVERIFY(forEachImageInTensor(tensor({"64", "32", "A", "BB"}, TensorDType::String), collect));
        QCOMPARE(seen, (std::vector<std::string>{"64x32:0:A", "64x32:1:BB"}));
        seen.clear();
        QVERIFY(forEachImageInTensor(tensor({"1", "1"}, TensorDType::String), collect)); // no images yet
        QVERIFY(seen.empty());
        QVERIFY(!forEachImageInTensor(tensor({"64", "x32", "A"}, TensorDType::String), collect));
        QVERIFY(!forEachImageInTensor(tensor({"64", "-1", "A"}, TensorDType::String), collect));
        QVERIFY(!forEachImageInTensor(tensor({"64"}, TensorDType::String), collect));
        QVERIFY(!forEachImageInTensor(tensor({"64", "32", "A"}, TensorDType::Float), collect));
        QVERIFY(seen.empty());
    }
};

HDR_TEST_MAIN(TestProtoWire)
#include "tst_tensorboard_protowire.moc"
