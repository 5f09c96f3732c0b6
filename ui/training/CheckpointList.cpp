#include "ui/training/CheckpointList.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace hdr::ui {

namespace {
constexpr int kRunIdRole = Qt::UserRole + 1;
constexpr int kPathRole = Qt::UserRole + 2;
} // namespace

CheckpointList::CheckpointList(QWidget* parent)
    : QWidget(parent)
{
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(4);
    m_tree->setHeaderLabels({tr("Checkpoint"), tr("Epoch"), tr("Size"), tr("Modified")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->setRootIsDecorated(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
    connect(m_tree, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        const QString path = item->data(0, kPathRole).toString();
        if (!path.isEmpty()) {
            emit checkpointActivated(path);
        }
    });
}

QTreeWidgetItem* CheckpointList::runItem(int runId) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_tree->topLevelItem(i);
        if (item->data(0, kRunIdRole).toInt() == runId) {
            return item;
        }
    }
    return nullptr;
}

void CheckpointList::setCheckpoints(int runId,
                                    const QString& runName,
                                    const QColor& color,
                                    const std::vector<runlog::CheckpointInfo>& checkpoints)
{
    QTreeWidgetItem* top = runItem(runId);
    if (!top) {
        top = new QTreeWidgetItem(m_tree);
        top->setData(0, kRunIdRole, runId);
        top->setExpanded(true);
    }
    top->setText(0, runName);
    top->setForeground(0, color);
    qDeleteAll(top->takeChildren());
    const QLocale locale;
    for (const auto& checkpoint : checkpoints) {
        auto* item = new QTreeWidgetItem(top);
        item->setText(0, QString::fromStdString(checkpoint.name));
        item->setData(0, kPathRole, QString::fromStdString(checkpoint.path.string()));
        item->setText(1, checkpoint.epoch ? QString::number(*checkpoint.epoch) : QString());
        item->setText(2, locale.formattedDataSize(qint64(checkpoint.bytes)));
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(3,
                      QDateTime::fromMSecsSinceEpoch(qint64(checkpoint.modifiedTime * 1000))
                          .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    }
    top->setExpanded(true);
}

void CheckpointList::removeRun(int runId)
{
    delete runItem(runId);
}

int CheckpointList::count() const
{
    int n = 0;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        n += m_tree->topLevelItem(i)->childCount();
    }
    return n;
}

} // namespace hdr::ui
