#pragma once

#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

// Every job with its state, a progress bar, ETA and a Cancel button; failed jobs keep their
// error message (double-click or hover shows all of it) until cleared.
class JobListPanel : public QWidget {
    Q_OBJECT
public:
    explicit JobListPanel(core::JobManager* manager, QWidget* parent = nullptr);
    int rowCount() const;

private:
    void addRow(quint64 id);
    void refreshRow(quint64 id);
    void rebuild();
    QTreeWidgetItem* itemFor(quint64 id) const;

    core::JobManager* m_manager;
    QTreeWidget* m_tree = nullptr;
};

} // namespace hdr::ui
