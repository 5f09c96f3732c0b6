// TensorBoard's debiased EMA, config differences for the hyper-parameter table, and the small
// text formats of the logs (CSV fields, numbers, ISO-8601 times).

#include "runlog/ConfigDiff.h"
#include "runlog/CsvFormat.h"
#include "runlog/IsoTime.h"
#include "runlog/Smoothing.h"

#include "support/TestSupport.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace hdr::runlog;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// TensorBoard's resmoothDataset (vz_line_chart2/line-chart.ts) transcribed as written there, as an
// independent reference for smoothDebiasedEma.
std::vector<double> tensorBoardSmoothing(const std::vector<double>& data, double smoothingWeight)
{
    std::vector<double> smoothed(data.size());
    double last = data.empty() ? kNaN : 0;
    int numAccum = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const double nextVal = data[i];
        if (!std::isfinite(nextVal)) {
            smoothed[i] = nextVal;
        } else {
            last = last * smoothingWeight + (1 - smoothingWeight) * nextVal;
            numAccum++;
            double debiasWeight = 1;
            if (smoothingWeight != 1.0) {
                debiasWeight = 1.0 - std::pow(smoothingWeight, numAccum);
            }
            smoothed[i] = last / debiasWeight;
        }
    }
    return smoothed;
}

bool same(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

} // namespace

class TestRunlogSmoothing : public QObject {
    Q_OBJECT
private slots:
    void handComputedSequence()
    {
        // w = 0.5 over 1, 2, 3, 4:
        //   last: 0.5, 1.25, 2.125, 3.0625; debias: 0.5, 0.75, 0.875, 0.9375
        const std::vector<double> values = {1, 2, 3, 4};
        const auto out = smoothDebiasedEma(values, 0.5);
        const std::vector<double> expected = {1.0, 1.25 / 0.75, 2.125 / 0.875, 3.0625 / 0.9375};
        QCOMPARE(out.size(), expected.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            QVERIFY2(std::fabs(out[i] - expected[i]) < 1e-12, qPrintable(QString::number(out[i], 'g', 17)));
        }
        // The first value is never pulled towards 0 (that is what the debiasing is for).
        QCOMPARE(smoothDebiasedEma(std::vector<double>{42.0}, 0.99)[0], 42.0);
    }

    void matchesTensorBoardIncludingNonFinite()
    {
        std::mt19937 rng(5);
        std::normal_distribution<double> noise(0.0, 1.0);
        for (double weight : {0.0, 0.3, 0.6, 0.9, 0.99, 0.999}) {
            std::vector<double> values;
            for (int i = 0; i < 500; ++i) {
                values.push_back(i % 97 == 13   ? kNaN
                                 : i % 131 == 7 ? -kInf
                                 : i % 151 == 3 ? kInf
                                                : 5.0 / (i + 1) + noise(rng));
            }
            const auto ours = smoothDebiasedEma(values, weight);
            const auto theirs = tensorBoardSmoothing(values, weight);
            for (std::size_t i = 0; i < values.size(); ++i) {
                QVERIFY2(same(ours[i], theirs[i]),
                         qPrintable(QStringLiteral("w=%1 i=%2").arg(weight).arg(i)));
            }
        }
    }

    void nonFiniteValuesPassThrough()
    {
        const std::vector<double> values = {1, kNaN, 3, kInf};
        const auto out = smoothDebiasedEma(values, 0.6);
        QCOMPARE(out[0], 1.0);
        QVERIFY(std::isnan(out[1]));
        // The NaN neither advanced the filter nor counted: the third value is the second of two.
        const double last = (0.4 * 1) * 0.6 + 0.4 * 3;
        QVERIFY(std::fabs(out[2] - last / (1 - 0.36)) < 1e-12);
        QVERIFY(std::isinf(out[3]));
        // w = 0 is the identity; weights outside [0, 1] are clamped.
        QCOMPARE(smoothDebiasedEma(std::vector<double>{3, 1, 2}, 0.0), (std::vector<double>{3, 1, 2}));
        QCOMPARE(smoothDebiasedEma(std::vector<double>{3, 1, 2}, -5.0), (std::vector<double>{3, 1, 2}));
        QVERIFY(smoothDebiasedEma({}, 0.5).empty());
        for (double v : smoothDebiasedEma(std::vector<double>(100, 0.7), 0.95)) {
            QVERIFY(std::fabs(v - 0.7) < 1e-12);
        }
    }

    void configDifferencesAcrossRuns()
    {
        const auto a =
            nlohmann::json::parse(R"({"lr": 0.1, "model": {"depth": 4, "width": 64}, "tags": [1, 2],
                                                 "epochs": 10, "name": "a"})");
        auto b = a;
        b["lr"] = 0.2;
        b["extra"] = true;
        b["epochs"] = 10.0; // the same number
        b["name"] = "b";
        auto c = a;
        c["model"]["width"] = 128;
        c["tags"] = {1, 3};
        QCOMPARE(configDifferences({a, b}), (std::vector<std::string>{"extra", "lr", "name"}));
        QCOMPARE(configDifferences({a, c}), (std::vector<std::string>{"model.width", "tags"}));
        QCOMPARE(configDifferences({a, b, c}),
                 (std::vector<std::string>{"extra", "lr", "model.width", "name", "tags"}));
        QVERIFY(configDifferences({a}).empty());
        QVERIFY(configDifferences({a, a}).empty());
        const auto flat = flattenConfig(a);
        QCOMPARE(flat.size(), std::size_t(6));
        QCOMPARE(flat.at("model.depth").get<int>(), 4);
        QCOMPARE(configValueText(flat.at("tags")), std::string("[1,2]"));
        QCOMPARE(configValueText(flat.at("name")), std::string("a"));
        // Deep nesting does not recurse.
        nlohmann::json deep = 1;
        for (int i = 0; i < 5000; ++i) {
            deep = nlohmann::json{{"k", std::move(deep)}};
        }
        QCOMPARE(flattenConfig(deep).size(), std::size_t(1));
    }

    void csvFields()
    {
        QCOMPARE(joinCsv({"a", "b,c", "say \"hi\"", " x"}),
                 std::string("a,\"b,c\",\"say \"\"hi\"\"\",\" x\""));
        const auto fields = splitCsvLine("a,\"b,c\",\"say \"\"hi\"\"\",,\r", 10);
        QVERIFY(fields.has_value());
        QCOMPARE(*fields, (std::vector<std::string>{"a", "b,c", "say \"hi\"", "", ""}));
        QVERIFY(!splitCsvLine("a,\"b", 10));
        QVERIFY(!splitCsvLine("a,b\"c", 10));
        QVERIFY(!splitCsvLine("a,b,c", 2));
        QCOMPARE(splitCsvLine("", 10)->size(), std::size_t(1));
    }

    void numbersRoundTrip()
    {
        std::mt19937_64 rng(11);
        for (int i = 0; i < 10000; ++i) {
            const std::uint64_t bits = rng();
            double value;
            std::memcpy(&value, &bits, sizeof value);
            const auto back = parseNumber(formatNumber(value));
            QVERIFY(back.has_value());
            QVERIFY2(same(*back, value), formatNumber(value).c_str());
        }
        QCOMPARE(formatNumber(0.1), std::string("0.1"));
        QCOMPARE(formatNumber(kInf), std::string("inf"));
        QCOMPARE(formatNumber(-kInf), std::string("-inf"));
        QCOMPARE(formatNumber(kNaN), std::string("nan"));
        QCOMPARE(parseNumber(" 2.5 ").value(), 2.5);
        QCOMPARE(parseNumber("+3").value(), 3.0);
        QCOMPARE(parseNumber("Infinity").value(), kInf);
        QCOMPARE(parseNumber("-inf").value(), -kInf);
        QVERIFY(std::isnan(*parseNumber("nan")));
        QCOMPARE(parseNumber("1e999").value(), kInf);
        QCOMPARE(parseNumber("-1e999").value(), -kInf);
        QCOMPARE(parseNumber("1e-999").value(), 0.0);
        QVERIFY(!parseNumber(""));
        QVERIFY(!parseNumber("abc"));
        QVERIFY(!parseNumber("1.5x"));
        QVERIFY(!parseNumber(std::string(1000, '1')));
    }

    void isoTimes()
    {
        QCOMPARE(parseIsoTimestamp("2024-01-01T00:00:00Z").value(), 1704067200.0);
        QCOMPARE(parseIsoTimestamp("2024-01-01T02:00:00.5+02:00").value(), 1704067200.5);
        QCOMPARE(parseIsoTimestamp("2023-12-31T19:00:00-0500").value(), 1704067200.0);
        QVERIFY(parseIsoTimestamp("2024-01-01 00:00:00").has_value()); // local time, Python's default
        QVERIFY(!parseIsoTimestamp("2024-13-01T00:00:00Z"));
        QVERIFY(!parseIsoTimestamp("yesterday"));
        QVERIFY(!parseIsoTimestamp("2024-01-01T00:00:00+25:00"));
        const auto now = std::chrono::system_clock::now();
        const std::string text = isoTimestamp(now);
        const double seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
        QVERIFY2(std::fabs(parseIsoTimestamp(text).value() - seconds) < 0.002, text.c_str());
    }
};

HDR_TEST_MAIN(TestRunlogSmoothing)
#include "tst_runlog_smoothing.moc"
