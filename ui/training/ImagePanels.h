#pragma once

#include "ui/training/RunCollection.h"

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QGridLayout;
class QLabel;
class QSlider;
class QSpinBox;

namespace hdr::ui {

// The images of every run (viz/ PNGs and TensorBoard image summaries), one panel per run and
// image series, all driven by ONE step control: a slider over every step that has an image in
// any panel, plus a numeric entry for any step. Each panel shows its image at the nearest step
// <= the chosen one (TensorBoard issue #469: one global step for all image cards).
//
// Images load lazily on a worker thread (RunCollection::loadImage), one load per panel in
// flight: while the slider moves, each panel finishes what it is loading and then loads the
// latest wanted step, skipping the ones in between. A few decoded images per panel are cached.
// While the slider sits at the last step it follows new steps as they arrive.
class ImagePanels : public QWidget {
    Q_OBJECT
public:
    explicit ImagePanels(RunCollection* runs, QWidget* parent = nullptr);
    ~ImagePanels() override;

    void updateRun(const TrainingRun& run);
    void removeRun(int runId);

    void setStep(std::int64_t step);
    std::int64_t step() const { return m_step; }
    QSlider* slider() const { return m_slider; }
    QSpinBox* stepEntry() const { return m_entry; }

    int panelCount() const { return int(m_panels.size()); }
    QString panelTitle(int index) const;
    std::optional<std::int64_t> shownStep(int index) const; // none when the panel shows no image
    QImage shownImage(int index) const;
    bool isLoading() const;

signals:
    void stepChanged(qint64 step);

private:
    struct Panel;
    void rebuildSteps();
    void refresh(Panel& panel);
    void startLoad(Panel& panel, std::int64_t step);
    void show(Panel& panel, std::int64_t step, const QImage& image, const QString& error);
    void onSlider(int index);

    RunCollection* m_runs;
    QSlider* m_slider = nullptr;
    QSpinBox* m_entry = nullptr;
    QLabel* m_stepLabel = nullptr;
    QGridLayout* m_grid = nullptr;
    std::vector<std::unique_ptr<Panel>> m_panels;
    std::vector<std::int64_t> m_steps; // every step with an image, sorted
    std::int64_t m_step = 0;
    bool m_followLatest = true;
    bool m_updatingControls = false;
};

} // namespace hdr::ui
