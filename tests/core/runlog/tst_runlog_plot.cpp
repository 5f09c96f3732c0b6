// The Qt-free curve plots of loss_curves.png / metrics_curves.png: tick choice and labels, the
// curve passing through its data points, a log axis, gaps at non-finite values, text, PNG output.

#include "io/ImageIO.h"
#include "runlog/BitmapFont.h"
#include "runlog/Canvas.h"
#include "runlog/CurvePlot.h"

#include "support/TestSupport.h"

#include <QTemporaryDir>

#include <cmath>

using namespace hdr;
using namespace hdr::runlog;

namespace {

constexpr Rgb kWhite{255, 255, 255};

int colorDistance(Rgb a, Rgb b)
{
    return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b);
}

// The pixel closest to `color` within `radius` of (x, y).
int nearestColorDistance(const Canvas& canvas, double x, double y, Rgb color, int radius)
{
    int best = 1000;
    for (int dy = -radius; dy <= radius; ++dy) {
        for (int dx = -radius; dx <= radius; ++dx) {
            best = std::min(
                best, colorDistance(canvas.pixel(int(std::lround(x)) + dx, int(std::lround(y)) + dy), color));
        }
    }
    return best;
}

} // namespace

class TestRunlogPlot : public QObject {
    Q_OBJECT
private slots:
    void ticks()
    {
        const auto t = niceTicks(0, 1, 5);
        QCOMPARE(t.size(), std::size_t(6));
        QCOMPARE(t[1], 0.2);
        QCOMPARE(niceTicks(-3, 97, 6).front(), 0.0);
        QCOMPARE(niceTicks(-3, 97, 6)[1], 20.0);
        QVERIFY(niceTicks(1, 1, 5).empty());
        QVERIFY(niceTicks(0, std::nan(""), 5).empty());
        QCOMPARE(formatTick(0.2, 0.2), std::string("0.2"));
        QCOMPARE(formatTick(20, 20), std::string("20"));
        QCOMPARE(formatTick(0.05, 0.01), std::string("0.05"));
        QCOMPARE(formatTick(1e-5, 1e-5), std::string("1e-5"));
        QCOMPARE(formatTick(2.5e6, 5e5), std::string("2.5e6"));
        QCOMPARE(formatTick(-0.0004, 0.0002), std::string("-4e-4"));
        QCOMPARE(formatTick(0, 1), std::string("0"));
    }

    void font()
    {
        QCOMPARE(textWidth("ab", 1), 11);
        QCOMPARE(textWidth("", 3), 0);
        QCOMPARE(textHeight(2), 14);
        QCOMPARE(glyphFor('\x01'), glyphFor('?'));
        QVERIFY(glyphFor('e') != glyphFor('E'));
        for (char c : std::string(
                 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,-+_/:()%=[]#*<>|!")) {
            QVERIFY2(glyphFor(c) != glyphFor('?'), std::string(1, c).c_str());
        }
        Canvas canvas(40, 20, kWhite);
        canvas.drawText(1, 1, "1.5e-3", {0, 0, 0}, 1);
        int dark = 0;
        for (int y = 0; y < 20; ++y) {
            for (int x = 0; x < 40; ++x) {
                dark += canvas.pixel(x, y) == Rgb{0, 0, 0};
            }
        }
        QVERIFY(dark > 20);
        QCOMPARE(canvas.pixel(39, 19), kWhite);
    }

    void curvePassesThroughItsPoints()
    {
        CurvePlot plot({"loss", "epoch", false});
        PlotSeries series{"train", {}, {}, {200, 30, 30}, false};
        for (int e = 0; e <= 40; ++e) {
            series.x.push_back(e);
            series.y.push_back(2.0 / (1 + 0.2 * e));
        }
        plot.addSeries(series);
        Canvas canvas(800, 480, kWhite);
        const PlotMapping mapping = plot.draw(canvas, {0, 0, 800, 480});
        QVERIFY(mapping.frame.width > 600 && mapping.frame.height > 350);
        QVERIFY(mapping.xMin <= 0 && mapping.xMax >= 40);
        QVERIFY(mapping.yMin < 2.0 / 9 && mapping.yMax > 2.0);
        for (std::size_t i = 0; i < series.x.size(); ++i) {
            const auto at = mapping.toPixel(series.x[i], series.y[i]);
            QVERIFY(at && mapping.frame.contains(at->first, at->second));
            QVERIFY2(nearestColorDistance(canvas, at->first, at->second, series.color, 1) < 30,
                     qPrintable(QStringLiteral("point %1").arg(i)));
        }
        // Far below the curve (bottom right of the frame, between grid lines) is background.
        const auto empty = mapping.toPixel(37.5, 1.3);
        QVERIFY(empty.has_value());
        QCOMPARE(nearestColorDistance(canvas, empty->first, empty->second, kWhite, 0), 0);
        // Tick labels and title are drawn: dark pixels left of the frame and above it.
        int labelPixels = 0, titlePixels = 0;
        for (int y = 0; y < 480; ++y) {
            for (int x = 0; x < 800; ++x) {
                const bool dark = colorDistance(canvas.pixel(x, y), {40, 40, 40}) < 30;
                labelPixels += dark && x < mapping.frame.x;
                titlePixels += dark && y < mapping.frame.y;
            }
        }
        QVERIFY(labelPixels > 100);
        QVERIFY(titlePixels > 20);
    }

    void logAxisAndGaps()
    {
        CurvePlot plot({"lr", "step", true});
        PlotSeries series{"lr", {}, {}, {20, 20, 200}, true};
        for (int i = 0; i <= 40; ++i) {
            series.x.push_back(i);
            series.y.push_back(i == 20 ? std::nan("") : i == 21 ? -1.0 : std::pow(10.0, -i / 10.0));
        }
        plot.addSeries(series);
        QVERIFY(plot.hasData());
        Canvas canvas(600, 400, kWhite);
        const PlotMapping mapping = plot.draw(canvas, {0, 0, 600, 400});
        QVERIFY(mapping.logY);
        // Decades are evenly spaced on a log axis.
        const auto a = mapping.toPixel(0, 1), b = mapping.toPixel(0, 0.1), c = mapping.toPixel(0, 0.01);
        QVERIFY(a && b && c);
        QVERIFY(std::fabs((b->second - a->second) - (c->second - b->second)) < 1e-6);
        QVERIFY(!mapping.toPixel(1, 0));
        QVERIFY(!mapping.toPixel(1, -1));
        // The gap: nothing drawn halfway between x = 19 and x = 22 (NaN at 20, -1 at 21).
        const auto p19 = mapping.toPixel(19, std::pow(10.0, -1.9)),
                   p22 = mapping.toPixel(22, std::pow(10.0, -2.2));
        QVERIFY(p19 && p22);
        const double midX = (p19->first + p22->first) / 2, midY = (p19->second + p22->second) / 2;
        QVERIFY(nearestColorDistance(canvas, midX, midY, series.color, 2) > 100);

        CurvePlot nothing;
        QVERIFY(!nothing.hasData());
        Canvas empty(300, 200, kWhite);
        nothing.draw(empty, {0, 0, 300, 200}); // axes and "no data yet", no crash
    }

    void writesPng()
    {
        QTemporaryDir dir;
        const std::filesystem::path file = std::filesystem::path(dir.path().toStdString()) / "plot.png";
        Canvas canvas(64, 32, kWhite);
        canvas.drawLine(2, 2, 60, 30, 2, {255, 0, 0});
        HDR_VERIFY_OK(writeCanvasPng(canvas, file));
        HDR_VERIFY_OK(writeCanvasPng(canvas, file)); // replaces
        auto back = core::readImage(file);
        HDR_VERIFY_OK(back);
        QCOMPARE(back->width(), 64);
        QCOMPARE(back->height(), 32);
        const auto encoded = core::encodeDisplay8(*back, core::Transfer::srgb(), {});
        QVERIFY(encoded.pixels == canvas.toImage().pixels);
    }
};

HDR_TEST_MAIN(TestRunlogPlot)
#include "tst_runlog_plot.moc"
