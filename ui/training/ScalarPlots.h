#pragma once

#include "ui/training/RunCollection.h"

#include <QStringList>
#include <QWidget>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

class QCPGraph;
class QCustomPlot;
class QGridLayout;

namespace hdr::ui {

// The scalar curves of every run, one QCustomPlot chart per quantity: "loss" (train solid, other
// phases dashed), "learning rate", one per metric, "epoch time (s)", then any other series (tags
// of other tools), with x = step (the epoch for our runs). Each run has one colour and one legend
// entry per chart. Each curve is drawn twice: the raw values faint, and TensorBoard's debiased
// EMA (runlog::smoothDebiasedEma) on top.
//
// New data never moves a view the user has zoomed or dragged (a pain point of live dashboards):
// such a chart keeps its ranges until it is double-clicked or resetViews() is called.
class ScalarPlots : public QWidget {
    Q_OBJECT
public:
    explicit ScalarPlots(QWidget* parent = nullptr);
    ~ScalarPlots() override;

    void updateRun(const TrainingRun& run, const std::set<std::string>& changedSeries);
    void removeRun(int runId);

    void setSmoothing(double weight); // 0 .. 0.999
    double smoothing() const { return m_smoothing; }
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    void resetViews(); // back to following the data in every chart

    QStringList chartNames() const;
    QCustomPlot* chart(const QString& name) const;
    QCPGraph* rawGraph(int runId, const std::string& series) const;
    QCPGraph* smoothedGraph(int runId, const std::string& series) const;
    bool isUserView(const QString& chart) const;

    // Which chart a series goes to.
    static QString chartNameFor(const std::string& series);

private:
    struct Chart;
    struct Curve;
    Chart& chartFor(const QString& name);
    void setCurveData(Curve& curve, const std::vector<runlog::Point>& points);
    void resmooth(Curve& curve);
    void refreshLegend(Chart& chart);
    void refresh(Chart& chart);
    void relayout();

    QGridLayout* m_grid = nullptr;
    std::vector<std::unique_ptr<Chart>> m_charts;
    std::map<std::pair<int, std::string>, std::unique_ptr<Curve>> m_curves;
    std::map<int, QString> m_runNames;
    double m_smoothing = 0.6;
    bool m_logScale = false;
};

} // namespace hdr::ui
