#include "ui/training/TrainingDashboard.h"

#include "runlog/RunFolder.h"
#include "ui/training/CheckpointList.h"
#include "ui/training/ConfigTable.h"
#include "ui/training/ImagePanels.h"
#include "ui/training/ScalarPlots.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace hdr::ui {

namespace {

constexpr int kRunIdRole = Qt::UserRole + 1;
constexpr int kSmoothingSteps = 999; // slider 0..999 -> weight 0..0.999

QIcon swatch(const QColor& color)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(color);
    return QIcon(pixmap);
}

} // namespace

TrainingDashboard::TrainingDashboard(core::JobManager* jobs, QWidget* parent)
    : QWidget(parent)
    , m_runs(new RunCollection(jobs, this))
{
    // Top row: runs and training actions.
    auto* add = new QPushButton(tr("Add run…"), this);
    add->setToolTip(
        tr("Open a run folder (runs/<date>_<time>[_tag]) or any folder with TensorBoard event files"));
    m_start = new QPushButton(tr("Start…"), this);
    m_start->setToolTip(tr("Start a training run from a config file"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setToolTip(tr("Ask the selected run's trainer to stop (creates STOP_TRAINING in its folder)"));
    m_resume = new QPushButton(tr("Resume"), this);
    m_resume->setToolTip(tr("Resume the selected run from its latest checkpoint"));
    m_follow = new QCheckBox(tr("Follow live"), this);
    m_follow->setChecked(true);
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* top = new QHBoxLayout;
    for (QWidget* widget : std::initializer_list<QWidget*>{add, m_start, m_stop, m_resume, m_follow}) {
        top->addWidget(widget);
    }
    top->addWidget(m_status, 1);

    // Left: the runs, one colour each.
    m_runList = new QListWidget(this);
    m_runList->setMinimumWidth(160);

    // Scalars tab: smoothing, scale, reset, then the charts.
    m_smoothing = new QSlider(Qt::Horizontal, this);
    m_smoothing->setRange(0, kSmoothingSteps);
    m_smoothing->setValue(600);
    m_smoothing->setToolTip(
        tr("Smoothing: TensorBoard's debiased exponential moving average; raw values stay faint"));
    m_smoothingValue = new QLabel(QStringLiteral("0.600"), this);
    m_logScale = new QCheckBox(tr("Log scale"), this);
    auto* reset = new QPushButton(tr("Reset views"), this);
    reset->setToolTip(tr("Fit every chart to its data again (zooming or dragging a chart pins its view; "
                         "double-click a chart to release it)"));
    m_plots = new ScalarPlots(this);
    m_plots->setSmoothing(0.6);
    auto* scalarControls = new QHBoxLayout;
    scalarControls->addWidget(new QLabel(tr("Smoothing"), this));
    scalarControls->addWidget(m_smoothing, 1);
    scalarControls->addWidget(m_smoothingValue);
    scalarControls->addWidget(m_logScale);
    scalarControls->addWidget(reset);
    auto* scalarsPage = new QWidget(this);
    auto* scalarsLayout = new QVBoxLayout(scalarsPage);
    scalarsLayout->addLayout(scalarControls);
    scalarsLayout->addWidget(m_plots, 1);

    m_images = new ImagePanels(m_runs, this);
    m_config = new ConfigTable(this);
    m_checkpoints = new CheckpointList(this);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(scalarsPage, tr("Scalars"));
    m_tabs->addTab(m_images, tr("Images"));
    m_tabs->addTab(m_config, tr("Config"));
    m_tabs->addTab(m_checkpoints, tr("Checkpoints"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_runList);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({200, 1000});
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);

    connect(add, &QPushButton::clicked, this, &TrainingDashboard::chooseRunFolder);
    connect(m_start, &QPushButton::clicked, this, &TrainingDashboard::chooseConfig);
    connect(m_stop, &QPushButton::clicked, this, [this] { stopRun(currentRunDir()); });
    connect(m_resume, &QPushButton::clicked, this, [this] { resumeRun(currentRunDir()); });
    connect(m_follow, &QCheckBox::toggled, m_runs, &RunCollection::setFollowing);
    connect(m_smoothing, &QSlider::valueChanged, this, [this](int value) {
        const double weight = double(value) / 1000.0;
        m_smoothingValue->setText(QString::number(weight, 'f', 3));
        m_plots->setSmoothing(weight);
    });
    connect(m_logScale, &QCheckBox::toggled, m_plots, &ScalarPlots::setLogScale);
    connect(reset, &QPushButton::clicked, m_plots, &ScalarPlots::resetViews);
    connect(m_runList, &QListWidget::currentRowChanged, this, &TrainingDashboard::updateButtons);
    connect(m_runs, &RunCollection::runAdded, this, &TrainingDashboard::onRunAdded);
    connect(m_runs, &RunCollection::runChanged, this, &TrainingDashboard::onRunChanged);
    connect(m_runs, &RunCollection::runRemoved, this, &TrainingDashboard::onRunRemoved);
    updateButtons();
    setStatus(tr("Add a run folder to follow it."), false);
}

TrainingDashboard::~TrainingDashboard() = default;

int TrainingDashboard::addRun(const QString& runDir)
{
    return m_runs->addRun(runDir);
}

void TrainingDashboard::removeRun(int runId)
{
    m_runs->removeRun(runId);
}

QStringList TrainingDashboard::runDirs() const
{
    QStringList dirs;
    for (const TrainingRun* run : m_runs->runs()) {
        dirs << run->dir;
    }
    return dirs;
}

QString TrainingDashboard::currentRunDir() const
{
    const QListWidgetItem* item = m_runList->currentItem();
    const TrainingRun* run = item ? m_runs->run(item->data(kRunIdRole).toInt()) : nullptr;
    return run ? run->dir : QString();
}

void TrainingDashboard::setCurrentRunDir(const QString& runDir)
{
    const TrainingRun* run = m_runs->runByDir(runDir);
    for (int row = 0; run && row < m_runList->count(); ++row) {
        if (m_runList->item(row)->data(kRunIdRole).toInt() == run->id) {
            m_runList->setCurrentRow(row);
        }
    }
}

void TrainingDashboard::setFollowing(bool following)
{
    m_follow->setChecked(following);
}

void TrainingDashboard::setPollInterval(int milliseconds)
{
    m_runs->setPollInterval(milliseconds);
}

void TrainingDashboard::requestStart(const QString& configPath)
{
    setStatus(tr("Start requested with %1").arg(configPath), false);
    emit startRequested(configPath);
}

bool TrainingDashboard::stopRun(const QString& runDir)
{
    if (runDir.isEmpty()) {
        setStatus(tr("Select the run to stop first."), true);
        return false;
    }
    const auto requested = runlog::requestStop(runDir.toStdString());
    if (!requested) {
        setStatus(
            tr("Could not ask the run to stop: %1").arg(QString::fromStdString(requested.error().describe())),
            true);
        return false;
    }
    setStatus(tr("Stop requested: the trainer of %1 stops after its current step.").arg(runDir), false);
    emit stopRequested(runDir);
    return true;
}

void TrainingDashboard::resumeRun(const QString& runDir)
{
    if (runDir.isEmpty()) {
        setStatus(tr("Select the run to resume first."), true);
        return;
    }
    setStatus(tr("Resume requested for %1").arg(runDir), false);
    emit resumeRequested(runDir);
}

QString TrainingDashboard::statusText() const
{
    return m_status->text();
}

void TrainingDashboard::chooseRunFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a training run folder"));
    if (!dir.isEmpty()) {
        setCurrentRunDir(m_runs->run(addRun(dir))->dir);
    }
}

void TrainingDashboard::chooseConfig()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Choose a training configuration"), QString(), tr("JSON (*.json)"));
    if (!path.isEmpty()) {
        requestStart(path);
    }
}

void TrainingDashboard::onRunAdded(int id)
{
    const TrainingRun* run = m_runs->run(id);
    auto* item = new QListWidgetItem(swatch(run->color), run->name, m_runList);
    item->setData(kRunIdRole, id);
    item->setToolTip(run->dir);
    if (m_runList->currentRow() < 0) {
        m_runList->setCurrentItem(item);
    }
    refreshConfigTable();
    updateButtons();
    setStatus(tr("Following %n run(s).", nullptr, m_runList->count()), false);
}

void TrainingDashboard::onRunChanged(const RunChange& change)
{
    const TrainingRun* run = m_runs->run(change.runId);
    if (!run) {
        return;
    }
    if (!change.series.empty()) {
        m_plots->updateRun(*run, change.series);
    }
    if (change.images) {
        m_images->updateRun(*run);
    }
    if (change.checkpoints) {
        m_checkpoints->setCheckpoints(run->id, run->name, run->color, run->data.checkpoints);
    }
    if (change.config) {
        refreshConfigTable();
    }
    refreshRunItem(run->id);
}

void TrainingDashboard::onRunRemoved(int id)
{
    for (int row = 0; row < m_runList->count(); ++row) {
        if (m_runList->item(row)->data(kRunIdRole).toInt() == id) {
            delete m_runList->takeItem(row);
            break;
        }
    }
    m_plots->removeRun(id);
    m_images->removeRun(id);
    m_checkpoints->removeRun(id);
    refreshConfigTable();
    updateButtons();
}

void TrainingDashboard::refreshConfigTable()
{
    std::vector<std::pair<QString, nlohmann::json>> configs;
    for (const TrainingRun* run : m_runs->runs()) {
        configs.emplace_back(run->name, run->data.config);
    }
    m_config->setRuns(configs);
}

void TrainingDashboard::refreshRunItem(int id)
{
    const TrainingRun* run = m_runs->run(id);
    for (int row = 0; run && row < m_runList->count(); ++row) {
        QListWidgetItem* item = m_runList->item(row);
        if (item->data(kRunIdRole).toInt() != id) {
            continue;
        }
        QString tip = run->dir;
        if (!run->error.isEmpty()) {
            tip += QStringLiteral("\n") + run->error;
        }
        const auto& problems = run->data.problems;
        const std::size_t shown = std::min<std::size_t>(problems.size(), 10);
        for (std::size_t i = problems.size() - shown; i < problems.size(); ++i) {
            tip += QStringLiteral("\n• ") + QString::fromStdString(problems[i].describe());
        }
        item->setToolTip(tip);
        item->setText(run->name +
                      (run->error.isEmpty() && problems.empty() ? QString() : QStringLiteral("  ⚠")));
        if (!run->error.isEmpty()) {
            setStatus(run->error, true);
        }
    }
}

void TrainingDashboard::updateButtons()
{
    const bool selected = !currentRunDir().isEmpty();
    m_stop->setEnabled(selected);
    m_resume->setEnabled(selected);
}

void TrainingDashboard::setStatus(const QString& text, bool isError)
{
    m_status->setText(text);
    m_status->setStyleSheet(isError ? QStringLiteral("color: #d03030;") : QString());
}

} // namespace hdr::ui
