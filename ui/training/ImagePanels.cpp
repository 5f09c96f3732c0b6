#include "ui/training/ImagePanels.h"

#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace hdr::ui {

namespace {
constexpr int kColumns = 3;
constexpr int kMaxSide = 512; // decoded images are scaled down to this on the worker
constexpr std::size_t kCachePerPanel = 6;
constexpr int kImageWidth = 320; // on screen
} // namespace

struct ImagePanels::Panel {
    int runId = 0;
    std::string series;
    QString title;
    std::map<std::int64_t, runlog::ImageRef> images;
    QFrame* box = nullptr;
    QLabel* imageLabel = nullptr;
    QLabel* caption = nullptr;
    std::optional<std::int64_t> shownStep;
    QImage shown;
    bool loading = false;
    std::map<std::int64_t, QImage> cache;
    std::deque<std::int64_t> cacheOrder;
};

ImagePanels::ImagePanels(RunCollection* runs, QWidget* parent)
    : QWidget(parent)
    , m_runs(runs)
{
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setRange(0, 0);
    m_slider->setToolTip(
        tr("One step for every image panel: each shows its image at the nearest step at or before it"));
    m_entry = new QSpinBox(this);
    m_entry->setRange(std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    m_entry->setToolTip(tr("Jump to a step"));
    m_entry->setKeyboardTracking(false);
    m_stepLabel = new QLabel(tr("No images yet"), this);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Step:"), this));
    controls->addWidget(m_slider, 1);
    controls->addWidget(m_entry);
    controls->addWidget(m_stepLabel);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    auto* content = new QWidget(scroll);
    auto* contentLayout = new QVBoxLayout(content);
    m_grid = new QGridLayout;
    m_grid->setColumnStretch(kColumns, 1); // panels keep their width, packed to the left
    contentLayout->addLayout(m_grid);
    contentLayout->addStretch(1); // panels keep their natural height
    scroll->setWidget(content);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(scroll, 1);

    connect(m_slider, &QSlider::valueChanged, this, &ImagePanels::onSlider);
    connect(m_entry, &QSpinBox::valueChanged, this, [this](int value) {
        if (!m_updatingControls) {
            setStep(value);
        }
    });
}

ImagePanels::~ImagePanels() = default;

void ImagePanels::updateRun(const TrainingRun& run)
{
    for (auto& panel : m_panels) {
        if (panel->runId == run.id) {
            const auto it = run.data.images.find(panel->series);
            if (it == run.data.images.end()) {
                panel->images.clear();
            }
        }
    }
    for (const auto& [series, images] : run.data.images) {
        auto it = std::find_if(m_panels.begin(), m_panels.end(), [&](const auto& panel) {
            return panel->runId == run.id && panel->series == series;
        });
        if (it == m_panels.end()) {
            auto panel = std::make_unique<Panel>();
            panel->runId = run.id;
            panel->series = series;
            panel->title = run.name + QStringLiteral(" · ") + QString::fromStdString(series);
            panel->box = new QFrame(this);
            panel->box->setFrameShape(QFrame::StyledPanel);
            panel->box->setMaximumWidth(kImageWidth + 40);
            auto* title = new QLabel(panel->title, panel->box);
            title->setStyleSheet(QStringLiteral("font-weight: bold; color: %1;").arg(run.color.name()));
            panel->imageLabel = new QLabel(panel->box);
            panel->imageLabel->setMinimumSize(kImageWidth, 60);
            panel->imageLabel->setAlignment(Qt::AlignCenter);
            panel->caption = new QLabel(panel->box);
            auto* box = new QVBoxLayout(panel->box);
            box->addWidget(title);
            box->addWidget(panel->imageLabel);
            box->addWidget(panel->caption);
            const int index = int(m_panels.size());
            m_grid->addWidget(panel->box, index / kColumns, index % kColumns, Qt::AlignLeft | Qt::AlignTop);
            m_panels.push_back(std::move(panel));
            it = m_panels.end() - 1;
        }
        (*it)->images = images;
    }
    rebuildSteps();
}

void ImagePanels::removeRun(int runId)
{
    std::erase_if(m_panels, [&](const auto& panel) {
        if (panel->runId != runId) {
            return false;
        }
        delete panel->box;
        return true;
    });
    for (std::size_t i = 0; i < m_panels.size(); ++i) {
        m_grid->addWidget(
            m_panels[i]->box, int(i) / kColumns, int(i) % kColumns, Qt::AlignLeft | Qt::AlignTop);
    }
    rebuildSteps();
}

void ImagePanels::rebuildSteps()
{
    std::vector<std::int64_t> steps;
    for (const auto& panel : m_panels) {
        for (const auto& [step, image] : panel->images) {
            steps.push_back(step);
        }
    }
    std::sort(steps.begin(), steps.end());
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    m_steps = std::move(steps);
    if (m_steps.empty()) {
        m_stepLabel->setText(tr("No images yet"));
    } else if (m_followLatest) {
        m_step = m_steps.back();
    }
    setStep(m_step);
}

void ImagePanels::setStep(std::int64_t step)
{
    const bool changed = step != m_step;
    m_step = step;
    m_followLatest = m_steps.empty() || step >= m_steps.back();
    m_updatingControls = true;
    m_slider->setRange(0, std::max(0, int(m_steps.size()) - 1));
    const auto after = std::upper_bound(m_steps.begin(), m_steps.end(), step);
    m_slider->setValue(after == m_steps.begin() ? 0 : int(after - m_steps.begin()) - 1);
    m_entry->setValue(int(
        std::clamp<std::int64_t>(step, std::numeric_limits<int>::min(), std::numeric_limits<int>::max())));
    m_updatingControls = false;
    if (!m_steps.empty()) {
        m_stepLabel->setText(tr("step %1 (%2 … %3)").arg(step).arg(m_steps.front()).arg(m_steps.back()));
    }
    for (auto& panel : m_panels) {
        refresh(*panel);
    }
    if (changed) {
        emit stepChanged(qint64(step));
    }
}

void ImagePanels::onSlider(int index)
{
    if (m_updatingControls || index < 0 || std::size_t(index) >= m_steps.size()) {
        return;
    }
    setStep(m_steps[std::size_t(index)]);
}

void ImagePanels::refresh(Panel& panel)
{
    const auto after = panel.images.upper_bound(m_step);
    if (after == panel.images.begin()) {
        panel.shownStep.reset();
        panel.shown = QImage();
        panel.imageLabel->setPixmap(QPixmap());
        panel.imageLabel->setText(tr("no image at or before step %1").arg(m_step));
        panel.caption->clear();
        return;
    }
    const std::int64_t wanted = std::prev(after)->first;
    if (panel.shownStep == wanted) {
        return;
    }
    if (const auto cached = panel.cache.find(wanted); cached != panel.cache.end()) {
        show(panel, wanted, cached->second, QString());
        return;
    }
    if (!panel.loading) {
        startLoad(panel, wanted);
    } // else: the load in flight refreshes the panel again when it lands
}

void ImagePanels::startLoad(Panel& panel, std::int64_t step)
{
    panel.loading = true;
    panel.caption->setText(tr("loading step %1…").arg(step));
    const int runId = panel.runId;
    const std::string series = panel.series;
    m_runs->loadImage(runId, panel.images.at(step), kMaxSide)
        .then(this, [this, runId, series, step](QFuture<LoadedImage> done) {
            const auto it = std::find_if(m_panels.begin(), m_panels.end(), [&](const auto& p) {
                return p->runId == runId && p->series == series;
            });
            if (it == m_panels.end()) {
                return; // the run was closed meanwhile
            }
            Panel& target = **it;
            target.loading = false;
            const LoadedImage loaded =
                done.resultCount() > 0 ? done.result() : LoadedImage{QImage(), tr("loading failed")};
            target.cache[step] = loaded.image;
            target.cacheOrder.push_back(step);
            if (target.cacheOrder.size() > kCachePerPanel) {
                target.cache.erase(target.cacheOrder.front());
                target.cacheOrder.pop_front();
            }
            show(target, step, loaded.image, loaded.error);
            refresh(target); // the slider may have moved on while this one loaded
        });
}

void ImagePanels::show(Panel& panel, std::int64_t step, const QImage& image, const QString& error)
{
    const auto after = panel.images.upper_bound(m_step);
    if (after == panel.images.begin() || std::prev(after)->first != step) {
        return; // no longer the wanted one: refresh() loads that
    }
    panel.shownStep = step;
    panel.shown = image;
    if (image.isNull()) {
        panel.imageLabel->setPixmap(QPixmap());
        panel.imageLabel->setText(error);
    } else {
        // Fit the panel width: small renders are enlarged without smoothing so their pixels
        // stay visible; large ones are reduced smoothly.
        const QImage fitted = image.scaledToWidth(
            kImageWidth, image.width() < kImageWidth ? Qt::FastTransformation : Qt::SmoothTransformation);
        panel.imageLabel->setPixmap(QPixmap::fromImage(fitted));
    }
    panel.caption->setText(tr("step %1").arg(step));
}

QString ImagePanels::panelTitle(int index) const
{
    return index >= 0 && index < panelCount() ? m_panels[std::size_t(index)]->title : QString();
}

std::optional<std::int64_t> ImagePanels::shownStep(int index) const
{
    return index >= 0 && index < panelCount() ? m_panels[std::size_t(index)]->shownStep : std::nullopt;
}

QImage ImagePanels::shownImage(int index) const
{
    return index >= 0 && index < panelCount() ? m_panels[std::size_t(index)]->shown : QImage();
}

bool ImagePanels::isLoading() const
{
    return std::any_of(m_panels.begin(), m_panels.end(), [](const auto& panel) { return panel->loading; });
}

} // namespace hdr::ui
