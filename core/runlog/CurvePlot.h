#pragma once

#include "common/Error.h"
#include "runlog/Canvas.h"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hdr::runlog {

struct PlotSeries {
    std::string name;
    std::vector<double> x;
    std::vector<double> y; // non-finite values (and values <= 0 on a log axis) break the line
    Rgb color;
    bool dashed = false;
};

struct CurvePlotOptions {
    std::string title;
    std::string xLabel = "epoch";
    bool logY = false;
};

// Where the data went: the plot frame in canvas pixels and the axis ranges it spans.
struct PlotMapping {
    PixelRect frame;
    double xMin = 0, xMax = 1, yMin = 0, yMax = 1; // yMin/yMax are log10 values on a log axis
    bool logY = false;
    // Canvas pixel of a data point (none for y <= 0 on a log axis or non-finite input).
    std::optional<std::pair<double, double>> toPixel(double x, double y) const;
};

// Line charts rendered without Qt for the run folder's loss_curves.png / metrics_curves.png:
// a frame with grid, "nice" ticks (1, 2, 5 x 10^k; decades on a log axis) and their labels,
// one polyline per series (dashed on request), a legend and a title, in the 5x7 bitmap font.
class CurvePlot {
public:
    explicit CurvePlot(CurvePlotOptions options = {});

    void addSeries(PlotSeries series);
    bool hasData() const; // some series has a drawable point

    // Draws into `area` of the canvas (several plots can share one canvas).
    PlotMapping draw(Canvas& canvas, PixelRect area) const;

private:
    CurvePlotOptions m_options;
    std::vector<PlotSeries> m_series;
};

// Tick positions covering [lo, hi] at a step of 1, 2 or 5 x 10^k, about `target` of them.
std::vector<double> niceTicks(double lo, double hi, int target);
// A tick label: as few digits as `step` needs; scientific ("1e-5", "2.5e6") for very small or
// large magnitudes.
std::string formatTick(double value, double step);

// A distinct colour per series index (a qualitative palette chosen for white backgrounds).
Rgb seriesColor(std::size_t index);

} // namespace hdr::runlog
