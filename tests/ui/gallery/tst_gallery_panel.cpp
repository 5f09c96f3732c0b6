// The curation gallery on the offscreen platform: a synthetic batch (8 candidates, 2 LoRAs, one
// final) culled with Lightroom's keys, marks checked in the sidecars on disk, the filter bar, the
// three views, "Upscale picked", a final appearing after the upscale stage, and "Delete rejected"
// answering its confirmation both ways. HDR_SCREENSHOT_DIR=<folder> saves screenshots.
#include "catalog/XmpSidecar.h"
#include "core/catalog/SyntheticBatch.h"
#include "jobs/JobManager.h"
#include "support/TestSupport.h"
#include "ui/gallery/GalleryFilterBar.h"
#include "ui/gallery/GalleryPanel.h"
#include "ui/gallery/ImagePane.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>

#include <filesystem>
#include <fstream>

using namespace hdr;
using namespace hdr::test::catalog;
namespace fs = std::filesystem;

namespace {

const SyntheticLora kHero{"character", "hero", 1.0};
const SyntheticLora kInk{"style", "inkwash", 0.6};

std::vector<SyntheticCandidate> fixture()
{
    return {
        {"20240501_101112",
         101,
         "a knight in the rain, cinematic",
         "blurry",
         {kHero},
         1024,
         1024,
         true,
         0.8f,
         0.2f,
         0.2f},
        {"20240501_101112-1", 102, "a knight at dawn", "", {kHero, kInk}, 1024, 1024, true, 0.9f, 0.6f, 0.2f},
        {"20240501_101113", 103, "castle on a hill, rain", "", {kInk}, 1024, 1024, true, 0.3f, 0.6f, 0.3f},
        {"20240501_101114",
         104,
         "portrait of a knight, rain",
         "",
         {kHero},
         832,
         1216,
         true,
         0.2f,
         0.4f,
         0.8f},
        {"20240501_101115", 105, "misty forest", "", {}, 1024, 1024, true, 0.4f, 0.7f, 0.5f},
        {"20240501_101116", 106, "castle ruins at night", "", {kInk}, 1024, 1024, true, 0.3f, 0.3f, 0.5f},
        {"20240501_101117", 107, "a knight resting", "", {kHero}, 1024, 1024, true, 0.7f, 0.5f, 0.7f},
        {"20240501_101118", 108, "empty field", "", {}, 1216, 832, true, 0.6f, 0.6f, 0.2f},
    };
}

catalog::CullMarks onDisk(const QString& image)
{
    auto read = catalog::readSidecar(image.toStdString());
    if (!read) qFatal("%s", read.error().describe().c_str());
    return read->marks;
}

void screenshot(QWidget* widget, const char* name)
{
    const QByteArray dir = qgetenv("HDR_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    widget->grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + QLatin1String(name));
}

} // namespace

class TestGalleryPanel : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path m_root;
    std::vector<SyntheticCandidate> m_batch = fixture();
    core::JobManager* m_jobs = nullptr;
    ui::GalleryPanel* m_panel = nullptr;
    QStringList m_images; // in time order

    QString image(int i) const { return m_images.at(i); }
    catalog::CullMarks marks(int i) const { return m_panel->candidate(image(i))->marks; }
    void key(int k, Qt::KeyboardModifiers mods = Qt::NoModifier)
    {
        QWidget* target = m_panel->view() == ui::GalleryPanel::View::Grid
                              ? static_cast<QWidget*>(m_panel->gridView())
                          : m_panel->view() == ui::GalleryPanel::View::Loupe
                              ? static_cast<QWidget*>(m_panel->loupeView())
                              : static_cast<QWidget*>(m_panel->compareRight());
        QTest::keyClick(target, Qt::Key(k), mods);
    }
    bool settle()
    {
        return QTest::qWaitFor([this] { return !m_panel->isBusy(); }, 10000);
    }

private slots:
    void initTestCase()
    {
        m_root = fs::path(m_dir.path().toStdString()) / "batch";
        for (const auto& c : m_batch)
            m_images << QString::fromStdString(writeCandidate(m_root, c).string());
        writeFinal(m_root, m_batch[1], 4096, 4096);
        // Another tool's broken sidecar: shown as a problem, never overwritten.
        std::ofstream(catalog::sidecarPathFor(m_images.last().toStdString())) << "<x:xmpmeta>broken";
        fs::create_directories(m_root / "intermediates");

        m_jobs = new core::JobManager;
        m_panel = new ui::GalleryPanel(m_jobs);
        m_panel->resize(1280, 760);
        m_panel->show();
        QSignalSpy opened(m_panel, &ui::GalleryPanel::folderOpened);
        m_panel->openFolder(QString::fromStdString(m_root.string()));
        QVERIFY(opened.wait(10000));
        QVERIFY(settle());
    }

    void cleanupTestCase()
    {
        delete m_panel;
        m_jobs->waitForAll();
        delete m_jobs;
    }

    void opensBatch()
    {
        QCOMPARE(m_panel->folder(), QString::fromStdString(m_root.string()));
        QCOMPARE(m_panel->totalCount(), 8);
        QCOMPARE(m_panel->visibleCount(), 8);
        QCOMPARE(m_panel->visibleImages(), m_images);
        QCOMPARE(m_panel->currentImage(), image(0));
        QVERIFY(m_panel->detailsText().contains(QStringLiteral("a knight in the rain, cinematic")));
        QVERIFY(m_panel->detailsText().contains(QStringLiteral("blurry")));
        QVERIFY(m_panel->detailsText().contains(QStringLiteral("hero")));
        QCOMPARE(m_panel->candidate(image(1))->finals.size(), std::size_t(1));
        QVERIFY(!m_panel->candidate(image(7))->problem.empty());
        QVERIFY(m_panel->statusText().startsWith(QStringLiteral("8 of 8 shown")));
        // The LoRA combo lists the names the catalog found.
        QComboBox* loras = m_panel->filterBar()->loraCombo();
        QCOMPARE(loras->count(), 3);
        QCOMPARE(loras->itemText(1), QStringLiteral("hero"));
        QCOMPARE(loras->itemText(2), QStringLiteral("inkwash"));
        screenshot(m_panel, "gallery-open.png");
    }

    void cullWithKeys()
    {
        m_panel->gridView()->setFocus();
        key(Qt::Key_P); // row 0: picked
        QCOMPARE(marks(0), (catalog::CullMarks{catalog::Flag::Picked, 0}));
        key(Qt::Key_Right);
        QCOMPARE(m_panel->currentImage(), image(1));
        key(Qt::Key_X); // row 1: rejected
        key(Qt::Key_Right);
        key(Qt::Key_4); // row 2: four stars
        QCOMPARE(m_panel->currentImage(), image(2));
        key(Qt::Key_P, Qt::ShiftModifier); // picked, then on to row 3
        QCOMPARE(marks(2), (catalog::CullMarks{catalog::Flag::Picked, 4}));
        QCOMPARE(m_panel->currentImage(), image(3));
        m_panel->setAutoAdvance(true);
        key(Qt::Key_3); // row 3: three stars, auto-advance to row 4
        QCOMPARE(m_panel->currentImage(), image(4));
        m_panel->setAutoAdvance(false);
        key(Qt::Key_U);
        QCOMPARE(m_panel->currentImage(), image(4));
        // Two cells selected: both get the stars.
        QItemSelectionModel* selection = m_panel->gridView()->selectionModel();
        const QModelIndex five = m_panel->gridView()->model()->index(5, 0);
        const QModelIndex six = m_panel->gridView()->model()->index(6, 0);
        selection->setCurrentIndex(five, QItemSelectionModel::ClearAndSelect);
        selection->select(six, QItemSelectionModel::Select);
        key(Qt::Key_2);
        QCOMPARE(marks(5).stars, 2);
        QCOMPARE(marks(6).stars, 2);

        QVERIFY(settle());
        QCOMPARE(onDisk(image(0)), (catalog::CullMarks{catalog::Flag::Picked, 0}));
        QCOMPARE(onDisk(image(1)), (catalog::CullMarks{catalog::Flag::Rejected, 0}));
        QCOMPARE(onDisk(image(2)), (catalog::CullMarks{catalog::Flag::Picked, 4}));
        QCOMPARE(onDisk(image(3)), (catalog::CullMarks{catalog::Flag::None, 3}));
        QCOMPARE(onDisk(image(5)), (catalog::CullMarks{catalog::Flag::None, 2}));
        QCOMPARE(onDisk(image(6)), (catalog::CullMarks{catalog::Flag::None, 2}));
        QVERIFY(!catalog::existingSidecar(image(4).toStdString())); // nothing to say: no file
        QVERIFY(m_panel->statusText().contains(QStringLiteral("2 picked")));
        QVERIFY(m_panel->statusText().contains(QStringLiteral("1 rejected")));
    }

    void brokenSidecarIsAnErrorNotAnOverwrite()
    {
        QSignalSpy errors(m_panel, &ui::GalleryPanel::errorOccurred);
        m_panel->gridView()->selectionModel()->setCurrentIndex(m_panel->gridView()->model()->index(7, 0),
                                                               QItemSelectionModel::ClearAndSelect);
        key(Qt::Key_P);
        QVERIFY(settle());
        QCOMPARE(errors.count(), 1);
        QVERIFY(m_panel->statusText().contains(QStringLiteral("Cannot save the rating")));
        QCOMPARE(marks(7), catalog::CullMarks{}); // back to what the file says
        std::ifstream in(catalog::sidecarPathFor(image(7).toStdString()));
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QCOMPARE(text, std::string("<x:xmpmeta>broken"));
    }

    void filterBar()
    {
        ui::GalleryFilterBar* bar = m_panel->filterBar();
        const auto choose = [](QComboBox* combo, const QString& text) {
            const int index = combo->findText(text);
            QVERIFY2(index >= 0, qPrintable(text));
            combo->setCurrentIndex(index);
        };
        choose(bar->flagCombo(), QStringLiteral("Picked"));
        QCOMPARE(m_panel->visibleCount(), 2);
        choose(bar->flagCombo(), QStringLiteral("Rejected"));
        QCOMPARE(m_panel->visibleImages(), QStringList{image(1)});
        choose(bar->flagCombo(), QStringLiteral("Not rejected"));
        QCOMPARE(m_panel->visibleCount(), 7);
        choose(bar->flagCombo(), QStringLiteral("Unflagged"));
        QCOMPARE(m_panel->visibleCount(), 5);
        choose(bar->flagCombo(), QStringLiteral("All flags"));

        bar->ratingCombo()->setCurrentIndex(bar->ratingCombo()->findData(3));
        QCOMPARE(m_panel->visibleImages(), (QStringList{image(2), image(3)}));
        bar->ratingCombo()->setCurrentIndex(bar->ratingCombo()->findData(2));
        QCOMPARE(m_panel->visibleCount(), 4);
        bar->ratingCombo()->setCurrentIndex(0);

        choose(bar->loraCombo(), QStringLiteral("inkwash"));
        QCOMPARE(m_panel->visibleImages(), (QStringList{image(1), image(2), image(5)}));
        choose(bar->loraCombo(), QStringLiteral("hero"));
        QCOMPARE(m_panel->visibleCount(), 4);
        bar->loraCombo()->setCurrentIndex(0);

        QTest::keyClicks(bar->promptEdit(), QStringLiteral("KNIGHT rain"));
        QCOMPARE(m_panel->visibleImages(), (QStringList{image(0), image(3)}));
        bar->promptEdit()->clear();

        choose(bar->finalsCombo(), QStringLiteral("With final"));
        QCOMPARE(m_panel->visibleImages(), QStringList{image(1)});
        bar->finalsCombo()->setCurrentIndex(0);
        QCOMPARE(m_panel->visibleCount(), 8);

        // Sort by seed, descending; then back to time order.
        choose(bar->sortCombo(), QStringLiteral("Sort by seed"));
        bar->descendingButton()->setChecked(true);
        QStringList reversed = m_images;
        std::reverse(reversed.begin(), reversed.end());
        QCOMPARE(m_panel->visibleImages(), reversed);
        bar->descendingButton()->setChecked(false);
        choose(bar->sortCombo(), QStringLiteral("Sort by time"));
        QCOMPARE(m_panel->visibleImages(), m_images);
    }

    void culledCandidateLeavesFilteredView()
    {
        // Culling "unflagged only": a pick hides the candidate and the next one becomes current.
        ui::GalleryFilterBar* bar = m_panel->filterBar();
        bar->flagCombo()->setCurrentIndex(bar->flagCombo()->findText(QStringLiteral("Unflagged")));
        m_panel->gridView()->selectionModel()->setCurrentIndex(m_panel->gridView()->model()->index(0, 0),
                                                               QItemSelectionModel::ClearAndSelect);
        QCOMPARE(m_panel->currentImage(), image(3));
        key(Qt::Key_P);
        QCOMPARE(m_panel->visibleCount(), 4);
        QCOMPARE(m_panel->currentImage(), image(4));
        key(Qt::Key_U); // image 4 is already unflagged: nothing changes
        QCOMPARE(m_panel->currentImage(), image(4));
        bar->flagCombo()->setCurrentIndex(0);
        QCOMPARE(m_panel->currentImage(), image(4));
        // Back to three stars, unflagged, for the tests below.
        m_panel->gridView()->selectionModel()->setCurrentIndex(m_panel->gridView()->model()->index(3, 0),
                                                               QItemSelectionModel::ClearAndSelect);
        key(Qt::Key_U);
        QVERIFY(settle());
        QCOMPARE(onDisk(image(3)), (catalog::CullMarks{catalog::Flag::None, 3}));
    }

    void views()
    {
        m_panel->gridView()->selectionModel()->setCurrentIndex(m_panel->gridView()->model()->index(2, 0),
                                                               QItemSelectionModel::ClearAndSelect);
        key(Qt::Key_E);
        QCOMPARE(m_panel->view(), ui::GalleryPanel::View::Loupe);
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->loupeView()->image().width() == 48, 10000);
        QVERIFY(m_panel->loupeView()->caption().contains(QStringLiteral("seed 103")));
        screenshot(m_panel, "gallery-loupe.png");
        key(Qt::Key_Right);
        QCOMPARE(m_panel->currentImage(), image(3));
        key(Qt::Key_Left);
        QCOMPARE(m_panel->currentImage(), image(2));
        key(Qt::Key_Z);
        QVERIFY(m_panel->loupeView()->isActualSize());
        key(Qt::Key_Z);
        QVERIFY(!m_panel->loupeView()->isActualSize());

        key(Qt::Key_C);
        QCOMPARE(m_panel->view(), ui::GalleryPanel::View::Compare);
        QCOMPARE(m_panel->currentImage(), image(3)); // the next one is the candidate
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->compareLeft()->image().width() == 48 &&
                                     m_panel->compareRight()->image().width() == 48,
                                 10000);
        QVERIFY(m_panel->compareLeft()->caption().contains(QStringLiteral("seed 103")));
        QVERIFY(m_panel->compareRight()->caption().contains(QStringLiteral("seed 104")));
        screenshot(m_panel, "gallery-compare.png");
        key(Qt::Key_Right);
        QVERIFY(m_panel->compareRight()->caption().contains(QStringLiteral("seed 105")));
        QVERIFY(m_panel->compareLeft()->caption().contains(QStringLiteral("seed 103")));
        key(Qt::Key_Left);
        key(Qt::Key_Left); // skips the fixed side
        QCOMPARE(m_panel->currentImage(), image(1));
        // Zoom is shared by both sides.
        key(Qt::Key_Z);
        QVERIFY(m_panel->compareLeft()->isActualSize() && m_panel->compareRight()->isActualSize());
        key(Qt::Key_Z);
        key(Qt::Key_G);
        QCOMPARE(m_panel->view(), ui::GalleryPanel::View::Grid);
        QVERIFY(m_panel->gridView()->isVisible());
    }

    void upscalePicked()
    {
        QSignalSpy spy(m_panel, &ui::GalleryPanel::upscaleRequested);
        QCOMPARE(m_panel->upscaleButton()->text(), QStringLiteral("Upscale picked (2)"));
        QTest::mouseClick(m_panel->upscaleButton(), Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toStringList(), (QStringList{image(0), image(2)}));
    }

    void finalAppearsAfterUpscale()
    {
        QVERIFY(m_panel->candidate(image(2))->finals.empty());
        const fs::path final = writeFinal(m_root, m_batch[2], 4096, 4096);
        m_panel->markFinished({QString::fromStdString(final.string())});
        QTRY_COMPARE_WITH_TIMEOUT(m_panel->candidate(image(2))->finals.size(), std::size_t(1), 10000);
        QCOMPARE(m_panel->candidate(image(2))->finals[0], final);
        // The marks survive the refresh.
        QCOMPARE(marks(2), (catalog::CullMarks{catalog::Flag::Picked, 4}));
        m_panel->gridView()->selectionModel()->setCurrentIndex(m_panel->gridView()->model()->index(2, 0),
                                                               QItemSelectionModel::ClearAndSelect);
        QVERIFY(m_panel->detailsText().contains(QStringLiteral("20240501_101113_final_4096x4096.png")));
        // A new candidate written by a running batch shows up through the folder watch.
        SyntheticCandidate late{
            "20240501_101119", 109, "late arrival", "", {}, 1024, 1024, true, 0.9f, 0.9f, 0.9f};
        writeCandidate(m_root, late);
        QTRY_COMPARE_WITH_TIMEOUT(m_panel->totalCount(), 9, 10000);
        m_images << QString::fromStdString((m_root / "stage1" / (late.stem() + ".png")).string());
        QVERIFY(settle());
        screenshot(m_panel, "gallery-grid.png");
    }

    void deleteRejectedAsksFirst()
    {
        int asked = 0;
        QString question;
        m_panel->setConfirmFunction([&](const QString& q) {
            ++asked;
            question = q;
            return false;
        });
        QTest::mouseClick(m_panel->deleteRejectedButton(), Qt::LeftButton);
        QVERIFY(settle());
        QCOMPARE(asked, 1);
        QVERIFY(question.contains(QStringLiteral("1 rejected candidate")));
        QVERIFY(question.contains(QStringLiteral("1 upscaled final")));
        QVERIFY(fs::exists(image(1).toStdString()));
        QCOMPARE(m_panel->totalCount(), 9);

        m_panel->setConfirmFunction([&](const QString&) {
            ++asked;
            return true;
        });
        QTest::mouseClick(m_panel->deleteRejectedButton(), Qt::LeftButton);
        QVERIFY(settle());
        QCOMPARE(asked, 2);
        QTRY_COMPARE(m_panel->totalCount(), 8);
        QVERIFY(!fs::exists(image(1).toStdString()));
        QVERIFY(fs::exists(m_root / "rejected" / "stage1" / fs::path(image(1).toStdString()).filename()));
        QVERIFY(fs::exists(m_root / "rejected" / "final" / "20240501_101112-1_final_4096x4096.png"));
        QVERIFY(!m_panel->visibleImages().contains(image(1)));
        QVERIFY(m_panel->statusText().contains(QStringLiteral("0 rejected")));
    }
};

int main(int argc, char** argv)
{
    hdr::test::initTestEnvironment();
    QApplication app(argc, argv);
    TestGalleryPanel t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_gallery_panel.moc"
