#include "ui/jobs/JobListPanel.h"

#include "jobs/JobManager.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace hdr::ui {
namespace {
enum Column { Title, State, Progress, Eta, Action };
constexpr int kIdRole = Qt::UserRole + 1;

QString stateText(const core::JobInfo& j)
{
    switch (j.state) {
    case core::JobState::Queued: return QObject::tr("Queued");
    case core::JobState::Running: return j.stage.isEmpty() ? QObject::tr("Running") : j.stage;
    case core::JobState::Succeeded: return QObject::tr("Done");
    case core::JobState::Failed: return QObject::tr("Failed: %1").arg(j.error);
    case core::JobState::Cancelled: return QObject::tr("Cancelled");
    }
    return {};
}
} // namespace

JobListPanel::JobListPanel(core::JobManager* manager, QWidget* parent)
    : QWidget(parent)
    , m_manager(manager)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_tree = new QTreeWidget;
    m_tree->setRootIsDecorated(false);
    m_tree->setHeaderLabels({tr("Job"), tr("State"), tr("Progress"), tr("ETA"), QString()});
    m_tree->header()->setSectionResizeMode(Title, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(State, QHeaderView::Stretch);
    m_tree->setColumnWidth(Progress, 110);
    m_tree->setColumnWidth(Eta, 50);
    m_tree->setColumnWidth(Action, 70);
    layout->addWidget(m_tree);
    auto* clear = new QPushButton(tr("Clear finished"));
    layout->addWidget(clear, 0, Qt::AlignRight);

    connect(clear, &QPushButton::clicked, m_manager, &core::JobManager::clearAll);
    connect(m_manager, &core::JobManager::jobAdded, this, &JobListPanel::addRow);
    connect(m_manager, &core::JobManager::jobChanged, this, &JobListPanel::refreshRow);
    connect(m_manager, &core::JobManager::jobsCleared, this, &JobListPanel::rebuild);
    rebuild();
}

int JobListPanel::rowCount() const
{
    return m_tree->topLevelItemCount();
}

QTreeWidgetItem* JobListPanel::itemFor(quint64 id) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* it = m_tree->topLevelItem(i);
        if (it->data(Title, kIdRole).toULongLong() == id) {
            return it;
        }
    }
    return nullptr;
}

void JobListPanel::addRow(quint64 id)
{
    auto info = m_manager->job(id);
    if (!info || itemFor(id)) {
        return;
    }
    auto* item = new QTreeWidgetItem;
    item->setData(Title, kIdRole, id);
    item->setText(Title, info->title);
    m_tree->insertTopLevelItem(0, item); // newest first
    auto* bar = new QProgressBar;
    bar->setRange(0, 1000);
    bar->setTextVisible(true);
    m_tree->setItemWidget(item, Progress, bar);
    auto* cancel = new QToolButton;
    cancel->setText(tr("Cancel"));
    connect(cancel, &QToolButton::clicked, this, [this, id] { m_manager->cancel(id); });
    m_tree->setItemWidget(item, Action, cancel);
    refreshRow(id);
}

void JobListPanel::refreshRow(quint64 id)
{
    auto info = m_manager->job(id);
    QTreeWidgetItem* item = itemFor(id);
    if (!info || !item) {
        return;
    }
    item->setText(State, stateText(*info));
    item->setToolTip(State, info->error.isEmpty() ? stateText(*info) : info->error);
    if (info->state == core::JobState::Failed) {
        item->setForeground(State, QColor(220, 80, 80));
    }
    if (auto* bar = qobject_cast<QProgressBar*>(m_tree->itemWidget(item, Progress))) {
        bar->setValue(int(info->progress * 1000));
    }
    const double eta = info->etaSeconds();
    item->setText(Eta, eta >= 0 ? QStringLiteral("%1 s").arg(int(eta + 0.5)) : QString());
    if (auto* button = m_tree->itemWidget(item, Action)) {
        button->setEnabled(!info->finished());
    }
}

void JobListPanel::rebuild()
{
    m_tree->clear();
    for (const core::JobInfo& j : m_manager->jobs()) {
        addRow(j.id);
    }
}

} // namespace hdr::ui
