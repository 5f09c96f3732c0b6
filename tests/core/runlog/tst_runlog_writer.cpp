// RunLogWriter -> RunFollower round trips: the CSV/JSONL/metrics/viz/TensorBoard files a trainer
// writes, reopening a run (no second header), a partial line left by a killed writer, metrics
// gaining a column, config.json, checkpoints, stop requests and the curve figures.

#include "image/DisplayImage.h"
#include "io/ImageIO.h"
#include "runlog/CsvFormat.h"
#include "runlog/CurvePlot.h"
#include "runlog/IsoTime.h"
#include "runlog/RunCurves.h"
#include "runlog/RunFollower.h"
#include "runlog/RunLogWriter.h"
#include "tensorboard/EventFiles.h"
#include "tensorboard/EventReader.h"

#include "RunlogTestSupport.h"
#include "support/TestSupport.h"

#include <QRegularExpression>
#include <QTemporaryDir>

#include <cmath>

using namespace hdr;
using namespace hdr::runlog;
using namespace hdr::runlog::test;
namespace fs = std::filesystem;

namespace {

double trainLoss(int epoch)
{
    return 1.0 / (epoch + 1) + 0.01 * std::sin(epoch);
}
double valLoss(int epoch)
{
    return 1.2 / (epoch + 1);
}
double learningRate(int epoch)
{
    return 0.01 * std::pow(0.9, epoch);
}

core::ImageF testImage(int width, int height, float shade)
{
    core::ImageF image(width, height, 3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            float* p = image.pixel(x, y);
            p[0] = shade;
            p[1] = float(x) / float(width);
            p[2] = float(y) / float(height);
        }
    }
    return image;
}

// A run of `epochs` epochs: train + val lines, metrics, a viz sample every 5 epochs.
void writeEpochs(RunLogWriter& writer, int first, int last)
{
    for (int e = first; e <= last; ++e) {
        EpochLog train;
        train.epoch = e;
        train.loss = trainLoss(e);
        train.seconds = 10.0 + e;
        train.lr = learningRate(e);
        train.extra = {{"grad_norm", 0.5 * e}};
        HDR_VERIFY_OK(writer.logEpoch(train));
        EpochLog val;
        val.epoch = e;
        val.phase = "val";
        val.loss = valLoss(e);
        val.seconds = 2.0;
        val.lr = learningRate(e);
        HDR_VERIFY_OK(writer.logEpoch(val));
        HDR_VERIFY_OK(writer.logMetrics(e, {{"psnr", 20.0 + e * 0.5}, {"ssim", 0.5 + e * 0.01}}));
        if (e % 5 == 0) {
            HDR_VERIFY_OK(writer.writeVizSample(e, 0, testImage(48, 16, float(e) / 20.0f)));
        }
    }
}

std::size_t countLines(const std::string& text, const std::string& line)
{
    std::size_t n = 0;
    for (const auto& l : linesOf(text)) {
        n += l == line ? 1 : 0;
    }
    return n;
}

} // namespace

class TestRunlogWriter : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path scratch(const char* name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void runFolderNames()
    {
        const auto time = std::chrono::system_clock::from_time_t(1718000000);
        const std::string name = runFolderName(time, "my tag/../x");
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d{8}_\\d{6}_my_tag_\\.\\._x$"))
                     .match(QString::fromStdString(name))
                     .hasMatch(),
                 name.c_str());
        QCOMPARE(runFolderName(time).size(), std::size_t(15));
        auto first = createRunFolder(scratch("runs"), "a", time);
        auto second = createRunFolder(scratch("runs"), "a", time);
        HDR_VERIFY_OK(first);
        HDR_VERIFY_OK(second);
        QVERIFY(*first != *second);
        QCOMPARE(second->filename().string(), first->filename().string() + "_2");
        QVERIFY(fs::is_directory(*second));

        QCOMPARE(vizFileName(7, 2), std::string("epoch0007_sample2.png"));
        QCOMPARE(parseVizFileName("epoch0012_sample3.png")->epoch, std::int64_t(12));
        QCOMPARE(parseVizFileName("epoch0012_sample3.png")->sample, 3);
        QVERIFY(!parseVizFileName(".epoch0012_sample3.png.tmp-1-2"));
        QVERIFY(!parseVizFileName("epoch12_sample.png"));
        QCOMPARE(checkpointFileName(3, "loss0.25"), std::string("ckpt_e003_loss0.25.pt"));
        QCOMPARE(parseCheckpointEpoch("ckpt_e042_best.pt").value_or(-1), std::int64_t(42));
        QVERIFY(!parseCheckpointEpoch("best.pt"));
    }

    void roundTrip()
    {
        const fs::path run = scratch("roundtrip");
        auto writer = RunLogWriter::open(run);
        HDR_VERIFY_OK(writer);
        writeEpochs(*writer, 1, 20);
        nlohmann::json config = {{"lr", 0.01}, {"model", {{"depth", 4}}}, {"machine", describeMachine()}};
        HDR_VERIFY_OK(writer->writeConfig(config));
        HDR_VERIFY_OK(writer->close());
        QVERIFY(!writer->logEpoch({}).has_value()); // closed

        // The CSV: the exact header, one row per logEpoch, ISO timestamps.
        const auto csv = linesOf(readText(RunPaths(run).trainCsv()));
        QCOMPARE(csv.size(), std::size_t(41));
        QCOMPARE(csv[0], std::string("epoch,phase,loss,time,lr,timestamp"));
        const auto row = splitCsvLine(csv[1], 10);
        QVERIFY(row && row->size() == 6);
        QCOMPARE((*row)[0], std::string("1"));
        QCOMPARE((*row)[1], std::string("train"));
        QCOMPARE(parseNumber((*row)[2]).value(), trainLoss(1));
        QVERIFY(parseIsoTimestamp((*row)[5]).has_value());
        const auto jsonl = linesOf(readText(RunPaths(run).trainJsonl()));
        QCOMPARE(jsonl.size(), std::size_t(40));
        const auto first = nlohmann::json::parse(jsonl[0]);
        QCOMPARE(first["grad_norm"].get<double>(), 0.5);
        QCOMPARE(first["phase"].get<std::string>(), std::string("train"));
        QCOMPARE(linesOf(readText(RunPaths(run).metricsCsv()))[0], std::string("epoch,psnr,ssim"));

        // The reader: exact doubles (from the CSV, not TensorBoard's float32), every series.
        auto snapshot = readRunFolder(run);
        HDR_VERIFY_OK(snapshot);
        QVERIFY2(snapshot->problems.empty(), qPrintable(describe(snapshot->problems)));
        for (const char* series : {"train/loss",
                                   "val/loss",
                                   "lr",
                                   "train/time",
                                   "val/time",
                                   "train/grad_norm",
                                   "metrics/psnr",
                                   "metrics/ssim"}) {
            QVERIFY2(snapshot->scalars.count(series), series);
            QCOMPARE(snapshot->scalars.at(series).size(), std::size_t(20));
        }
        const auto& loss = snapshot->scalars.at("train/loss");
        for (int e = 1; e <= 20; ++e) {
            QCOMPARE(loss[std::size_t(e - 1)].step, std::int64_t(e));
            QCOMPARE(loss[std::size_t(e - 1)].value, trainLoss(e));
            QCOMPARE(snapshot->scalars.at("lr")[std::size_t(e - 1)].value, learningRate(e));
            QCOMPARE(snapshot->scalars.at("val/loss")[std::size_t(e - 1)].value, valLoss(e));
        }
        QVERIFY(std::isfinite(loss.front().wallTime) && loss.front().wallTime > 1.6e9);
        QVERIFY(snapshot->config == config);

        // viz/ PNGs are the images of "viz/sample0" (ahead of tb/'s copies of them).
        QCOMPARE(snapshot->images.size(), std::size_t(1));
        const auto& viz = snapshot->images.at("viz/sample0");
        QCOMPARE(viz.size(), std::size_t(4));
        QVERIFY(!viz.begin()->second.inEventFile);
        QCOMPARE(viz.begin()->first, std::int64_t(5));
        const ImageRef* at12 = snapshot->imageAtOrBefore("viz/sample0", 12);
        QVERIFY(at12 && at12->step == 10);
        QVERIFY(!snapshot->imageAtOrBefore("viz/sample0", 4));
        RunFollower follower(run);
        HDR_VERIFY_OK(follower.poll());
        auto png = follower.loadImageBytes(*at12);
        HDR_VERIFY_OK(png);
        QVERIFY(png->starts_with("\x89PNG"));
        auto decoded = core::readImage(at12->file);
        HDR_VERIFY_OK(decoded);
        QCOMPARE(decoded->width(), 48);

        // TensorBoard got the same scalars (as float32) and the images.
        auto events = tensorboard::findEventFiles(RunPaths(run).tensorboard());
        HDR_VERIFY_OK(events);
        QCOMPARE(events->size(), std::size_t(1));
        auto batch = tensorboard::readEventFile(events->front());
        HDR_VERIFY_OK(batch);
        std::map<std::string, int> perTag;
        for (const auto& s : batch->scalars) {
            ++perTag[s.tag];
            if (s.tag == "train/loss") {
                QCOMPARE(s.value, double(float(trainLoss(int(s.step)))));
            }
        }
        QCOMPARE(perTag["train/loss"], 20);
        QCOMPARE(perTag["val/loss"], 20);
        QCOMPARE(perTag["lr"], 20); // from the train rows only
        QCOMPARE(perTag["metrics/psnr"], 20);
        QCOMPARE(perTag["train/grad_norm"], 20);
        QCOMPARE(batch->images.size(), std::size_t(4));
        QCOMPARE(batch->images[0].tag, std::string("viz/sample0"));
        QCOMPARE(batch->images[0].width, std::int64_t(48));
        QVERIFY(batch->images[0].encoded == std::string(readText(viz.begin()->second.file)));

        // Reading only the event files (as for a run of another tool) shows the same series.
        fs::create_directories(scratch("tbonly"));
        fs::copy(RunPaths(run).tensorboard(), scratch("tbonly") / "tb");
        auto tbOnly = readRunFolder(scratch("tbonly"));
        HDR_VERIFY_OK(tbOnly);
        QCOMPARE(tbOnly->scalars.at("train/loss").size(), std::size_t(20));
        QCOMPARE(tbOnly->images.at("viz/sample0").size(), std::size_t(4));
        const ImageRef& tbImage = tbOnly->images.at("viz/sample0").begin()->second;
        QVERIFY(tbImage.inEventFile);
        RunFollower tbFollower(scratch("tbonly"));
        HDR_VERIFY_OK(tbFollower.poll());
        auto tbPng = tbFollower.loadImageBytes(tbImage);
        HDR_VERIFY_OK(tbPng);
        QVERIFY(*tbPng == batch->images[0].encoded);
    }

    void reopeningAppendsWithoutSecondHeader()
    {
        const fs::path run = scratch("reopen");
        {
            auto writer = RunLogWriter::open(run);
            HDR_VERIFY_OK(writer);
            writeEpochs(*writer, 0, 2);
        }
        {
            auto writer = RunLogWriter::open(run);
            HDR_VERIFY_OK(writer);
            writeEpochs(*writer, 3, 4);
        }
        const std::string csv = readText(RunPaths(run).trainCsv());
        QCOMPARE(countLines(csv, std::string(kTrainCsvHeader)), std::size_t(1));
        QCOMPARE(linesOf(csv).size(), std::size_t(11));
        QCOMPARE(countLines(readText(RunPaths(run).metricsCsv()), "epoch,psnr,ssim"), std::size_t(1));
        auto events = tensorboard::findEventFiles(RunPaths(run).tensorboard());
        HDR_VERIFY_OK(events);
        QCOMPARE(events->size(), std::size_t(2)); // one event file per session
        auto snapshot = readRunFolder(run);
        HDR_VERIFY_OK(snapshot);
        QCOMPARE(stepsOf(snapshot->scalars.at("train/loss")), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        QCOMPARE(stepsOf(snapshot->scalars.at("metrics/ssim")), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        QVERIFY2(snapshot->problems.empty(), qPrintable(describe(snapshot->problems)));
    }

    // A trainer killed in the middle of a write leaves half a line: readers wait on it, and the
    // next writer cuts it off and continues on a clean line.
    void killedWriterLeavesPartialLine()
    {
        const fs::path run = scratch("killed");
        {
            auto writer = RunLogWriter::open(run);
            HDR_VERIFY_OK(writer);
            writeEpochs(*writer, 0, 2);
        }
        appendText(RunPaths(run).trainCsv(), "3,train,0.12");
        appendText(RunPaths(run).trainJsonl(), "{\"epoch\": 3, \"pha");
        appendText(RunPaths(run).metricsCsv(), "3,25.");
        RunFollower follower(run);
        RunSnapshot snapshot;
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY2(update->problems.empty(), qPrintable(describe(update->problems)));
        snapshot.apply(std::move(*update));
        QCOMPARE(stepsOf(snapshot.scalars.at("train/loss")), (std::vector<std::int64_t>{0, 1, 2}));
        QCOMPARE(stepsOf(snapshot.scalars.at("metrics/psnr")), (std::vector<std::int64_t>{0, 1, 2}));

        auto writer = RunLogWriter::open(run);
        HDR_VERIFY_OK(writer);
        for (const fs::path& log :
             {RunPaths(run).trainCsv(), RunPaths(run).trainJsonl(), RunPaths(run).metricsCsv()}) {
            const std::string text = readText(log);
            QVERIFY2(text.ends_with("\n") && text.find("0.12") == std::string::npos &&
                         text.find("\"pha\n") == std::string::npos && text.find("3,25.") == std::string::npos,
                     log.c_str());
        }
        writeEpochs(*writer, 3, 3);
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY2(update->problems.empty(), qPrintable(describe(update->problems)));
        QCOMPARE(update->scalars.at("train/loss").size(), std::size_t(1));
        QCOMPARE(update->scalars.at("train/loss")[0].value, trainLoss(3));
        QCOMPARE(update->scalars.at("metrics/psnr")[0].value, 20.0 + 1.5);
        QVERIFY(update->resetSeries.empty());
        QCOMPARE(linesOf(readText(RunPaths(run).trainCsv())).size(), std::size_t(9));
    }

    // A metric appearing later widens metrics.csv; nothing logged before is lost.
    void metricsGainAColumn()
    {
        const fs::path run = scratch("widen");
        auto writer = RunLogWriter::open(run);
        HDR_VERIFY_OK(writer);
        RunFollower follower(run);
        RunSnapshot snapshot;
        HDR_VERIFY_OK(writer->logMetrics(1, {{"psnr", 21.5}}));
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        snapshot.apply(std::move(*update));
        HDR_VERIFY_OK(writer->logMetrics(2, {{"psnr", 22.5}, {"ssim", 0.75}}));
        HDR_VERIFY_OK(writer->logMetrics(3, {{"ssim", 0.8}}));
        QCOMPARE(readText(RunPaths(run).metricsCsv()),
                 std::string("epoch,psnr,ssim\n1,21.5,\n2,22.5,0.75\n3,,0.8\n"));
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->resetSeries.count("metrics/psnr")); // the file was replaced: read again
        QVERIFY2(update->problems.empty(), qPrintable(describe(update->problems)));
        snapshot.apply(std::move(*update));
        QCOMPARE(stepsOf(snapshot.scalars.at("metrics/psnr")), (std::vector<std::int64_t>{1, 2}));
        QCOMPARE(valuesOf(snapshot.scalars.at("metrics/psnr")), (std::vector<double>{21.5, 22.5}));
        QCOMPARE(stepsOf(snapshot.scalars.at("metrics/ssim")), (std::vector<std::int64_t>{2, 3}));
        // The writer keeps appending to the widened file.
        HDR_VERIFY_OK(writer->logMetrics(4, {{"psnr", 23.0}, {"ssim", 0.81}}));
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QCOMPARE(update->scalars.at("metrics/psnr").size(), std::size_t(1));
        QVERIFY(update->resetSeries.empty());
    }

    void refusesBadInput()
    {
        const fs::path run = scratch("bad");
        auto writer = RunLogWriter::open(run);
        HDR_VERIFY_OK(writer);
        EpochLog entry;
        entry.phase = "a/b";
        QCOMPARE(writer->logEpoch(entry).error().code, core::ErrorCode::InvalidArgument);
        entry.phase = "train";
        entry.extra = {{"loss", 1.0}};
        QCOMPARE(writer->logEpoch(entry).error().code, core::ErrorCode::InvalidArgument);
        QCOMPARE(writer->logMetrics(0, {{"bad\nname", 1.0}}).error().code, core::ErrorCode::InvalidArgument);
        QCOMPARE(writer->writeConfig(nlohmann::json::array({1, 2})).error().code,
                 core::ErrorCode::InvalidArgument);
        core::DisplayImage8 wrong;
        wrong.width = 4;
        wrong.height = 4;
        wrong.pixels.resize(5);
        QCOMPARE(writer->writeVizSample(0, 0, wrong).error().code, core::ErrorCode::InvalidArgument);
        // A diverged loss is logged as it is.
        entry.extra.clear();
        entry.loss = std::numeric_limits<double>::quiet_NaN();
        HDR_VERIFY_OK(writer->logEpoch(entry));
        auto snapshot = readRunFolder(run);
        HDR_VERIFY_OK(snapshot);
        QVERIFY(std::isnan(snapshot->scalars.at("train/loss").at(0).value));

        // A train log with other columns is not mixed with ours.
        const fs::path other = scratch("othercolumns");
        fs::create_directories(other / "logs");
        appendText(RunPaths(other).trainCsv(), "step,loss\n1,0.5\n");
        QCOMPARE(RunLogWriter::open(other).error().code, core::ErrorCode::InvalidArgument);
    }

    void displayImageVizSample()
    {
        const fs::path run = scratch("display");
        auto writer = RunLogWriter::open(run, {.tensorboard = false});
        HDR_VERIFY_OK(writer);
        core::DisplayImage8 image;
        image.width = 3;
        image.height = 2;
        image.channels = 3;
        image.pixels = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};
        HDR_VERIFY_OK(writer->writeVizSample(2, 1, image));
        QVERIFY(!fs::exists(RunPaths(run).tensorboard()));
        auto back = core::readImage(RunPaths(run).viz() / "epoch0002_sample1.png");
        HDR_VERIFY_OK(back);
        const core::DisplayImage8 encoded = core::encodeDisplay8(*back, core::Transfer::srgb(), {});
        QVERIFY(encoded.pixels == image.pixels);
    }

    void checkpointsAndStopRequests()
    {
        const fs::path run = scratch("checkpoints");
        auto writer = RunLogWriter::open(run);
        HDR_VERIFY_OK(writer);
        appendText(RunPaths(run).checkpoints() / "ckpt_e002_loss0.5.pt", std::string(100, 'x'));
        appendText(RunPaths(run).checkpoints() / "ckpt_e010_loss0.2.pt", std::string(300, 'x'));
        appendText(RunPaths(run).checkpoints() / "best.pt", std::string(300, 'x'));
        appendText(RunPaths(run).checkpoints() / "notes.txt", "not a checkpoint");
        appendText(RunPaths(run).checkpointIndex(), R"({"best": "ckpt_e010_loss0.2.pt"})");
        RunFollower follower(run);
        auto update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(update->checkpoints.has_value());
        const auto& list = *update->checkpoints;
        QCOMPARE(list.size(), std::size_t(3));
        QCOMPARE(list[0].name, std::string("ckpt_e002_loss0.5.pt"));
        QCOMPARE(list[0].epoch.value_or(-1), std::int64_t(2));
        QCOMPARE(list[0].bytes, std::uint64_t(100));
        QCOMPARE(list[1].epoch.value_or(-1), std::int64_t(10));
        QCOMPARE(list[2].name, std::string("best.pt"));
        QVERIFY(!list[2].epoch);
        QVERIFY(list[2].modifiedTime > 1.6e9);
        QCOMPARE(update->checkpointIndex->at("best").get<std::string>(), std::string("ckpt_e010_loss0.2.pt"));
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QVERIFY(!update->checkpoints && !update->checkpointIndex && !update->config); // unchanged
        appendText(RunPaths(run).checkpoints() / "latest.pt", "x");
        update = follower.poll();
        HDR_VERIFY_OK(update);
        QCOMPARE(update->checkpoints->size(), std::size_t(4));

        QVERIFY(!isStopRequested(run));
        HDR_VERIFY_OK(requestStop(run));
        HDR_VERIFY_OK(requestStop(run)); // idempotent
        QVERIFY(isStopRequested(run));
        QVERIFY(readText(RunPaths(run).stopRequest()).starts_with("stop requested at "));
        HDR_VERIFY_OK(clearStopRequest(run));
        QVERIFY(!isStopRequested(run));
        HDR_VERIFY_OK(clearStopRequest(run));
        QVERIFY(!requestStop(scratch("no-such-run")).has_value());
    }

    // loss_curves.png / metrics_curves.png: the rendered figures, written as sRGB PNGs.
    void curveFigures()
    {
        const fs::path run = scratch("curves");
        auto writer = RunLogWriter::open(run);
        HDR_VERIFY_OK(writer);
        writeEpochs(*writer, 0, 19);
        HDR_VERIFY_OK(writer->logMetrics(20, {{"lpips", 0.1}}));
        HDR_VERIFY_OK(writer->renderCurves());
        auto loss = core::readImage(RunPaths(run).lossCurves());
        HDR_VERIFY_OK(loss);
        QCOMPARE(loss->width(), 1000);
        QCOMPARE(loss->height(), 600);
        auto metrics = core::readImage(RunPaths(run).metricsCurves());
        HDR_VERIFY_OK(metrics);
        QCOMPARE(metrics->width(), 3 * 420); // psnr, ssim, lpips
        QCOMPARE(metrics->height(), 300);

        // The file holds exactly what renderLossCurves draws.
        auto snapshot = readRunFolder(run);
        HDR_VERIFY_OK(snapshot);
        const auto canvas = renderLossCurves(*snapshot);
        QVERIFY(canvas.has_value());
        const core::DisplayImage8 file = core::encodeDisplay8(*loss, core::Transfer::srgb(), {});
        const core::DisplayImage8 drawn = canvas->toImage();
        QVERIFY(file.pixels == drawn.pixels);
        // Both curves are in it: pixels of the train colour (solid) and of the val colour.
        std::size_t trainPixels = 0, valPixels = 0;
        const Rgb train = seriesColor(0), val = seriesColor(1);
        for (int y = 0; y < canvas->height(); ++y) {
            for (int x = 0; x < canvas->width(); ++x) {
                trainPixels += canvas->pixel(x, y) == train;
                valPixels += canvas->pixel(x, y) == val;
            }
        }
        QVERIFY2(trainPixels > 500 && valPixels > 200,
                 qPrintable(QStringLiteral("%1 %2").arg(trainPixels).arg(valPixels)));
        const QString shots = qEnvironmentVariable("HDR_SCREENSHOT_DIR");
        if (!shots.isEmpty()) { // for a person to look at
            fs::copy_file(RunPaths(run).lossCurves(),
                          fs::path(shots.toStdString()) / "runlog_loss_curves.png",
                          fs::copy_options::overwrite_existing);
            fs::copy_file(RunPaths(run).metricsCurves(),
                          fs::path(shots.toStdString()) / "runlog_metrics_curves.png",
                          fs::copy_options::overwrite_existing);
        }
        // An empty run draws nothing and writes nothing.
        QVERIFY(!renderLossCurves(RunSnapshot{}).has_value());
    }
};

HDR_TEST_MAIN(TestRunlogWriter)
#include "tst_runlog_writer.moc"
