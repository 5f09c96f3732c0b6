#include "runlog/RunCurves.h"

#include "runlog/CurvePlot.h"
#include "runlog/RunFolder.h"

#include <algorithm>

namespace hdr::runlog {

namespace {

constexpr std::string_view kLossSuffix = "/loss";
constexpr std::string_view kMetricsPrefix = "metrics/";

PlotSeries toPlotSeries(const std::string& name, const std::vector<Point>& points, Rgb color)
{
    PlotSeries series;
    series.name = name;
    series.color = color;
    series.x.reserve(points.size());
    series.y.reserve(points.size());
    for (const Point& point : points) {
        series.x.push_back(double(point.step));
        series.y.push_back(point.value);
    }
    return series;
}

} // namespace

std::optional<Canvas> renderLossCurves(const RunSnapshot& run)
{
    CurvePlot plot({"loss", "epoch", false});
    std::size_t index = 0;
    // train first, so it gets the first colour and the top legend row.
    std::vector<std::string> names;
    for (const auto& [series, points] : run.scalars) {
        if (series.size() > kLossSuffix.size() && series.ends_with(kLossSuffix) &&
            series.find('/') == series.size() - kLossSuffix.size()) {
            names.push_back(series);
        }
    }
    std::stable_partition(names.begin(), names.end(), [](const std::string& n) { return n == "train/loss"; });
    for (const std::string& name : names) {
        PlotSeries series = toPlotSeries(
            name.substr(0, name.size() - kLossSuffix.size()), run.scalars.at(name), seriesColor(index++));
        series.dashed = name != "train/loss";
        plot.addSeries(std::move(series));
    }
    if (!plot.hasData()) {
        return std::nullopt;
    }
    Canvas canvas(1000, 600, {255, 255, 255});
    plot.draw(canvas, {0, 0, canvas.width(), canvas.height()});
    return canvas;
}

std::optional<Canvas> renderMetricsCurves(const RunSnapshot& run)
{
    std::vector<CurvePlot> plots;
    std::size_t index = 0;
    for (const auto& [series, points] : run.scalars) {
        if (!series.starts_with(kMetricsPrefix)) {
            continue;
        }
        const std::string name = series.substr(kMetricsPrefix.size());
        CurvePlot plot({name, "epoch", false});
        plot.addSeries(toPlotSeries(name, points, seriesColor(index++)));
        if (plot.hasData()) {
            plots.push_back(std::move(plot));
        }
    }
    if (plots.empty()) {
        return std::nullopt;
    }
    constexpr int kPanelWidth = 420, kPanelHeight = 300, kColumns = 3;
    const int columns = std::min<int>(kColumns, int(plots.size()));
    const int rows = (int(plots.size()) + kColumns - 1) / kColumns;
    Canvas canvas(columns * kPanelWidth, rows * kPanelHeight, {255, 255, 255});
    for (std::size_t i = 0; i < plots.size(); ++i) {
        const int column = int(i) % kColumns, row = int(i) / kColumns;
        plots[i].draw(canvas, {column * kPanelWidth, row * kPanelHeight, kPanelWidth, kPanelHeight});
    }
    return canvas;
}

core::Status writeRunCurves(const std::filesystem::path& runDir, const RunSnapshot& run)
{
    const RunPaths paths(runDir);
    if (auto loss = renderLossCurves(run)) {
        if (auto written = writeCanvasPng(*loss, paths.lossCurves()); !written) {
            return written;
        }
    }
    if (auto metrics = renderMetricsCurves(run)) {
        if (auto written = writeCanvasPng(*metrics, paths.metricsCurves()); !written) {
            return written;
        }
    }
    return {};
}

} // namespace hdr::runlog
