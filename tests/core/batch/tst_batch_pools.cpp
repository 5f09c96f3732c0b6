// What each batch image draws from its seed (core/batch: SeedPolicy, SizePresets, PromptPool,
// LoraPool) and the <lora:name:weight> prompt tags (PromptLoraTags): reproducible for a seed,
// spread over the pool across seeds, and the same on every platform (fixed expected values).
#include "batch/LoraPool.h"
#include "batch/PhraseFile.h"
#include "batch/PromptLoraTags.h"
#include "batch/PromptPool.h"
#include "batch/SeedPolicy.h"
#include "batch/SizePresets.h"
#include "batch/SplitMix64.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <fstream>
#include <map>
#include <set>

using namespace hdr::batch;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

} // namespace

class TestBatchPools : public QObject {
    Q_OBJECT

private slots:
    // Vigna's splitmix64.c with state 1234567 gives these first outputs.
    void splitMixMatchesTheReference()
    {
        SplitMix64 rng(1234567);
        QCOMPARE(rng.next(), std::uint64_t(6457827717110365317ull));
        QCOMPARE(rng.next(), std::uint64_t(3203168211198807973ull));
        QCOMPARE(rng.next(), std::uint64_t(9817491932198370423ull));
        // below(n) is uniform: every value of a small range shows up about equally often.
        SplitMix64 r2(7);
        std::vector<int> counts(6, 0);
        for (int i = 0; i < 60000; ++i)
            ++counts[std::size_t(r2.below(6))];
        for (int c : counts)
            QVERIFY2(c > 9500 && c < 10500, qPrintable(QString::number(c)));
    }

    void seedPolicies()
    {
        QCOMPARE(seedForImage(SeedPolicy::Fixed, 42, 7), std::uint64_t(42));
        QCOMPARE(seedForImage(SeedPolicy::Increment, 42, 7), std::uint64_t(49));
        // random: output n of SplitMix64(start), 32 bits.
        SplitMix64 rng(42);
        for (std::uint64_t n = 0; n < 5; ++n)
            QCOMPARE(seedForImage(SeedPolicy::Random, 42, n), rng.next() & 0xFFFFFFFFull);
        std::set<std::uint64_t> distinct;
        for (std::uint64_t n = 0; n < 1000; ++n)
            distinct.insert(seedForImage(SeedPolicy::Random, 5, n));
        QCOMPARE(distinct.size(), std::size_t(1000));
        QCOMPARE(*seedPolicyFromName("random"), SeedPolicy::Random);
        QVERIFY(!seedPolicyFromName("sometimes"));
        QVERIFY(freshStartSeed() <= 0xFFFFFFFFull);
    }

    void sizes()
    {
        auto all = expandSizes({"sd15", "640x448", "sdxl"});
        HDR_VERIFY_OK(all);
        QCOMPARE(all->size(), sd15Presets().size() + 1 + sdxlBuckets().size());
        QCOMPARE(all->at(5), (ImageSize{640, 448}));
        for (const ImageSize& s : sdxlBuckets()) {
            QCOMPARE(s.width % 64, 0);
            QVERIFY(std::abs(s.width * s.height - 1024 * 1024) < 1024 * 1024 / 8); // ~1 megapixel
        }
        QVERIFY(!expandSizes({"1004x512"}));
        QVERIFY(!expandSizes({"512"}));
        QVERIFY(!expandSizes({"sdxxl"}));
        QVERIFY(!expandSizes({"32x32"}));
        // Every bucket gets drawn, the same one for the same seed.
        std::set<std::string> drawn;
        for (std::uint64_t seed = 0; seed < 400; ++seed)
            drawn.insert(formatImageSize(drawSize(sdxlBuckets(), seed)));
        QCOMPARE(drawn.size(), sdxlBuckets().size());
        QCOMPARE(drawSize(sdxlBuckets(), 99), drawSize(sdxlBuckets(), 99));
    }

    void phraseFiles()
    {
        const auto lines = phraseLines(
            "\xEF\xBB\xBF# comment\r\n  red hat,  \r\n\n,,\n#x\n blue sky\n  # indented comment\nlast");
        QCOMPARE(lines, (std::vector<std::string>{"red hat", "blue sky", "last"}));
        QCOMPARE(joinPhrases({"a", "", "b"}), std::string("a, b"));
        QVERIFY(!readPhraseFile("/nonexistent/prompts.txt"));
    }

    void promptPoolDrawsReproduciblyAndEvenly()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeText(root / "base.txt", "# base prompt\nphoto of a lighthouse,\nat dusk\n");
        writeText(root / "negative.txt", "blurry\nlowres\n");
        std::string options = "# options\n";
        for (int i = 0; i < 10; ++i)
            options += "option " + std::to_string(i) + "\n";
        writeText(root / "options.txt", options);
        PromptSources sources;
        sources.prompt = "masterpiece";
        sources.promptFile = root / "base.txt";
        sources.negativeFile = root / "negative.txt";
        sources.optionsFile = root / "options.txt";
        auto pool = PromptPool::load(sources);
        HDR_VERIFY_OK(pool);
        QCOMPARE(pool->base(), std::string("masterpiece, photo of a lighthouse, at dusk"));
        QCOMPARE(pool->options().size(), std::size_t(10));

        std::map<std::size_t, int> countHistogram;
        std::map<std::string, int> optionHistogram;
        for (std::uint64_t seed = 0; seed < 6000; ++seed) {
            const PromptDraw d = pool->draw(seed);
            QVERIFY(d.options.size() <= 5);
            ++countHistogram[d.options.size()];
            std::set<std::string> unique(d.options.begin(), d.options.end());
            QCOMPARE(unique.size(), d.options.size());
            for (std::size_t i = 1; i < d.options.size(); ++i) // file order
                QVERIFY(d.options[i - 1] < d.options[i]);
            for (const auto& o : d.options)
                ++optionHistogram[o];
            std::string expected = pool->base();
            for (const auto& o : d.options)
                expected += ", " + o;
            QCOMPARE(d.prompt, expected);
            QCOMPARE(*d.negative, std::string("blurry, lowres"));
        }
        // 0..5 options, each count about 1/6 of the images; each option about equally often.
        QCOMPARE(countHistogram.size(), std::size_t(6));
        for (const auto& [count, n] : countHistogram)
            QVERIFY2(n > 850 && n < 1150, qPrintable(QString::number(n)));
        QCOMPARE(optionHistogram.size(), std::size_t(10));
        for (const auto& [option, n] : optionHistogram)
            QVERIFY2(n > 1300 && n < 1700, qPrintable(QString::number(n))); // 6000 * 2.5 / 10
        // Same seed, same draw; the draw does not depend on anything but the seed and the files.
        auto again = PromptPool::load(sources);
        QCOMPARE(again->draw(1234).prompt, pool->draw(1234).prompt);
        QVERIFY(pool->draw(1).prompt != pool->draw(2).prompt || pool->draw(3).prompt != pool->draw(4).prompt);
        // The same on every platform: these draws were checked against an independent Python
        // implementation of the rule in PromptPool.h.
        const auto optionList = [](std::vector<int> indices) {
            std::vector<std::string> out;
            for (int i : indices)
                out.push_back("option " + std::to_string(i));
            return out;
        };
        QCOMPARE(pool->draw(0).options, optionList({0, 1, 3, 5}));
        QCOMPARE(pool->draw(1).options, optionList({0, 2, 3, 5, 9}));
        QCOMPARE(pool->draw(2).options, optionList({0, 2, 3, 9}));
        QCOMPARE(pool->draw(12345).options, optionList({6}));

        sources.optionsMin = 2;
        sources.optionsMax = 2;
        auto two = PromptPool::load(sources);
        QCOMPARE(two->draw(77).options.size(), std::size_t(2));
        sources.optionsMin = 3;
        sources.optionsMax = 1;
        QVERIFY(!PromptPool::load(sources));
        // Without files: the text alone, no negative.
        auto bare = PromptPool::load(PromptSources{.prompt = "a cat"});
        QCOMPARE(bare->draw(5).prompt, std::string("a cat"));
        QVERIFY(!bare->draw(5).negative);
        QVERIFY(!PromptPool::load(PromptSources{.promptFile = root / "missing.txt"}));
    }

    void loraPoolDrawsOneOfEach()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        for (const char* name : {"alice.safetensors", "bob.safetensor", "carol.SAFETENSORS"})
            writeText(root / "character" / name, "x");
        writeText(root / "character" / "alice.txt", "# trigger\nalice person\n");
        writeText(root / "character" / "notes.md", "not a lora");
        writeText(root / "style" / "ink.safetensors", "x");
        writeText(root / "style" / "watercolor.safetensors", "x");
        writeText(root / "style" / "watercolor.txt", "watercolor, soft edges");
        auto pool = LoraPool::scan(root, 0.9, 0.7);
        HDR_VERIFY_OK(pool);
        QCOMPARE(pool->characters().size(), std::size_t(3));
        QCOMPARE(pool->styles().size(), std::size_t(2));
        QCOMPARE(pool->characters()[0].name, std::string("alice"));
        QCOMPARE(pool->characters()[0].trigger, std::string("alice person"));
        QCOMPARE(pool->characters()[1].name, std::string("bob"));
        QCOMPARE(pool->styles()[1].trigger, std::string("watercolor, soft edges"));

        std::map<std::string, int> seen;
        for (std::uint64_t seed = 0; seed < 3000; ++seed) {
            const auto drawn = pool->draw(seed);
            QCOMPARE(drawn.size(), std::size_t(2));
            QCOMPARE(drawn[0].kind, LoraKind::Character);
            QCOMPARE(drawn[0].strength, 0.9);
            QCOMPARE(drawn[1].kind, LoraKind::Style);
            QCOMPARE(drawn[1].strength, 0.7);
            ++seen[drawn[0].name];
            ++seen[drawn[1].name];
            QCOMPARE(pool->draw(seed), drawn);
        }
        QCOMPARE(seen.size(), std::size_t(5));
        for (const char* c : {"alice", "bob", "carol"})
            QVERIFY(seen[c] > 850 && seen[c] < 1150);
        for (const char* s : {"ink", "watercolor"})
            QVERIFY(seen[s] > 1350 && seen[s] < 1650);

        // Trigger words go first, character then style.
        LoraChoice a{.kind = LoraKind::Character, .name = "alice", .trigger = "alice person"};
        LoraChoice w{.kind = LoraKind::Style, .name = "watercolor", .trigger = "watercolor"};
        LoraChoice i{.kind = LoraKind::Style, .name = "ink"};
        QCOMPARE(withTriggerWords({a, w}, "a garden"), std::string("alice person, watercolor, a garden"));
        QCOMPARE(withTriggerWords({i}, "a garden"), std::string("a garden"));

        // Only styles: one LoRA per image. A missing root is an error naming it.
        fs::remove_all(root / "character");
        QCOMPARE(LoraPool::scan(root)->draw(3).size(), std::size_t(1));
        auto missing = LoraPool::scan(root / "nope");
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("nope") != std::string::npos);
        QVERIFY(!LoraPool::scan(root, 11.0, 1.0));
    }

    void promptTags()
    {
        auto parsed = parsePromptLoraTags(
            "a castle, <lora:ink:0.6>, at night <LoRA:hero> with stars, <lora:x y: -1.5 >");
        HDR_VERIFY_OK(parsed);
        QCOMPARE(parsed->prompt, std::string("a castle, at night with stars"));
        QCOMPARE(parsed->tags.size(), std::size_t(3));
        QCOMPARE(parsed->tags[0].name, std::string("ink"));
        QCOMPARE(parsed->tags[0].weight, 0.6);
        QCOMPARE(parsed->tags[1].name, std::string("hero"));
        QCOMPARE(parsed->tags[1].weight, 1.0);
        QCOMPARE(parsed->tags[2].name, std::string("x y"));
        QCOMPARE(parsed->tags[2].weight, -1.5);
        // No tags: the prompt stays exactly as written.
        QCOMPARE(parsePromptLoraTags("a,b ,  c <not a tag>")->prompt, std::string("a,b ,  c <not a tag>"));

        for (const char* bad :
             {"a <lora:ink:0.6", "<lora::1>", "<lora:ink:strong>", "<lora:ink:11>", "<lora:ink:1:0.5>"}) {
            auto r = parsePromptLoraTags(bad);
            QVERIFY2(!r, bad);
            QCOMPARE(r.error().code, hdr::core::ErrorCode::InvalidArgument);
        }
        QVERIFY(parsePromptLoraTags("<lora:ink:1:0.5>").error().message.find("<lora:ink:1:0.5>") !=
                std::string::npos);
    }

    void promptTagsResolveInFolders()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeText(root / "ink.safetensors", "x");
        writeText(root / "style" / "ink.safetensors", "x");
        writeText(root / "style" / "paper.safetensor", "x");
        writeText(root / "style" / "sub" / "deep.safetensors", "x");
        auto r = extractPromptLoras("<lora:ink:0.5> boat, <lora:paper> sea, <lora:sub/deep.safetensors:2>",
                                    {root / "style", root});
        HDR_VERIFY_OK(r);
        QCOMPARE(r->prompt, std::string("boat, sea"));
        QCOMPARE(r->loras.size(), std::size_t(3));
        QCOMPARE(r->loras[0].path, root / "style" / "ink.safetensors"); // the first folder wins
        QCOMPARE(r->loras[0].strength, 0.5);
        QCOMPARE(r->loras[0].kind, LoraKind::Prompt);
        QCOMPARE(r->loras[1].path, root / "style" / "paper.safetensor");
        QCOMPARE(r->loras[2].name, std::string("deep"));
        QCOMPARE(r->loras[2].strength, 2.0);

        auto missing = extractPromptLoras("x <lora:ghost:1>", {root});
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("'ghost'") != std::string::npos);
        QVERIFY(missing.error().message.find(root.string()) != std::string::npos);
        QCOMPARE(missing.error().where, std::string("ghost"));
        QVERIFY(!extractPromptLoras("<lora:../ink>", {root / "style"}));
        QVERIFY(!extractPromptLoras("<lora:/etc/passwd>", {root}));
        QVERIFY(!extractPromptLoras("<lora:ink>", {}));
        QCOMPARE(extractPromptLoras("no tags", {})->prompt, std::string("no tags"));
    }
};

HDR_TEST_MAIN(TestBatchPools)
#include "tst_batch_pools.moc"
