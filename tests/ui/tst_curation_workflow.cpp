// The app's curation use end to end, offscreen, on the tiny oracle models: the batch workflow makes
// stage-1 candidates (tiny-sd15), the MainWindow's Gallery opens the folder, key presses pick and
// reject, a filter shows the picks, "Upscale picked" runs stages 2 and 3 (tiny-rrdbnet-x2) as a job
// of the Jobs dock, the final appears beside its candidate, and the marks are in XMP sidecars
// that other tools read.
#include "batch/BatchRunner.h"
#include "catalog/XmpSidecar.h"
#include "jobs/JobManager.h"
#include "support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/gallery/GalleryPanel.h"

#include <QApplication>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace hdr;
namespace fs = std::filesystem;

class TestCurationWorkflow : public QObject {
    Q_OBJECT

private slots:
    void generateCurateUpscale()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15");
        HDR_REQUIRE_SHARED("oracle/models/tiny-rrdbnet-x2");
        QTemporaryDir dir;
        const fs::path root = fs::path(dir.path().toStdString()) / "batch";

        // Stage 1: three 64x64 candidates, as `hdrstudio-cli batch --stage1 --once --count 3`.
        batch::BatchConfig config;
        config.model = test::sharedPath("oracle/models/tiny-sd15");
        config.prompt = "a lighthouse at dusk";
        config.width = config.height = 64;
        config.steps = 4; // stage 2 at strength 0.25 runs int(4 · 0.25) = 1 step
        config.seed = 7;
        config.count = 3;
        config.threads = 2;
        config.stage2Scale = 2.0;
        config.stage2Strength = 0.25;
        config.upscaler = test::sharedPath("oracle/models/tiny-rrdbnet-x2/tiny-rrdbnet-x2.pth");
        config.tileRefine = false;
        config.output = root;
        batch::BatchRunOptions stage1;
        stage1.mode = batch::BatchMode::Stage1;
        stage1.once = true;
        core::NullJobContext quiet;
        auto made = batch::runBatch(config, stage1, quiet);
        HDR_VERIFY_OK(made);
        QCOMPARE(made->stage1Images, 3);

        core::JobManager jobs;
        ui::MainWindow window(&jobs);
        window.setErrorDialogsEnabled(false);
        window.resize(1400, 860);
        window.show();
        ui::GalleryPanel* gallery = window.gallery();
        QSignalSpy opened(gallery, &ui::GalleryPanel::folderOpened);
        window.openGalleryFolder(QString::fromStdString(root.string()));
        QVERIFY(opened.wait(20000));
        QTRY_VERIFY_WITH_TIMEOUT(!gallery->isBusy(), 20000);
        QCOMPARE(window.currentWorkspace(), ui::MainWindow::Workspace::Gallery);
        QCOMPARE(gallery->totalCount(), 3);
        const QStringList images = gallery->visibleImages();

        // Cull with the keys: pick the first, reject the second, 4 stars on the third. The
        // Viewer's single-key shortcuts (E, 1, F...) must not steal them in this workspace.
        QListView* grid = gallery->gridView();
        grid->setFocus();
        const auto select = [&](int row) {
            grid->selectionModel()->setCurrentIndex(grid->model()->index(row, 0),
                                                    QItemSelectionModel::ClearAndSelect);
        };
        select(0);
        QTest::keyClick(grid, Qt::Key_P);
        select(1);
        QTest::keyClick(grid, Qt::Key_X);
        select(2);
        QTest::keyClick(grid, Qt::Key_4);
        QTRY_VERIFY_WITH_TIMEOUT(!gallery->isBusy(), 10000);
        QCOMPARE(gallery->pickedImages(), QStringList{images[0]});
        const auto sidecar = [](const QString& image) {
            auto read = catalog::readSidecar(image.toStdString());
            return read ? read->marks : catalog::CullMarks{};
        };
        QCOMPARE(sidecar(images[0]).flag, catalog::Flag::Picked);
        QCOMPARE(sidecar(images[1]).flag, catalog::Flag::Rejected);
        QCOMPARE(sidecar(images[2]).stars, 4);
        // Other tools read the rating: the sidecar holds xmp:Rating (-1 = rejected).
        std::ifstream rejected(catalog::sidecarPathFor(images[1].toStdString()));
        const std::string xmp((std::istreambuf_iterator<char>(rejected)), {});
        QVERIFY2(xmp.find("xmp:Rating=\"-1\"") != std::string::npos ||
                     xmp.find("<xmp:Rating>-1") != std::string::npos,
                 xmp.c_str());

        // A filter: picked only.
        catalog::CandidateFilter picked;
        picked.flag = catalog::FlagFilter::Picked;
        gallery->setFilter(picked);
        QCOMPARE(gallery->visibleCount(), 1);

        // Upscale picked: one job in the Jobs dock; the final appears beside its candidate.
        QTest::mouseClick(gallery->upscaleButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!jobs.jobs().isEmpty(), 5000);
        const auto upscaled = [&] {
            return gallery->candidate(images[0]) && !gallery->candidate(images[0])->finals.empty();
        };
        QTRY_VERIFY_WITH_TIMEOUT(upscaled() || jobs.jobs().front().finished(), 120000);
        QVERIFY2(jobs.jobs().front().state == core::JobState::Succeeded,
                 qPrintable(jobs.jobs().front().error));
        QTRY_VERIFY_WITH_TIMEOUT(upscaled(), 10000);
        jobs.waitForAll();
        QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
        const fs::path final = gallery->candidate(images[0])->finals.front();
        QVERIFY(fs::exists(final));
        // 64 px -> stage 2 (x2) -> stage 3 (x2 network): 256 px.
        QVERIFY2(final.filename().string().find("_final_256x256.png") != std::string::npos, final.c_str());
        // The rejected and unrated candidates were not upscaled.
        QVERIFY(gallery->candidate(images[1])->finals.empty());
        QVERIFY(gallery->candidate(images[2])->finals.empty());
        // The stage-1 record lists its final.
        std::ifstream recordFile(root / "metadata" /
                                 (fs::path(images[0].toStdString()).stem().string() + ".json"));
        const auto record = nlohmann::json::parse(recordFile);
        QCOMPARE(record["finals"].size(), std::size_t(1));
        if (const QByteArray shots = qgetenv("HDR_SCREENSHOT_DIR"); !shots.isEmpty()) {
            window.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/curation-gallery.png"));
        }
    }
};

HDR_GUI_TEST_MAIN(TestCurationWorkflow)
#include "tst_curation_workflow.moc"
