// The training dashboard on the offscreen platform, on run folders written by RunLogWriter:
// curves with the logged points, the smoothing slider, log scale, the global image step slider,
// two runs overlaid (legend, highlighted config key), checkpoints, live following without
// moving a view the user zoomed, and Stop creating STOP_TRAINING.

#include "jobs/JobManager.h"
#include "runlog/RunFollower.h"
#include "runlog/RunLogWriter.h"
#include "runlog/Smoothing.h"
#include "support/TestSupport.h"
#include "ui/training/CheckpointList.h"
#include "ui/training/ConfigTable.h"
#include "ui/training/ImagePanels.h"
#include "ui/training/ScalarPlots.h"
#include "ui/training/TrainingDashboard.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>

using namespace hdr;
namespace fs = std::filesystem;

namespace {

constexpr int kTimeoutMs = 15000;

double lossAt(int epoch, double scale)
{
    return scale / (epoch + 1) + 0.05 * std::sin(epoch * 1.7);
}

// A solid-colour viz image whose colour says which epoch it is.
core::ImageF vizImage(int epoch)
{
    core::ImageF image(48, 16, 3);
    for (int y = 0; y < 16; ++y) {
        for (int x = 0; x < 48; ++x) {
            float* p = image.pixel(x, y);
            p[0] = float(epoch) / 20.0f;
            p[1] = 0.2f;
            p[2] = 1.0f - float(epoch) / 20.0f;
        }
    }
    return image;
}

void logEpochs(runlog::RunLogWriter& writer, int first, int last, double scale)
{
    for (int e = first; e <= last; ++e) {
        runlog::EpochLog train;
        train.epoch = e;
        train.loss = lossAt(e, scale);
        train.seconds = 30;
        train.lr = 0.01 * std::pow(0.95, e);
        QVERIFY(writer.logEpoch(train));
        runlog::EpochLog val = train;
        val.phase = "val";
        val.loss = lossAt(e, scale) * 1.1;
        QVERIFY(writer.logEpoch(val));
        QVERIFY(writer.logMetrics(e, {{"psnr", 20 + e * 0.3}, {"ssim", 0.6 + e * 0.01}}));
        if (e % 5 == 0) {
            QVERIFY(writer.writeVizSample(e, 0, vizImage(e)));
        }
    }
}

QVector<double> graphValues(const QCPGraph* graph)
{
    QVector<double> values;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        values << it->value;
    }
    return values;
}

void saveScreenshot(QWidget* widget, const char* name)
{
    const QString dir = qEnvironmentVariable("HDR_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QTest::qWait(100); // let the charts' queued replots run
        QVERIFY(widget->grab().save(QDir(dir).filePath(QLatin1String(name))));
    }
}

} // namespace

class TestTrainingDashboard : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_runA, m_runB;
    std::unique_ptr<ui::TrainingDashboard> m_dashboard;

    QString makeRun(const char* name, int epochs, double scale, const nlohmann::json& config)
    {
        const fs::path dir = fs::path(m_dir.path().toStdString()) / name;
        auto writer = runlog::RunLogWriter::open(dir);
        if (!writer) {
            return {};
        }
        logEpochs(*writer, 1, epochs, scale);
        (void)writer->writeConfig(config);
        return QString::fromStdString(dir.string());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runA =
            makeRun("20240611_120000_a", 20, 2.0, {{"lr", 0.01}, {"batch", 8}, {"model", {{"depth", 4}}}});
        m_runB =
            makeRun("20240611_130000_b", 10, 1.5, {{"lr", 0.02}, {"batch", 8}, {"model", {{"depth", 4}}}});
        QVERIFY(!m_runA.isEmpty() && !m_runB.isEmpty());
        const fs::path checkpoints = fs::path(m_runA.toStdString()) / "checkpoints";
        std::ofstream(checkpoints / "ckpt_e010_loss0.31.pt") << std::string(2048, 'c');
        std::ofstream(checkpoints / "best.pt") << std::string(1024, 'b');
        m_dashboard = std::make_unique<ui::TrainingDashboard>();
        m_dashboard->setPollInterval(50);
        m_dashboard->resize(1400, 900);
        m_dashboard->show();
    }

    void curvesHaveTheLoggedPoints()
    {
        const int id = m_dashboard->addRun(m_runA);
        ui::ScalarPlots* plots = m_dashboard->scalarPlots();
        QTRY_VERIFY_WITH_TIMEOUT(
            plots->rawGraph(id, "train/loss") && plots->rawGraph(id, "train/loss")->dataCount() == 20 &&
                plots->rawGraph(id, "metrics/psnr") && m_dashboard->checkpointList()->count() == 2,
            kTimeoutMs);
        auto run = runlog::readRunFolder(m_runA.toStdString());
        HDR_VERIFY_OK(run);
        const auto& loss = run->scalars.at("train/loss");
        const QCPGraph* raw = plots->rawGraph(id, "train/loss");
        int i = 0;
        for (auto it = raw->data()->constBegin(); it != raw->data()->constEnd(); ++it, ++i) {
            QCOMPARE(it->key, double(loss[std::size_t(i)].step));
            QCOMPARE(it->value, lossAt(i + 1, 2.0));
        }
        QCOMPARE(plots->rawGraph(id, "val/loss")->dataCount(), 20);
        QVERIFY(plots->chartNames().contains(QStringLiteral("loss")));
        QVERIFY(plots->chartNames().contains(QStringLiteral("learning rate")));
        QVERIFY(plots->chartNames().contains(QStringLiteral("metrics: ssim")));
        QCOMPARE(plots->chart(QStringLiteral("loss"))->graphCount(), 4); // train + val, raw + smoothed
        // The loss chart shows all of it.
        const QCPRange x = plots->chart(QStringLiteral("loss"))->xAxis->range();
        QVERIFY(x.lower <= 1 && x.upper >= 20);
    }

    void smoothingSliderChangesTheSmoothedCurve()
    {
        const int id = m_dashboard->runs()->runByDir(m_runA)->id;
        ui::ScalarPlots* plots = m_dashboard->scalarPlots();
        const QVector<double> raw = graphValues(plots->rawGraph(id, "train/loss"));
        const std::vector<double> rawValues(raw.begin(), raw.end());
        const QVector<double> before = graphValues(plots->smoothedGraph(id, "train/loss"));
        const auto expectedBefore = runlog::smoothDebiasedEma(rawValues, 0.6);
        QCOMPARE(before.size(), raw.size());
        for (int i = 0; i < before.size(); ++i) {
            QCOMPARE(before[i], expectedBefore[std::size_t(i)]);
        }
        m_dashboard->smoothingSlider()->setValue(900);
        const QVector<double> after = graphValues(plots->smoothedGraph(id, "train/loss"));
        const auto expectedAfter = runlog::smoothDebiasedEma(rawValues, 0.9);
        QVERIFY(after != before);
        for (int i = 0; i < after.size(); ++i) {
            QCOMPARE(after[i], expectedAfter[std::size_t(i)]);
        }
        QCOMPARE(graphValues(plots->rawGraph(id, "train/loss")), raw); // the raw curve stays
        m_dashboard->smoothingSlider()->setValue(0);
        QCOMPARE(graphValues(plots->smoothedGraph(id, "train/loss")), raw);
        m_dashboard->smoothingSlider()->setValue(600);

        m_dashboard->logScaleToggle()->setChecked(true);
        QCOMPARE(plots->chart(QStringLiteral("loss"))->yAxis->scaleType(), QCPAxis::stLogarithmic);
        saveScreenshot(m_dashboard.get(), "training_dashboard_log.png");
        m_dashboard->logScaleToggle()->setChecked(false);
        QCOMPARE(plots->chart(QStringLiteral("loss"))->yAxis->scaleType(), QCPAxis::stLinear);
    }

    void stepSliderMovesEveryImage()
    {
        m_dashboard->tabs()->setCurrentIndex(1);
        ui::ImagePanels* images = m_dashboard->imagePanels();
        QTRY_COMPARE_WITH_TIMEOUT(images->panelCount(), 1, kTimeoutMs);
        QCOMPARE(images->panelTitle(0), QStringLiteral("20240611_120000_a · viz/sample0"));
        // It follows the latest step: 20.
        QTRY_VERIFY_WITH_TIMEOUT(images->shownStep(0) == 20 && !images->isLoading(), kTimeoutMs);
        const fs::path viz = fs::path(m_runA.toStdString()) / "viz";
        const QImage epoch20(QString::fromStdString((viz / "epoch0020_sample0.png").string()));
        const QImage epoch10(QString::fromStdString((viz / "epoch0010_sample0.png").string()));
        QVERIFY(epoch20.pixelColor(5, 5) != epoch10.pixelColor(5, 5));
        QCOMPARE(images->shownImage(0).pixelColor(5, 5), epoch20.pixelColor(5, 5));

        QCOMPARE(images->slider()->maximum(), 3); // steps 5, 10, 15, 20
        images->slider()->setValue(1);
        QCOMPARE(images->step(), std::int64_t(10));
        QCOMPARE(images->stepEntry()->value(), 10);
        QTRY_VERIFY_WITH_TIMEOUT(images->shownStep(0) == 10 && !images->isLoading(), kTimeoutMs);
        QCOMPARE(images->shownImage(0).pixelColor(5, 5), epoch10.pixelColor(5, 5));
        // A typed step shows the nearest image at or before it.
        images->stepEntry()->setValue(17);
        QTRY_VERIFY_WITH_TIMEOUT(images->shownStep(0) == 15 && !images->isLoading(), kTimeoutMs);
        QCOMPARE(images->slider()->value(), 2);
        images->stepEntry()->setValue(3);
        QVERIFY(!images->shownStep(0).has_value());
        images->slider()->setValue(3);
        QTRY_VERIFY_WITH_TIMEOUT(images->shownStep(0) == 20 && !images->isLoading(), kTimeoutMs);
        saveScreenshot(m_dashboard.get(), "training_dashboard_images.png");
    }

    void twoRunsOverlaid()
    {
        const int idA = m_dashboard->runs()->runByDir(m_runA)->id;
        const int idB = m_dashboard->addRun(m_runB);
        QVERIFY(idB != idA);
        QCOMPARE(m_dashboard->addRun(m_runB), idB); // not twice
        ui::ScalarPlots* plots = m_dashboard->scalarPlots();
        QTRY_VERIFY_WITH_TIMEOUT(plots->rawGraph(idB, "train/loss") &&
                                     plots->rawGraph(idB, "train/loss")->dataCount() == 10,
                                 kTimeoutMs);
        QCustomPlot* loss = plots->chart(QStringLiteral("loss"));
        QCOMPARE(loss->legend->itemCount(), 2); // one entry per run
        QCOMPARE(plots->chart(QStringLiteral("learning rate"))->legend->itemCount(), 2);
        QVERIFY(plots->smoothedGraph(idA, "train/loss")->pen().color() !=
                plots->smoothedGraph(idB, "train/loss")->pen().color());
        QCOMPARE(plots->smoothedGraph(idB, "val/loss")->pen().style(), Qt::DashLine);

        ui::ConfigTable* config = m_dashboard->configTable();
        QTRY_VERIFY_WITH_TIMEOUT(config->keys().contains(QStringLiteral("lr")) &&
                                     config->table()->columnCount() == 2 &&
                                     config->value(QStringLiteral("lr"), 1) == QStringLiteral("0.02"),
                                 kTimeoutMs);
        QVERIFY(config->isHighlighted(QStringLiteral("lr")));
        QVERIFY(!config->isHighlighted(QStringLiteral("batch")));
        QVERIFY(!config->isHighlighted(QStringLiteral("model.depth")));
        QCOMPARE(config->value(QStringLiteral("lr"), 0), QStringLiteral("0.01"));
        QVERIFY(config->table()->item(0, 0) != nullptr);
        config->setOnlyDifferences(true);
        int visible = 0;
        for (int row = 0; row < config->table()->rowCount(); ++row) {
            visible += config->table()->isRowHidden(row) ? 0 : 1;
        }
        QCOMPARE(visible, 1);
        config->setOnlyDifferences(false);
        m_dashboard->tabs()->setCurrentIndex(0);
        saveScreenshot(m_dashboard.get(), "training_dashboard_scalars.png");
        m_dashboard->tabs()->setCurrentIndex(2);
        saveScreenshot(m_dashboard.get(), "training_dashboard_config.png");
        m_dashboard->tabs()->setCurrentIndex(3);
        saveScreenshot(m_dashboard.get(), "training_dashboard_checkpoints.png");
        m_dashboard->tabs()->setCurrentIndex(0);
        m_dashboard->removeRun(idB);
        QCOMPARE(loss->legend->itemCount(), 1);
        QCOMPARE(m_dashboard->runDirs().size(), 1);
    }

    // New epochs of a live run appear; a chart the user zoomed keeps its view, others follow.
    void followsALiveRunWithoutMovingAZoomedView()
    {
        const fs::path dir = fs::path(m_dir.path().toStdString()) / "20240611_140000_live";
        auto writer = runlog::RunLogWriter::open(dir);
        HDR_VERIFY_OK(writer);
        logEpochs(*writer, 1, 5, 1.0);
        const int id = m_dashboard->addRun(QString::fromStdString(dir.string()));
        ui::ScalarPlots* plots = m_dashboard->scalarPlots();
        QTRY_VERIFY_WITH_TIMEOUT(plots->rawGraph(id, "train/loss") &&
                                     plots->rawGraph(id, "train/loss")->dataCount() == 5,
                                 kTimeoutMs);
        // The user zooms into the loss chart.
        QCustomPlot* loss = plots->chart(QStringLiteral("loss"));
        QWheelEvent wheel(QPointF(200, 120),
                          loss->mapToGlobal(QPointF(200, 120)),
                          QPoint(),
                          QPoint(0, 120),
                          Qt::NoButton,
                          Qt::NoModifier,
                          Qt::NoScrollPhase,
                          false);
        QApplication::sendEvent(loss, &wheel);
        QVERIFY(plots->isUserView(QStringLiteral("loss")));
        const QCPRange pinnedX = loss->xAxis->range(), pinnedY = loss->yAxis->range();

        logEpochs(*writer, 6, 30, 1.0);
        QTRY_VERIFY_WITH_TIMEOUT(plots->rawGraph(id, "train/loss")->dataCount() == 30 &&
                                     plots->rawGraph(id, "metrics/psnr")->dataCount() == 30,
                                 kTimeoutMs);
        QCOMPARE(loss->xAxis->range(), pinnedX);
        QCOMPARE(loss->yAxis->range(), pinnedY);
        QVERIFY(plots->chart(QStringLiteral("learning rate"))->xAxis->range().upper >=
                30); // not zoomed: follows
        // Reset: the loss chart follows the data again.
        plots->resetViews();
        QVERIFY(!plots->isUserView(QStringLiteral("loss")));
        QVERIFY(loss->xAxis->range().upper >= 30);
        // The image slider sat at the last step, so it follows the new viz images too.
        QTRY_VERIFY_WITH_TIMEOUT(m_dashboard->imagePanels()->step() == 30, kTimeoutMs);
    }

    void stopResumeStart()
    {
        const QString live =
            QString::fromStdString((fs::path(m_dir.path().toStdString()) / "20240611_140000_live").string());
        m_dashboard->setCurrentRunDir(live);
        QCOMPARE(m_dashboard->currentRunDir(), live);
        QVERIFY(m_dashboard->stopButton()->isEnabled());
        QSignalSpy stop(m_dashboard.get(), &ui::TrainingDashboard::stopRequested);
        QSignalSpy resume(m_dashboard.get(), &ui::TrainingDashboard::resumeRequested);
        QSignalSpy start(m_dashboard.get(), &ui::TrainingDashboard::startRequested);
        const fs::path stopFile = fs::path(live.toStdString()) / "STOP_TRAINING";
        QVERIFY(!fs::exists(stopFile));
        QTest::mouseClick(m_dashboard->stopButton(), Qt::LeftButton);
        QVERIFY(fs::exists(stopFile));
        QCOMPARE(stop.count(), 1);
        QCOMPARE(stop.at(0).at(0).toString(), live);
        QTest::mouseClick(m_dashboard->resumeButton(), Qt::LeftButton);
        QCOMPARE(resume.count(), 1);
        QCOMPARE(resume.at(0).at(0).toString(), live);
        m_dashboard->requestStart(QStringLiteral("/tmp/config.json"));
        QCOMPARE(start.count(), 1);
        QCOMPARE(start.at(0).at(0).toString(), QStringLiteral("/tmp/config.json"));
        // Stopping a folder that does not exist says so instead.
        QVERIFY(!m_dashboard->stopRun(m_dir.path() + QStringLiteral("/missing")));
        QVERIFY(m_dashboard->statusText().contains(QStringLiteral("Could not ask the run to stop")));
        QCOMPARE(stop.count(), 1);
    }

    // With the application's JobManager, runs are read on its I/O pool; nothing shows up as a job.
    void readsThroughTheJobManagersPool()
    {
        core::JobManager jobs;
        {
            ui::TrainingDashboard dashboard(&jobs);
            const int id = dashboard.addRun(m_runB);
            QTRY_VERIFY_WITH_TIMEOUT(dashboard.scalarPlots()->rawGraph(id, "train/loss") &&
                                         dashboard.scalarPlots()->rawGraph(id, "train/loss")->dataCount() ==
                                             10,
                                     kTimeoutMs);
            QVERIFY(jobs.jobs().isEmpty());
        }
        jobs.waitForAll();
    }

    void cleanupTestCase() { m_dashboard.reset(); }
};

int main(int argc, char** argv)
{
    hdr::test::initTestEnvironment();
    QApplication app(argc, argv);
    TestTrainingDashboard t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_training_dashboard.moc"
