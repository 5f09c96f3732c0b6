// The batch output tree (core/batch/OutputTree.h) and its metadata records (ImageRecord.h): the
// exact names the gallery reads, fresh stamps that are never reused, the --upscale work list and
// its skip rules, and the atomic update of a stage-1 record's "finals".
#include "batch/ImageRecord.h"
#include "batch/OutputTree.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <fstream>
#include <regex>

using namespace hdr::batch;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path, const std::string& text = "x")
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

std::chrono::system_clock::time_point localTime(int year, int month, int day, int h, int m, int s)
{
    std::tm t{};
    t.tm_year = year - 1900;
    t.tm_mon = month - 1;
    t.tm_mday = day;
    t.tm_hour = h;
    t.tm_min = m;
    t.tm_sec = s;
    t.tm_isdst = -1;
    return std::chrono::system_clock::from_time_t(std::mktime(&t));
}

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

class TestBatchTree : public QObject {
    Q_OBJECT

private slots:
    void names()
    {
        OutputTree tree("/out");
        QCOMPARE(tree.stage1Path("20250102_030405", 832, 1216).string(),
                 std::string("/out/stage1/20250102_030405_stage1_832x1216.png"));
        QCOMPARE(tree.finalPath("20250102_030405-2", 3328, 4864).string(),
                 std::string("/out/final/20250102_030405-2_final_3328x4864.png"));
        QCOMPARE(tree.metadataPathFor(tree.stage1Path("20250102_030405", 64, 64)).string(),
                 std::string("/out/metadata/20250102_030405_stage1_64x64.json"));
        QCOMPARE(tree.metadataPathFor(tree.finalPath("20250102_030405", 256, 256)).string(),
                 std::string("/out/metadata/20250102_030405_final_256x256.json"));
        QCOMPARE(tree.intermediatePath(Intermediate::Stage2Up, "20250102_030405", "", 128, 128).string(),
                 std::string("/out/intermediates/stage2_up/20250102_030405_stage2_up_128x128.png"));
        QCOMPARE(tree.intermediatePath(Intermediate::Stage2, "20250102_030405", "", 128, 128).string(),
                 std::string("/out/intermediates/stage2/20250102_030405_stage2_128x128.png"));
        QCOMPARE(tree.intermediatePath(Intermediate::Stage3Up, "20250102_030405", "", 512, 512).string(),
                 std::string("/out/intermediates/stage3_up/20250102_030405_stage3_up_512x512.png"));
        QCOMPARE(tree.intermediatePath(Intermediate::Tiles, "20250102_030405", "1_2", 128, 128).string(),
                 std::string("/out/intermediates/tiles/20250102_030405_tile_1_2_128x128.png"));
        QCOMPARE(tree.relative(tree.stage1Path("20250102_030405", 64, 64)),
                 std::string("stage1/20250102_030405_stage1_64x64.png"));

        const auto parsed = parseBatchFileName("20250102_030405-12_stage1_832x1216.png");
        QVERIFY(parsed);
        QCOMPARE(parsed->stamp, std::string("20250102_030405-12"));
        QCOMPARE(parsed->kind, std::string("stage1"));
        QCOMPARE(parsed->width, 832);
        QCOMPARE(parsed->height, 1216);
        QCOMPARE(parseBatchFileName("20250102_030405_final_8x16.png")->kind, std::string("final"));
        for (const char* bad : {"20250102_030405_stage2_64x64.png",
                                "2025010_030405_stage1_64x64.png",
                                "20250102_030405_stage1_64.png",
                                "20250102_030405_stage1_64x64",
                                "20250102_03a405_stage1_64x64.png",
                                "20250102_030405-_stage1_64x64.png",
                                "00001-42.png"})
            QVERIFY2(!parseBatchFileName(bad), bad);
        QVERIFY(stampLess("20250102_030405", "20250102_030405-1"));
        QVERIFY(stampLess("20250102_030405-2", "20250102_030405-10"));
        QVERIFY(stampLess("20250102_030405-10", "20250102_030406"));
        QVERIFY(!stampLess("20250102_030405-3", "20250102_030405-3"));
    }

    void stampsAreFreshAndNeverReused()
    {
        QTemporaryDir dir;
        OutputTree tree(dir.path().toStdString());
        HDR_VERIFY_OK(tree.createFolders());
        for (const char* sub : {"stage1",
                                "final",
                                "metadata",
                                "intermediates/stage2_up",
                                "intermediates/stage2",
                                "intermediates/stage3_up",
                                "intermediates/tiles"})
            QVERIFY2(fs::is_directory(tree.root() / sub), sub);
        const auto now = localTime(2025, 3, 4, 5, 6, 7);
        auto first = tree.allocateStamp(now);
        HDR_VERIFY_OK(first);
        QCOMPARE(*first, std::string("20250304_050607"));
        // Same second, same object: the next number, even before any file exists.
        QCOMPARE(*tree.allocateStamp(now), std::string("20250304_050607-1"));
        // Another object (another run) sees the files: a stamp used by any folder is taken.
        touch(tree.stage1Path("20250304_050608", 64, 64));
        touch(tree.intermediatePath(Intermediate::Tiles, "20250304_050608-1", "0_0", 8, 8));
        touch(tree.finalPath("20250304_050608-2", 8, 8));
        touch(tree.metadataDir() / "20250304_050608-3_stage1_64x64.json");
        OutputTree other(tree.root());
        QCOMPARE(*other.allocateStamp(localTime(2025, 3, 4, 5, 6, 8)), std::string("20250304_050608-4"));
        QCOMPARE(*other.allocateStamp(localTime(2025, 3, 4, 5, 6, 9)), std::string("20250304_050609"));
        // Hidden temporaries of a write in progress do not block a stamp.
        touch(tree.stage1Dir() / ".20250304_050610_stage1_64x64.png.tmp-1-1");
        QCOMPARE(*other.allocateStamp(localTime(2025, 3, 4, 5, 6, 10)), std::string("20250304_050610"));
    }

    void upscaleWorkListSkipsWhatItMust()
    {
        QTemporaryDir dir;
        OutputTree tree(dir.path().toStdString());
        QVERIFY(!tree.pendingUpscales()); // no stage1/ yet: an error that says to run --stage1
        HDR_VERIFY_OK(tree.createFolders());
        auto none = tree.pendingUpscales();
        HDR_VERIFY_OK(none);
        QVERIFY(none->empty());

        const auto addStage1 = [&](const std::string& stamp, bool withMetadata) {
            const fs::path image = tree.stage1Path(stamp, 64, 48);
            touch(image);
            if (withMetadata) touch(tree.metadataPathFor(image), "{}");
        };
        addStage1("20250101_000002", true);    // pending
        addStage1("20250101_000001-10", true); // pending
        addStage1("20250101_000001-2", true);  // pending, before -10
        addStage1("20250101_000003", false);   // no metadata: skipped
        addStage1("20250101_000004", true);    // has a final: skipped
        touch(tree.finalPath("20250101_000004", 256, 192));
        touch(tree.metadataPathFor(tree.stage1Path("20250101_000005", 64, 48)), "{}"); // metadata, no image
        touch(tree.stage1Dir() / "notes.png");                                         // not a batch name
        touch(tree.stage1Dir() / "20250101_000006_stage1_64x48.jpg");                  // not a PNG
        touch(tree.stage1Dir() / ".20250101_000007_stage1_64x48.png.tmp-9-9");         // a write in progress
        fs::create_directories(tree.stage1Dir() / "20250101_000008_stage1_64x48.png"); // a folder

        auto pending = tree.pendingUpscales();
        HDR_VERIFY_OK(pending);
        std::vector<std::string> stamps;
        for (const PendingImage& p : *pending)
            stamps.push_back(p.stamp);
        QCOMPARE(stamps,
                 (std::vector<std::string>{"20250101_000001-2", "20250101_000001-10", "20250101_000002"}));
        QCOMPARE(pending->front().width, 64);
        QCOMPARE(pending->front().height, 48);
        QCOMPARE(pending->front().metadata, tree.metadataDir() / "20250101_000001-2_stage1_64x48.json");
        QVERIFY(tree.hasFinal("20250101_000004"));
        QVERIFY(!tree.hasFinal("20250101_000002"));

        // Once its final exists, an image leaves the list.
        touch(tree.finalPath("20250101_000002", 256, 192));
        QCOMPARE(tree.pendingUpscales()->size(), std::size_t(2));
    }

    void recordsRoundTripAndFinalsUpdate()
    {
        QTemporaryDir dir;
        OutputTree tree(dir.path().toStdString());
        HDR_VERIFY_OK(tree.createFolders());
        ImageRecord r;
        r.stage = "stage1";
        r.image = "stage1/20250101_000001_stage1_64x64.png";
        r.stamp = "20250101_000001";
        r.parameters = {{"prompt", "a \xff lighthouse"}, {"seed", 42}};
        r.loras = {{LoraKind::Character, "alice", "/l/character/alice.safetensors", 1.0, "alice person"},
                   {LoraKind::Style, "ink", "/l/style/ink.safetensors", 0.85, ""}};
        r.promptOptions = {"at dusk"};
        r.config = {{"stage2Scale", 2.0}};
        const std::string text = recordText(r);
        const auto j = nlohmann::json::parse(text);
        QCOMPARE(j.at("stage").get<std::string>(), std::string("stage1"));
        QVERIFY(j.at("finals") == nlohmann::json::array());
        QVERIFY(!j.contains("source"));
        QCOMPARE(j.at("loras").at(0).at("kind").get<std::string>(), std::string("character"));
        QCOMPARE(j.at("loras").at(0).at("trigger").get<std::string>(), std::string("alice person"));
        QCOMPARE(j.at("loras").at(1).at("strength").get<double>(), 0.85);
        QCOMPARE(j.at("parameters").at("prompt").get<std::string>(),
                 std::string("a \xEF\xBF\xBD lighthouse"));

        const fs::path json = tree.metadataDir() / "20250101_000001_stage1_64x64.json";
        touch(json, text);
        auto back = readImageRecord(json);
        HDR_VERIFY_OK(back);
        QCOMPARE(back->loras.size(), std::size_t(2));
        QCOMPARE(back->loras[0], r.loras[0]);
        QCOMPARE(back->promptOptions, r.promptOptions);
        QCOMPARE(back->parameters.at("seed").get<int>(), 42);

        HDR_VERIFY_OK(tree.appendToRecord(json, "finals", "final/20250101_000001_final_256x256.png"));
        HDR_VERIFY_OK(tree.appendToRecord(json, "finals", "final/20250101_000001_final_256x256.png"));
        HDR_VERIFY_OK(tree.appendToRecord(json, "finals", "final/20250101_000001_final_512x512.png"));
        const auto updated = nlohmann::json::parse(readText(json));
        QVERIFY(updated.at("finals") == nlohmann::json({"final/20250101_000001_final_256x256.png",
                                                        "final/20250101_000001_final_512x512.png"}));
        QVERIFY(updated.at("loras") == j.at("loras")); // the rest is kept
        // No temporary is left next to it.
        int files = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(tree.metadataDir()))
            ++files;
        QCOMPARE(files, 1);

        ImageRecord f = r;
        f.stage = "final";
        f.source = r.image;
        f.intermediates = {"intermediates/stage2/x.png"};
        const auto fj = recordJson(f);
        QCOMPARE(fj.at("source").get<std::string>(), r.image);
        QVERIFY(!fj.contains("finals"));
        QVERIFY(fj.at("hdr") == nlohmann::json::array());

        // Damaged records are errors naming the file, never a crash.
        touch(json, "{\"finals\": 3}");
        QVERIFY(!tree.appendToRecord(json, "finals", "x"));
        touch(json, "[1, 2");
        auto broken = readImageRecord(json);
        QVERIFY(!broken);
        QCOMPARE(broken.error().where, json.string());
        QVERIFY(!tree.appendToRecord(tree.metadataDir() / "missing.json", "finals", "x"));
    }
};

HDR_TEST_MAIN(TestBatchTree)
#include "tst_batch_tree.moc"
