// Catalog: scanning a batch tree (metadata JSON, PNG "parameters" fallback, finals), plain folders,
// incremental refresh while files appear, marks written to sidecars, moving rejected candidates.
#include "catalog/Catalog.h"
#include "catalog/RejectedMove.h"
#include "catalog/XmpSidecar.h"
#include "core/catalog/SyntheticBatch.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace hdr::catalog;
using namespace hdr::test::catalog;
namespace fs = std::filesystem;

namespace {

const SyntheticLora kHero{"character", "hero", 1.0};
const SyntheticLora kInk{"style", "inkwash", 0.6};

std::vector<SyntheticCandidate> batchOfFour()
{
    return {
        {"20240501_101112", 11, "a knight in the rain", "blurry", {kHero}},
        {"20240501_101112-1", 12, "a knight at dawn", "", {kHero, kInk}},
        {"20240501_101113", 13, "a castle, ink", "low quality", {kInk}},
        {"20240501_101114", 14, "an empty field", "", {}},
    };
}

} // namespace

class TestCatalog : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    int m_folders = 0;

    fs::path freshFolder()
    {
        const fs::path folder = fs::path(m_dir.path().toStdString()) / ("f" + std::to_string(m_folders++));
        fs::create_directories(folder);
        return folder;
    }

private slots:
    void scansBatchTree()
    {
        const fs::path root = freshFolder();
        auto batch = batchOfFour();
        batch[3].writeJson = false; // the PNG's own text has to do
        for (const auto& c : batch)
            writeCandidate(root, c);
        writeFinal(root, batch[1], 4096, 4096);
        fs::create_directories(root / "intermediates");
        writeSmallPng(root / "intermediates" / "x.png", 1, 1, 1, {});

        auto catalog = Catalog::open(root);
        HDR_VERIFY_OK(catalog);
        QCOMPARE(catalog->layout(), CatalogLayout::Batch);
        auto summary = catalog->refresh();
        HDR_VERIFY_OK(summary);
        QCOMPARE(summary->added, 4);
        const auto& cs = catalog->candidates();
        QCOMPARE(cs.size(), std::size_t(4));
        // Ordered by stamp: "-1" comes after the plain stamp of the same second.
        QCOMPARE(cs[0].stamp, std::string("20240501_101112"));
        QCOMPARE(cs[1].stamp, std::string("20240501_101112-1"));

        const Candidate& first = cs[0];
        QCOMPARE(first.prompt, std::string("a knight in the rain"));
        QCOMPARE(first.negative.value_or("?"), std::string("blurry"));
        QCOMPARE(first.seed.value_or(0), std::uint64_t(11));
        QCOMPARE(first.sampler, std::string("euler"));
        QCOMPARE(first.steps, 30);
        QCOMPARE(first.cfg, 7.0);
        QCOMPARE(first.width, 1024);
        QCOMPARE(first.modelName, std::string("sdxl_base.safetensors"));
        QCOMPARE(first.promptOptions, std::vector<std::string>{"golden hour"});
        QCOMPARE(first.metadata, root / "metadata" / (batch[0].stem() + ".json"));
        QVERIFY(first.problem.empty());
        QVERIFY(first.finals.empty());

        const Candidate& second = cs[1];
        QVERIFY(!second.negative.has_value()); // JSON null
        QCOMPARE(second.loras.size(), std::size_t(2));
        QCOMPARE(second.loras[1], (LoraUse{"style", "inkwash", "/loras/style/inkwash.safetensors", 0.6}));
        QCOMPARE(second.finals,
                 std::vector<fs::path>{root / "final" / "20240501_101112-1_final_4096x4096.png"});

        // No JSON: prompt, seed and LoRAs from the PNG's A1111 text.
        const Candidate& fallback = cs[3];
        QVERIFY(fallback.metadata.empty());
        QCOMPARE(fallback.prompt, std::string("an empty field"));
        QCOMPARE(fallback.seed.value_or(0), std::uint64_t(14));
        QCOMPARE(fallback.sampler, std::string("Euler"));
        QCOMPARE(fallback.modelName, std::string("sdxl_base.safetensors"));
        QCOMPARE(fallback.stamp, std::string("20240501_101114"));

        QCOMPARE(catalog->loraNames(), (std::vector<std::string>{"hero", "inkwash"}));

        // The stage1/ folder itself opens the whole batch.
        auto fromStage1 = Catalog::open(root / "stage1");
        HDR_VERIFY_OK(fromStage1);
        QCOMPARE(fromStage1->root(), root);
        QCOMPARE(fromStage1->layout(), CatalogLayout::Batch);
    }

    void brokenMetadataFallsBackToPngText()
    {
        const fs::path root = freshFolder();
        const auto batch = batchOfFour();
        writeCandidate(root, batch[2]);
        std::ofstream(root / "metadata" / (batch[2].stem() + ".json")) << "{ not json";
        auto catalog = Catalog::open(root);
        HDR_VERIFY_OK(catalog->refresh());
        const Candidate& c = catalog->candidates().at(0);
        QVERIFY(c.problem.find("not a JSON object") != std::string::npos);
        QCOMPARE(c.prompt, std::string("a castle, ink"));
        QCOMPARE(c.negative.value_or(""), std::string("low quality"));
        QCOMPARE(c.loras.size(), std::size_t(1));
        QCOMPARE(c.loras[0].name, std::string("inkwash"));
        QCOMPARE(c.loras[0].strength, 0.6);
    }

    void plainFolder()
    {
        const fs::path folder = freshFolder();
        writeSmallPng(folder / "b.png",
                      1,
                      0,
                      0,
                      "sunset over sea\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, "
                      "CFG scale: 5.5, Seed: 99, Size: 512x768, Model: other");
        writeSmallPng(folder / "a.png", 0, 1, 0, {});
        std::ofstream(folder / "notes.txt") << "not an image";
        std::ofstream(folder / ".a.png.tmp-1-2") << "a half-written temp file";
        fs::create_directories(folder / "final"); // not a batch without stage1/
        auto catalog = Catalog::open(folder);
        HDR_VERIFY_OK(catalog);
        QCOMPARE(catalog->layout(), CatalogLayout::PlainFolder);
        HDR_VERIFY_OK(catalog->refresh());
        const auto& cs = catalog->candidates();
        QCOMPARE(cs.size(), std::size_t(2));
        QCOMPARE(cs[0].image.filename().string(), std::string("a.png"));
        QCOMPARE(cs[0].width, 48); // from IHDR
        QVERIFY(cs[0].prompt.empty());
        QCOMPARE(cs[1].prompt, std::string("sunset over sea"));
        QCOMPARE(cs[1].sampler, std::string("DPM++ 2M Karras"));
        QCOMPARE(cs[1].cfg, 5.5);
        QCOMPARE(cs[1].width, 512);
        QCOMPARE(cs[1].height, 768);
        QVERIFY(cs[1].stamp.empty());
    }

    void incrementalRefresh()
    {
        const fs::path root = freshFolder();
        auto batch = batchOfFour();
        writeCandidate(root, batch[0]);
        auto catalog = Catalog::open(root);
        HDR_VERIFY_OK(catalog);
        QCOMPARE(catalog->refresh()->added, 1);
        auto same = catalog->refresh();
        HDR_VERIFY_OK(same);
        QVERIFY(!same->any());

        // A new candidate appears while the batch runs; its JSON comes a moment later.
        batch[1].writeJson = false;
        writeCandidate(root, batch[1]);
        QCOMPARE(catalog->refresh()->added, 1);
        QVERIFY(catalog->candidates()[1].metadata.empty());
        batch[1].writeJson = true;
        writeCandidate(root, batch[1]);
        auto withJson = catalog->refresh();
        QCOMPARE(withJson->changed, 1);
        QCOMPARE(catalog->candidates()[1].promptOptions.size(), std::size_t(1));

        // Another tool rates it (a digiKam-style sidecar appears).
        writeSidecar(catalog->candidates()[0].image, CullMarks{Flag::Picked, 2}).value();
        QCOMPARE(catalog->refresh()->changed, 1);
        QCOMPARE(catalog->candidates()[0].marks, (CullMarks{Flag::Picked, 2}));

        // The upscale stage writes a final.
        writeFinal(root, batch[0], 2048, 2048);
        auto withFinal = catalog->refresh();
        QCOMPARE(withFinal->changed, 1);
        QCOMPARE(catalog->candidates()[0].finals.size(), std::size_t(1));

        // Marks set here do not show up as a change.
        HDR_VERIFY_OK(catalog->setMarks(catalog->candidates()[1].image, CullMarks{Flag::Rejected, 0}));
        QVERIFY(!catalog->refresh()->any());
        QCOMPARE(catalog->candidates()[1].marks.flag, Flag::Rejected);
        QCOMPARE(readSidecar(catalog->candidates()[1].image)->marks.flag, Flag::Rejected);

        fs::remove(catalog->candidates()[0].image);
        QCOMPARE(catalog->refresh()->removed, 1);
        QCOMPARE(catalog->candidates().size(), std::size_t(1));
        QVERIFY(!catalog->setMarks(root / "stage1" / "nope.png", CullMarks{}));
    }

    void batchFoldersAppearLater()
    {
        const fs::path root = freshFolder();
        auto catalog = Catalog::open(root);
        QCOMPARE(catalog->layout(), CatalogLayout::PlainFolder);
        writeCandidate(root, batchOfFour()[0]);
        HDR_VERIFY_OK(catalog->refresh());
        QCOMPARE(catalog->layout(), CatalogLayout::Batch);
        QCOMPARE(catalog->candidates().size(), std::size_t(1));
    }

    void missingFolderIsAnError()
    {
        auto catalog = Catalog::open(freshFolder() / "absent");
        QVERIFY(!catalog);
        QCOMPARE(catalog.error().code, hdr::core::ErrorCode::InvalidArgument);
    }

    void moveRejectedOnlyWhenConfirmed()
    {
        const fs::path root = freshFolder();
        auto batch = batchOfFour();
        for (const auto& c : batch)
            writeCandidate(root, c);
        writeFinal(root, batch[1], 4096, 4096);
        auto catalog = Catalog::open(root);
        HDR_VERIFY_OK(catalog->refresh());
        const auto& cs = catalog->candidates();
        HDR_VERIFY_OK(catalog->setMarks(cs[1].image, CullMarks{Flag::Rejected, 0}));
        HDR_VERIFY_OK(catalog->setMarks(cs[2].image, CullMarks{Flag::Rejected, 0}));
        HDR_VERIFY_OK(catalog->setMarks(cs[3].image, CullMarks{Flag::Picked, 5}));

        const RejectedMovePlan plan = planRejectedMove(catalog->root(), catalog->candidates());
        QCOMPARE(plan.items.size(), std::size_t(2));
        QCOMPARE(plan.finalsCount, std::size_t(1));
        // image, JSON, sidecar; the second also its final, the final's JSON.
        QCOMPARE(plan.items[0].files.size(), std::size_t(5));
        QCOMPARE(plan.items[1].files.size(), std::size_t(3));
        QCOMPARE(plan.fileCount(), std::size_t(8));

        // Declined, or nobody asked: nothing moves.
        int asked = 0;
        auto declined = moveRejected(plan, [&](const RejectedMovePlan& p) {
            ++asked;
            return p.items.size() == 2 && false;
        });
        QCOMPARE(asked, 1);
        QVERIFY(!declined.confirmed);
        QVERIFY(declined.movedImages.empty());
        QVERIFY(!moveRejected(plan, {}).confirmed);
        QVERIFY(fs::exists(cs[1].image));
        QVERIFY(!fs::exists(root / "rejected"));

        // A file already in rejected/ keeps that candidate where it is; the other one moves.
        fs::create_directories(root / "rejected" / "stage1");
        std::ofstream(root / "rejected" / "stage1" / cs[2].image.filename()) << "older";
        auto report = moveRejected(plan, [](const RejectedMovePlan&) { return true; });
        QVERIFY(report.confirmed);
        QCOMPARE(report.movedImages, std::vector<fs::path>{cs[1].image});
        QCOMPARE(report.failures.size(), std::size_t(1));
        QVERIFY(report.failures[0].message.find("already has") != std::string::npos);
        QVERIFY(fs::exists(cs[2].image));
        QVERIFY(fs::exists(sidecarPathFor(cs[2].image)));

        const fs::path moved = root / "rejected" / "stage1" / cs[1].image.filename();
        QVERIFY(fs::exists(moved));
        QVERIFY(fs::exists(sidecarPathFor(moved)));
        QVERIFY(fs::exists(root / "rejected" / "metadata" / (batch[1].stem() + ".json")));
        QVERIFY(fs::exists(root / "rejected" / "final" / "20240501_101112-1_final_4096x4096.png"));
        QVERIFY(fs::exists(root / "rejected" / "metadata" / "20240501_101112-1_final_4096x4096.json"));
        QVERIFY(!fs::exists(cs[1].image));
        QVERIFY(fs::exists(cs[3].image)); // picked: untouched
        QVERIFY(fs::exists(cs[0].image));

        auto after = catalog->refresh();
        QCOMPARE(after->removed, 1);
        QCOMPARE(catalog->candidates().size(), std::size_t(3));
    }
};

HDR_TEST_MAIN(TestCatalog)
#include "tst_catalog.moc"
