#include "ui/training/ScalarPlots.h"

#include "runlog/Smoothing.h"

#include <qcustomplot.h>

#include <QGridLayout>
#include <QScrollArea>

#include <cmath>

namespace hdr::ui {

namespace {

constexpr int kColumns = 2;
constexpr int kRawAlpha = 60;

// The path components of a series name.
bool hasComponent(const std::string& series, const std::string& component)
{
    return series == component || series.starts_with(component + "/") || series.ends_with("/" + component);
}

int chartRank(const QString& name)
{
    if (name == QLatin1String("loss")) {
        return 0;
    }
    if (name == QLatin1String("learning rate")) {
        return 1;
    }
    if (name == QLatin1String("epoch time (s)")) {
        return 3;
    }
    return name.startsWith(QLatin1String("metrics: ")) ? 2 : 4;
}

// Training curves solid, evaluation phases dashed (the same convention as loss_curves.png).
Qt::PenStyle penStyleFor(const std::string& series)
{
    for (const char* phase : {"val", "valid", "validation", "eval", "test"}) {
        if (hasComponent(series, phase)) {
            return Qt::DashLine;
        }
    }
    return Qt::SolidLine;
}

} // namespace

struct ScalarPlots::Chart {
    QString name;
    QCustomPlot* plot = nullptr;
    bool userView = false;
};

struct ScalarPlots::Curve {
    int runId = 0;
    std::string series;
    Chart* chart = nullptr;
    QCPGraph* raw = nullptr;
    QCPGraph* smoothed = nullptr;
    QVector<double> keys;
    QVector<double> values;
};

ScalarPlots::ScalarPlots(QWidget* parent)
    : QWidget(parent)
{
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    auto* content = new QWidget(scroll);
    m_grid = new QGridLayout(content);
    m_grid->setContentsMargins(4, 4, 4, 4);
    scroll->setWidget(content);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
}

ScalarPlots::~ScalarPlots() = default;

QString ScalarPlots::chartNameFor(const std::string& series)
{
    if (hasComponent(series, "loss")) {
        return QStringLiteral("loss");
    }
    if (hasComponent(series, "lr") || series.find("learning_rate") != std::string::npos) {
        return QStringLiteral("learning rate");
    }
    if (series.starts_with("metrics/")) {
        return QStringLiteral("metrics: ") + QString::fromStdString(series.substr(8));
    }
    if (series.ends_with("/time")) {
        return QStringLiteral("epoch time (s)");
    }
    return QString::fromStdString(series);
}

ScalarPlots::Chart& ScalarPlots::chartFor(const QString& name)
{
    for (auto& chart : m_charts) {
        if (chart->name == name) {
            return *chart;
        }
    }
    auto chart = std::make_unique<Chart>();
    chart->name = name;
    chart->plot = new QCustomPlot(this);
    QCustomPlot* plot = chart->plot;
    plot->setMinimumSize(320, 240);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->plotLayout()->insertRow(0);
    QString title = name;
    if (name == QLatin1String("loss")) {
        title += QStringLiteral("  (train solid, validation dashed)");
    }
    plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(plot, title, QFont(font().family(), 10, QFont::Bold)));
    plot->xAxis->setLabel(QStringLiteral("step"));
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(font().family(), 8));
    plot->legend->setBrush(QColor(255, 255, 255, 200));
    if (m_logScale) {
        plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    }
    // Any zoom or drag by the user pins this chart's view until a double-click.
    Chart* raw = chart.get();
    connect(plot, &QCustomPlot::mouseWheel, this, [raw](QWheelEvent*) { raw->userView = true; });
    connect(plot, &QCustomPlot::mouseMove, this, [raw](QMouseEvent* event) {
        if (event->buttons() != Qt::NoButton) {
            raw->userView = true;
        }
    });
    connect(plot, &QCustomPlot::mouseDoubleClick, this, [this, raw](QMouseEvent*) {
        raw->userView = false;
        refresh(*raw);
    });
    m_charts.push_back(std::move(chart));
    relayout();
    return *raw;
}

void ScalarPlots::relayout()
{
    std::vector<Chart*> order;
    for (auto& chart : m_charts) {
        order.push_back(chart.get());
        m_grid->removeWidget(chart->plot);
    }
    std::stable_sort(order.begin(), order.end(), [](const Chart* a, const Chart* b) {
        return std::make_pair(chartRank(a->name), a->name) < std::make_pair(chartRank(b->name), b->name);
    });
    for (std::size_t i = 0; i < order.size(); ++i) {
        m_grid->addWidget(order[i]->plot, int(i) / kColumns, int(i) % kColumns);
    }
}

void ScalarPlots::updateRun(const TrainingRun& run, const std::set<std::string>& changedSeries)
{
    m_runNames[run.id] = run.name;
    std::set<Chart*> touched;
    for (const std::string& series : changedSeries) {
        const auto points = run.data.scalars.find(series);
        if (points == run.data.scalars.end()) {
            continue;
        }
        auto& slot = m_curves[{run.id, series}];
        if (!slot) {
            slot = std::make_unique<Curve>();
            slot->runId = run.id;
            slot->series = series;
            slot->chart = &chartFor(chartNameFor(series));
            QCustomPlot* plot = slot->chart->plot;
            QColor faint = run.color;
            faint.setAlpha(kRawAlpha);
            slot->raw = plot->addGraph();
            slot->raw->setPen(QPen(faint, 1.0, penStyleFor(series)));
            slot->raw->removeFromLegend();
            slot->smoothed = plot->addGraph();
            slot->smoothed->setPen(QPen(run.color, 2.0, penStyleFor(series)));
            slot->smoothed->setName(run.name);
        }
        setCurveData(*slot, points->second);
        touched.insert(slot->chart);
    }
    for (Chart* chart : touched) {
        refreshLegend(*chart);
        refresh(*chart);
    }
}

void ScalarPlots::removeRun(int runId)
{
    std::set<Chart*> touched;
    for (auto it = m_curves.begin(); it != m_curves.end();) {
        if (it->first.first == runId) {
            it->second->chart->plot->removeGraph(it->second->raw);
            it->second->chart->plot->removeGraph(it->second->smoothed);
            touched.insert(it->second->chart);
            it = m_curves.erase(it);
        } else {
            ++it;
        }
    }
    m_runNames.erase(runId);
    for (Chart* chart : touched) {
        refreshLegend(*chart);
        refresh(*chart);
    }
}

void ScalarPlots::setCurveData(Curve& curve, const std::vector<runlog::Point>& points)
{
    curve.keys.resize(qsizetype(points.size()));
    curve.values.resize(qsizetype(points.size()));
    for (std::size_t i = 0; i < points.size(); ++i) {
        curve.keys[qsizetype(i)] = double(points[i].step);
        curve.values[qsizetype(i)] = points[i].value;
    }
    curve.raw->setData(curve.keys, curve.values, /*alreadySorted=*/true);
    resmooth(curve);
}

void ScalarPlots::resmooth(Curve& curve)
{
    const std::vector<double> smoothed = runlog::smoothDebiasedEma(
        std::span<const double>(curve.values.constData(), std::size_t(curve.values.size())), m_smoothing);
    curve.smoothed->setData(
        curve.keys, QVector<double>(smoothed.begin(), smoothed.end()), /*alreadySorted=*/true);
}

void ScalarPlots::refreshLegend(Chart& chart)
{
    // One entry per run: its first smoothed curve in this chart (series order), named after it.
    std::set<int> listed;
    for (auto& [key, curve] : m_curves) {
        if (curve->chart != &chart) {
            continue;
        }
        curve->smoothed->removeFromLegend();
        if (listed.insert(key.first).second) {
            curve->smoothed->addToLegend();
        }
    }
}

void ScalarPlots::refresh(Chart& chart)
{
    if (!chart.userView) {
        chart.plot->rescaleAxes();
        const QCPRange y = chart.plot->yAxis->range();
        // A (nearly) constant series: show it mid-chart rather than magnifying rounding noise
        // (its smoothed curve differs from the constant in the last bits).
        const double magnitude = std::max(std::fabs(y.lower), std::fabs(y.upper));
        const bool flat = y.size() <= 1e-9 * magnitude || y.size() == 0;
        const double centre = y.center();
        if (m_logScale) {
            chart.plot->yAxis->setRange(flat ? centre / 2 : y.lower / 1.2, flat ? centre * 2 : y.upper * 1.2);
        } else if (flat) {
            const double half = magnitude > 0 ? magnitude * 0.1 : 1.0;
            chart.plot->yAxis->setRange(centre - half, centre + half);
        } else {
            chart.plot->yAxis->setRange(y.lower - y.size() * 0.05, y.upper + y.size() * 0.05);
        }
    }
    chart.plot->replot(QCustomPlot::rpQueuedReplot);
}

void ScalarPlots::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.999);
    std::set<Chart*> touched;
    for (auto& [key, curve] : m_curves) {
        resmooth(*curve);
        touched.insert(curve->chart);
    }
    for (Chart* chart : touched) {
        chart->plot->replot(QCustomPlot::rpQueuedReplot); // smoothing never rescales: the view stays
    }
}

void ScalarPlots::setLogScale(bool on)
{
    m_logScale = on;
    for (auto& chart : m_charts) {
        QCPAxis* axis = chart->plot->yAxis;
        axis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        axis->setTicker(on ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                           : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        chart->userView = false; // the old ranges mean nothing on the other scale
        refresh(*chart);
    }
}

void ScalarPlots::resetViews()
{
    for (auto& chart : m_charts) {
        chart->userView = false;
        refresh(*chart);
    }
}

QStringList ScalarPlots::chartNames() const
{
    QStringList names;
    for (const auto& chart : m_charts) {
        names << chart->name;
    }
    names.sort();
    return names;
}

QCustomPlot* ScalarPlots::chart(const QString& name) const
{
    for (const auto& chart : m_charts) {
        if (chart->name == name) {
            return chart->plot;
        }
    }
    return nullptr;
}

QCPGraph* ScalarPlots::rawGraph(int runId, const std::string& series) const
{
    const auto it = m_curves.find({runId, series});
    return it == m_curves.end() ? nullptr : it->second->raw;
}

QCPGraph* ScalarPlots::smoothedGraph(int runId, const std::string& series) const
{
    const auto it = m_curves.find({runId, series});
    return it == m_curves.end() ? nullptr : it->second->smoothed;
}

bool ScalarPlots::isUserView(const QString& name) const
{
    for (const auto& chart : m_charts) {
        if (chart->name == name) {
            return chart->userView;
        }
    }
    return false;
}

} // namespace hdr::ui
