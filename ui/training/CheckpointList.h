#pragma once

#include "runlog/RunData.h"

#include <QColor>
#include <QString>
#include <QWidget>

#include <vector>

class QTreeWidget;
class QTreeWidgetItem;

namespace hdr::ui {

// The checkpoints of every run (name, epoch, size, time), grouped under the run's name.
class CheckpointList : public QWidget {
    Q_OBJECT
public:
    explicit CheckpointList(QWidget* parent = nullptr);

    void setCheckpoints(int runId,
                        const QString& runName,
                        const QColor& color,
                        const std::vector<runlog::CheckpointInfo>& checkpoints);
    void removeRun(int runId);

    int count() const; // checkpoints listed, all runs together
    QTreeWidget* tree() const { return m_tree; }

signals:
    // Double-click: a checkpoint the user wants (the lead can connect it to "resume from").
    void checkpointActivated(const QString& path);

private:
    QTreeWidgetItem* runItem(int runId) const;

    QTreeWidget* m_tree = nullptr;
};

} // namespace hdr::ui
