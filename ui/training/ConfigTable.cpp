#include "ui/training/ConfigTable.h"

#include "runlog/ConfigDiff.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>

namespace hdr::ui {

namespace {
const QColor kDifferent(255, 232, 150);
}

ConfigTable::ConfigTable(QWidget* parent)
    : QWidget(parent)
{
    m_table = new QTableWidget(this);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_onlyDifferences = new QCheckBox(tr("Only keys that differ between runs"), this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_onlyDifferences);
    layout->addWidget(m_table, 1);
    connect(m_onlyDifferences, &QCheckBox::toggled, this, &ConfigTable::applyFilter);
}

void ConfigTable::setRuns(const std::vector<std::pair<QString, nlohmann::json>>& runs)
{
    std::vector<std::map<std::string, nlohmann::json>> flat;
    std::vector<nlohmann::json> configs;
    std::set<std::string> keys;
    QStringList headers;
    for (const auto& [name, config] : runs) {
        headers << name;
        configs.push_back(config.is_null() ? nlohmann::json::object() : config);
        flat.push_back(runlog::flattenConfig(configs.back()));
        for (const auto& [key, value] : flat.back()) {
            keys.insert(key);
        }
    }
    keys.erase(std::string()); // an empty config flattens to ""
    m_differing.clear();
    for (const std::string& key : runlog::configDifferences(configs)) {
        m_differing.insert(QString::fromStdString(key));
    }
    m_table->clear();
    m_table->setColumnCount(int(runs.size()));
    m_table->setRowCount(int(keys.size()));
    m_table->setHorizontalHeaderLabels(headers);
    int row = 0;
    for (const std::string& key : keys) {
        const QString qkey = QString::fromStdString(key);
        auto* header = new QTableWidgetItem(qkey);
        const bool differs = isHighlighted(qkey);
        if (differs) {
            QFont bold = header->font();
            bold.setBold(true);
            header->setFont(bold);
            header->setBackground(kDifferent);
        }
        m_table->setVerticalHeaderItem(row, header);
        for (std::size_t column = 0; column < flat.size(); ++column) {
            const auto it = flat[column].find(key);
            auto* item = new QTableWidgetItem(
                it == flat[column].end() ? tr("—")
                                         : QString::fromStdString(runlog::configValueText(it->second)));
            if (differs) {
                item->setBackground(kDifferent);
            }
            m_table->setItem(row, int(column), item);
        }
        ++row;
    }
    m_table->resizeColumnsToContents();
    applyFilter();
}

void ConfigTable::setOnlyDifferences(bool on)
{
    m_onlyDifferences->setChecked(on);
}

void ConfigTable::applyFilter()
{
    const bool only = m_onlyDifferences->isChecked();
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const QTableWidgetItem* header = m_table->verticalHeaderItem(row);
        m_table->setRowHidden(row, only && header && !isHighlighted(header->text()));
    }
}

QStringList ConfigTable::keys() const
{
    QStringList out;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        out << m_table->verticalHeaderItem(row)->text();
    }
    return out;
}

QString ConfigTable::value(const QString& key, int column) const
{
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (m_table->verticalHeaderItem(row)->text() == key) {
            const QTableWidgetItem* item = m_table->item(row, column);
            return item ? item->text() : QString();
        }
    }
    return QString();
}

} // namespace hdr::ui
