// RequestSpec: defaults read from the struct, ranges and rules, command-line text, JSON round trips,
// shared blocks included from a base struct.
#include "spec/RequestSpec.h"
#include "support/TestSupport.h"

#include <QtTest>

#include <array>
#include <filesystem>
#include <optional>
#include <set>

using namespace hdr::spec;

namespace {

struct Shared {
    int steps = 20;
    double cfg = 7.0;
    std::string sampler = "euler";
};

struct Request : Shared {
    std::uint64_t seed = 0;
    std::optional<double> fraction;
    std::vector<double> evs{-1.0, 0.0, 1.0};
    std::set<std::string> formats{"exr", "png"};
    std::optional<std::array<int, 2>> size;
    std::filesystem::path output = ".";
    bool overwrite = false;
    double strength = 0.75;
};

RequestSpec<Shared> sharedSpec()
{
    RequestSpec<Shared> s;
    s.add(&Shared::steps,
          {.key = "steps", .label = "Steps", .valueName = "N", .help = "steps", .min = 1, .max = 1000});
    s.add(&Shared::cfg,
          {.key = "cfg", .label = "CFG scale", .valueName = "S", .help = "guidance", .min = 0, .max = 100});
    s.add(&Shared::sampler,
          {.key = "sampler",
           .label = "Sampler",
           .valueName = "NAME",
           .help = "sampler",
           .choices = {"euler", "ddim"}});
    return s;
}

const RequestSpec<Request>& requestSpec()
{
    static const RequestSpec<Request> spec = [] {
        RequestSpec<Request> s;
        s.include(sharedSpec());
        s.add(&Request::seed, {.key = "seed", .label = "Seed", .valueName = "N", .help = "seed"});
        s.add(&Request::fraction,
              {.key = "fraction",
               .label = "Fraction",
               .valueName = "F",
               .help = "f",
               .min = 0,
               .max = 1,
               .minExclusive = true});
        s.add(&Request::evs,
              {.key = "evs",
               .label = "EVs",
               .valueName = "LIST",
               .help = "e",
               .min = -10,
               .max = 10,
               .minCount = 2});
        s.add(&Request::formats,
              {.key = "format",
               .label = "Formats",
               .valueName = "LIST",
               .help = "f",
               .choices = {"exr", "png", "hdr"},
               .minCount = 1});
        s.add(&Request::size,
              {.key = "original-size",
               .label = "Original size",
               .valueName = "WxH",
               .help = "s",
               .listSeparator = 'x'});
        s.add(&Request::output,
              {.key = "output", .label = "Output", .valueName = "DIR", .help = "o", .json = false});
        s.add(&Request::overwrite, {.key = "overwrite", .label = "Overwrite", .help = "replace"});
        s.add(&Request::strength,
              {.key = "strength",
               .label = "Strength",
               .valueName = "S",
               .help = "s",
               .min = 0,
               .max = 1,
               .minExclusive = true});
        s.rule([](const Request& r) -> std::optional<std::string> {
            if (r.sampler == "ddim" && r.steps > 500) return "DDIM needs at most 500 steps.";
            return std::nullopt;
        });
        return s;
    }();
    return spec;
}

} // namespace

class TestRequestSpec : public QObject {
    Q_OBJECT

private slots:
    void defaultsComeFromTheStruct()
    {
        const auto& spec = requestSpec();
        QCOMPARE(std::get<std::int64_t>(spec.defaultValue("steps")), std::int64_t(20));
        QCOMPARE(formatSettingValue(spec.defaultValue("evs")), std::string("-1,0,1"));
        QCOMPARE(formatSettingValue(spec.defaultValue("format")), std::string("exr,png"));
        QVERIFY(std::holds_alternative<std::monostate>(spec.defaultValue("fraction")));
        QCOMPARE(helpWithDefault(spec.info("steps"), spec.defaultValue("steps")),
                 std::string("steps (default 20)"));
        QCOMPARE(spec.info("sampler").kind, SettingKind::Choice);
        QVERIFY(spec.info("fraction").nullable);
        const Request defaults;
        QVERIFY(spec.validate(defaults).has_value());
    }

    void rangesAndRules()
    {
        const auto& spec = requestSpec();
        Request r;
        r.steps = 0;
        QCOMPARE(spec.problems(r).front(), std::string("Steps must be 1 to 1000."));
        r.steps = 20;
        r.fraction = 0.0; // (0, 1]: zero is outside
        QCOMPARE(spec.problems(r).front(), std::string("Fraction must be above 0 and at most 1."));
        r.fraction = 1.0;
        QVERIFY(spec.problems(r).empty());
        r.evs = {1.0};
        QCOMPARE(spec.problems(r).front(), std::string("EVs needs at least 2 values."));
        r.evs = {-11.0, 0.0};
        QCOMPARE(spec.problems(r).front(), std::string("Each value of EVs must be -10 to 10."));
        r.evs = {-1.0, 1.0};
        r.sampler = "ddim";
        r.steps = 600;
        const auto status = spec.validate(r);
        QVERIFY(!status);
        QCOMPARE(status.error().code, hdr::core::ErrorCode::InvalidArgument);
        QCOMPARE(status.error().message, std::string("DDIM needs at most 500 steps."));
        r.formats = {"tiff"};
        QCOMPARE(spec.problems(r).front(), std::string("Formats cannot contain 'tiff'."));
    }

    void commandLineText()
    {
        const auto& spec = requestSpec();
        Request r;
        HDR_VERIFY_OK(spec.setText(r, "steps", "30"));
        HDR_VERIFY_OK(spec.setText(r, "seed", "18446744073709551615"));
        HDR_VERIFY_OK(spec.setText(r,
                                   "evs",
                                   "\xE2\x88\x92"
                                   "2, 0,2")); // a pasted true minus sign
        HDR_VERIFY_OK(spec.setText(r, "format", "hdr,exr"));
        HDR_VERIFY_OK(spec.setText(r, "original-size", "1024x768"));
        HDR_VERIFY_OK(spec.setText(r, "overwrite", ""));
        HDR_VERIFY_OK(spec.setText(r, "fraction", "0.25"));
        QCOMPARE(r.steps, 20 + 10);
        QCOMPARE(r.seed, std::uint64_t(18446744073709551615ull));
        QCOMPARE(r.evs, (std::vector<double>{-2.0, 0.0, 2.0}));
        QCOMPARE(r.formats, (std::set<std::string>{"exr", "hdr"}));
        QCOMPARE(*r.size, (std::array<int, 2>{1024, 768}));
        QVERIFY(r.overwrite);
        QCOMPARE(*r.fraction, 0.25);

        const auto bad = spec.setText(r, "steps", "2.5");
        QVERIFY(!bad);
        QCOMPARE(bad.error().message, std::string("--steps expects a whole number, got '2.5'"));
        QVERIFY(!spec.setText(r, "cfg", "seven"));
        QVERIFY(!spec.setText(r, "sampler", "heun"));
        QVERIFY(!spec.setText(r, "seed", "-1")); // seeds are unsigned
        QVERIFY(!spec.setText(r, "steps", "99999999999"));
        QVERIFY(!spec.setText(r, "original-size", "1024"));
        QCOMPARE(r.steps, 30); // failed sets leave the request alone
    }

    void jsonRoundTrip()
    {
        const auto& spec = requestSpec();
        Request r;
        r.steps = 42;
        r.cfg = 5.5;
        r.sampler = "ddim";
        r.seed = 1ull << 40;
        r.fraction = 0.5;
        r.evs = {-3.0, 0.0, 3.0};
        r.formats = {"hdr"};
        r.size = std::array<int, 2>{640, 480};
        r.output = "/somewhere";
        const nlohmann::json j = spec.toJson(r);
        QCOMPARE(j["steps"].get<int>(), 42);
        QCOMPARE(j["originalSize"], nlohmann::json::array({640.0, 480.0}));
        QVERIFY(!j.contains("output")); // json = false
        Request back;
        HDR_VERIFY_OK(spec.fromJson(back, nlohmann::json::parse(j.dump())));
        QCOMPARE(back.steps, 42);
        QCOMPARE(back.cfg, 5.5);
        QCOMPARE(back.sampler, std::string("ddim"));
        QCOMPARE(back.seed, std::uint64_t(1) << 40);
        QCOMPARE(*back.fraction, 0.5);
        QCOMPARE(back.evs, r.evs);
        QCOMPARE(back.formats, r.formats);
        QCOMPARE(*back.size, *r.size);
        QCOMPARE(back.output, std::filesystem::path(".")); // not in the JSON: keeps its value

        // Keys absent from the JSON keep the request's values; null clears an optional.
        Request partial;
        partial.fraction = 0.3;
        HDR_VERIFY_OK(
            spec.fromJson(partial, nlohmann::json{{"steps", 7}, {"fraction", nullptr}, {"unknown", 1}}));
        QCOMPARE(partial.steps, 7);
        QVERIFY(!partial.fraction);
        QCOMPARE(partial.cfg, 7.0);

        const auto wrong = spec.fromJson(partial, nlohmann::json{{"steps", "many"}});
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().message, std::string("the value of \"steps\" must be a whole number"));
        QVERIFY(!spec.fromJson(partial, nlohmann::json::array()));
    }

    void jsonKeys()
    {
        QCOMPARE(jsonKeyOf("vae-tile"), std::string("vaeTile"));
        QCOMPARE(jsonKeyOf("prompt-style"), std::string("promptStyle"));
        QCOMPARE(jsonKeyOf("steps"), std::string("steps"));
    }
};

HDR_TEST_MAIN(TestRequestSpec)
#include "tst_request_spec.moc"
