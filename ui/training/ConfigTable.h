#pragma once

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>
#include <QWidget>

#include <set>
#include <utility>
#include <vector>

class QCheckBox;
class QTableWidget;

namespace hdr::ui {

// The hyper-parameter table: one column per run, one row per flattened config key
// ("optimizer.lr"); rows whose values differ between runs (runlog::configDifferences) are
// highlighted and can be shown alone.
class ConfigTable : public QWidget {
    Q_OBJECT
public:
    explicit ConfigTable(QWidget* parent = nullptr);

    // (run name, config.json) per run, in column order.
    void setRuns(const std::vector<std::pair<QString, nlohmann::json>>& runs);
    void setOnlyDifferences(bool on);

    QStringList keys() const; // every row's key, shown or not
    bool isHighlighted(const QString& key) const { return m_differing.count(key) > 0; }
    QString value(const QString& key, int column) const;
    QTableWidget* table() const { return m_table; }

private:
    void applyFilter();

    QTableWidget* m_table = nullptr;
    QCheckBox* m_onlyDifferences = nullptr;
    std::set<QString> m_differing;
};

} // namespace hdr::ui
