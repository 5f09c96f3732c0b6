// Filters and sorts of the gallery, the A1111 infotext reader and the PNG text-chunk reader.
#include "catalog/CandidateFilter.h"
#include "catalog/Infotext.h"
#include "catalog/PngTextChunks.h"
#include "core/catalog/SyntheticBatch.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"

#include <QElapsedTimer>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

using namespace hdr::catalog;
namespace fs = std::filesystem;

namespace {

Candidate candidate(const std::string& stamp,
                    std::optional<std::uint64_t> seed,
                    const std::string& prompt,
                    CullMarks marks,
                    std::vector<std::string> loras = {},
                    bool withFinal = false)
{
    Candidate c;
    c.image = "/batch/stage1/" + stamp + "_stage1_1024x1024.png";
    c.stamp = stamp;
    c.seed = seed;
    c.prompt = prompt;
    c.marks = marks;
    for (const std::string& name : loras)
        c.loras.push_back({"style", name, "", 1.0});
    if (withFinal) c.finals.push_back("/batch/final/" + stamp + "_final_4096x4096.png");
    return c;
}

std::vector<Candidate> sample()
{
    return {
        candidate("20240501_101112", 30, "A Knight in the Rain", {Flag::Picked, 3}, {"hero"}, true),
        candidate("20240501_101112-2", 10, "castle at night", {Flag::Rejected, 0}, {"ink"}),
        candidate("20240501_101112-10", std::nullopt, "knight, castle", {Flag::None, 5}, {"hero", "ink"}),
        candidate("20240501_101113", 20, "empty field", {Flag::None, 0}),
        candidate("20240501_101111", 40, "rainy knight portrait", {Flag::Picked, 1}, {}, true),
    };
}

std::vector<std::uint64_t> seedsOf(const std::vector<Candidate>& cs, const std::vector<std::size_t>& order)
{
    std::vector<std::uint64_t> out;
    for (std::size_t i : order)
        out.push_back(cs[i].seed.value_or(0));
    return out;
}

} // namespace

class TestCatalogText : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void filters()
    {
        const auto cs = sample();
        const auto count = [&](const CandidateFilter& f) { return filterAndSort(cs, f, {}).size(); };
        QVERIFY(CandidateFilter{}.isEmpty());
        QCOMPARE(count({}), std::size_t(5));
        QCOMPARE(count({.flag = FlagFilter::Picked}), std::size_t(2));
        QCOMPARE(count({.flag = FlagFilter::Rejected}), std::size_t(1));
        QCOMPARE(count({.flag = FlagFilter::Unflagged}), std::size_t(2));
        QCOMPARE(count({.flag = FlagFilter::NotRejected}), std::size_t(4));
        QCOMPARE(count({.minStars = 3}), std::size_t(2));
        QCOMPARE(count({.lora = "hero"}), std::size_t(2));
        QCOMPARE(count({.lora = "ink"}), std::size_t(2));
        QCOMPARE(count({.lora = "nobody"}), std::size_t(0));
        // Every word, any case, anywhere in the prompt.
        QCOMPARE(count({.promptText = "knight"}), std::size_t(3));
        QCOMPARE(count({.promptText = "  KNIGHT   rain "}), std::size_t(2));
        QCOMPARE(count({.promptText = "knight castle"}), std::size_t(1));
        QCOMPARE(count({.finals = FinalsFilter::WithFinals}), std::size_t(2));
        QCOMPARE(count({.finals = FinalsFilter::WithoutFinals}), std::size_t(3));
        QCOMPARE(count({.flag = FlagFilter::Picked, .minStars = 2, .finals = FinalsFilter::WithFinals}),
                 std::size_t(1));
    }

    void sorts()
    {
        const auto cs = sample();
        // Time: stamps, "-2" before "-10" (numerically).
        QCOMPARE(seedsOf(cs, filterAndSort(cs, {}, {SortKey::Time, false})),
                 (std::vector<std::uint64_t>{40, 30, 10, 0, 20}));
        QCOMPARE(seedsOf(cs, filterAndSort(cs, {}, {SortKey::Time, true})),
                 (std::vector<std::uint64_t>{20, 0, 10, 30, 40}));
        // Seed: unknown seeds last in both directions.
        QCOMPARE(seedsOf(cs, filterAndSort(cs, {}, {SortKey::Seed, false})),
                 (std::vector<std::uint64_t>{10, 20, 30, 40, 0}));
        QCOMPARE(seedsOf(cs, filterAndSort(cs, {}, {SortKey::Seed, true})),
                 (std::vector<std::uint64_t>{40, 30, 20, 10, 0}));
        // Rating: stars, then picked > unflagged > rejected, then time.
        QCOMPARE(seedsOf(cs, filterAndSort(cs, {}, {SortKey::Rating, true})),
                 (std::vector<std::uint64_t>{0, 30, 40, 20, 10}));
        // Prompt: case-insensitive.
        QCOMPARE(seedsOf(cs, filterAndSort(cs, {}, {SortKey::Prompt, false})),
                 (std::vector<std::uint64_t>{30, 10, 20, 0, 40}));
        // Without stamps, the file time orders.
        std::vector<Candidate> plain = {candidate("", 1, "a", {}), candidate("", 2, "b", {})};
        plain[0].modifiedNs = 200;
        plain[1].modifiedNs = 100;
        QCOMPARE(seedsOf(plain, filterAndSort(plain, {}, {})), (std::vector<std::uint64_t>{2, 1}));
    }

    void infotextLikeA1111()
    {
        const Infotext info = parseInfotext(
            "masterpiece, <lora:hero:0.8> knight\nin rain\nNegative prompt: blurry, low quality\n"
            "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 4242, Size: "
            "832x1216, "
            "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: \"hero: 1a2b3c, ink: 4d5e6f\", "
            "Version: "
            "v1.9.4\n");
        QCOMPARE(info.prompt, std::string("masterpiece, <lora:hero:0.8> knight\nin rain"));
        QCOMPARE(info.negative.value_or(""), std::string("blurry, low quality"));
        QCOMPARE(*info.find("Seed"), std::string("4242"));
        QCOMPARE(*info.find("Lora hashes"), std::string("hero: 1a2b3c, ink: 4d5e6f"));
        QCOMPARE(*info.find("Version"), std::string("v1.9.4"));
        const auto loras = lorasOf(info);
        QCOMPARE(loras.size(), std::size_t(1)); // the prompt tag names it; hashes only fill in
        QCOMPARE(loras[0].name, std::string("hero"));
        QCOMPARE(loras[0].strength, 0.8);

        // Our own "LoRA" entry (JSON-quoted because it has ':' and ',').
        const Infotext ours = parseInfotext("p\nSteps: 1, Sampler: Euler, Seed: 1, LoRA: "
                                            "\"/l/a.safetensors:1; C:\\\\x\\\\b.safetensors:0.5\"");
        const auto ourLoras = lorasOf(ours);
        QCOMPARE(ourLoras.size(), std::size_t(2));
        QCOMPARE(ourLoras[1].name, std::string("b"));
        QCOMPARE(ourLoras[1].path, std::string("C:\\x\\b.safetensors"));
        QCOMPARE(ourLoras[1].strength, 0.5);

        // Only hashes: names from them.
        const auto hashed = lorasOf(parseInfotext("p\nSteps: 1, Seed: 2, Lora hashes: \"x: 1, y: 2\""));
        QCOMPARE(hashed.size(), std::size_t(2));
        QCOMPARE(hashed[1].name, std::string("y"));

        // Fewer than three entries on the last line: all of it is prompt.
        const Infotext promptOnly = parseInfotext("a photo: of a cat\nSteps: 3");
        QVERIFY(promptOnly.values.empty());
        QCOMPARE(promptOnly.prompt, std::string("a photo: of a cat\nSteps: 3"));
        QVERIFY(parseInfotext("").prompt.empty());
    }

    void infotextHostileLinesStayFast()
    {
        QElapsedTimer timer;
        timer.start();
        const std::string words(2'000'000, 'a');
        QVERIFY(parseInfotext(words).values.empty());
        std::string spaces(2'000'000, ' ');
        QVERIFY(parseInfotext(spaces).prompt.empty());
        std::string quotes;
        for (int i = 0; i < 200'000; ++i)
            quotes += "key: \"x, ";
        QVERIFY(parseInfotext(quotes).values.size() >= 3);
        std::string tags;
        for (int i = 0; i < 200'000; ++i)
            tags += "<lora:";
        QVERIFY(lorasOf(parseInfotext(tags)).empty());
        QVERIFY2(timer.elapsed() < 10'000, "linear-time parsing");
    }

    void pngTextChunks()
    {
        const fs::path folder(m_dir.path().toStdString());
        const fs::path ascii = folder / "ascii.png";
        const std::string infotext =
            hdr::test::catalog::infotextOf({"20240501_101112", 7, "a cat", "dog", {}});
        hdr::test::catalog::writeSmallPng(ascii, 0.2f, 0.4f, 0.6f, infotext);
        auto info = readPngText(ascii);
        HDR_VERIFY_OK(info);
        QCOMPARE(info->width, 48);
        QCOMPARE(info->height, 32);
        QCOMPARE(info->text.at("parameters"), infotext);

        // Non-Latin-1 text goes into iTXt (UTF-8).
        const fs::path utf8 = folder / "utf8.png";
        const std::string prompt =
            "\xE5\xAF\xBF\xE5\x8F\xB8 \xE2\x80\x94 sushi\nSteps: 1, Sampler: Euler, Seed: 3";
        hdr::test::catalog::writeSmallPng(utf8, 0.2f, 0.4f, 0.6f, prompt);
        QCOMPARE(readPngText(utf8)->text.at("parameters"), prompt);

        // Not a PNG; a truncated one keeps what was read before the cut.
        std::ofstream(folder / "fake.png") << "GIF89a....";
        auto fake = readPngText(folder / "fake.png");
        QVERIFY(!fake);
        QCOMPARE(fake.error().code, hdr::core::ErrorCode::UnsupportedFormat);
        auto bytes = hdr::test::readAll(ascii);
        bytes.resize(bytes.size() - 20);
        hdr::test::writeAll(folder / "cut.png", bytes);
        auto cut = readPngText(folder / "cut.png");
        HDR_VERIFY_OK(cut);
        QCOMPARE(cut->width, 48);
        bytes.resize(20);
        hdr::test::writeAll(folder / "header-cut.png", bytes);
        QVERIFY(!readPngText(folder / "header-cut.png"));
    }

    // The reason for the chunk reader: reading the text of a 1024x1024 PNG without decoding it.
    void pngTextIsCheaperThanDecoding()
    {
        const fs::path path = fs::path(m_dir.path().toStdString()) / "big.png";
        hdr::core::ImageF image(1024, 1024, 3);
        for (int y = 0; y < 1024; ++y) {
            for (int x = 0; x < 1024; ++x) {
                float* p = image.pixel(x, y);
                p[0] = float(x % 97) / 97.0f;
                p[1] = float(y % 89) / 89.0f;
                p[2] = float((x * y) % 83) / 83.0f;
            }
        }
        hdr::core::WriteOptions options;
        options.attributes["parameters"] = "p\nSteps: 1, Sampler: Euler, Seed: 3";
        HDR_VERIFY_OK(hdr::core::writeImage(image, path, options));
        constexpr int kRounds = 20;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < kRounds; ++i)
            QVERIFY(readPngText(path)->text.count("parameters"));
        const double chunkMs = double(timer.nsecsElapsed()) / 1e6 / kRounds;
        timer.restart();
        for (int i = 0; i < 3; ++i)
            QVERIFY(hdr::core::readImage(path)->metadata.attributes.count("parameters"));
        const double decodeMs = double(timer.nsecsElapsed()) / 1e6 / 3;
        qInfo("parameters of a 1024x1024 PNG: chunk walk %.3f ms, full readImage %.1f ms", chunkMs, decodeMs);
        QVERIFY(chunkMs < decodeMs);
    }
};

HDR_TEST_MAIN(TestCatalogText)
#include "tst_catalog_text.moc"
