#pragma once
// The gallery's filter bar (Lightroom's: separate flag, rating, metadata and text filters, one
// sort order): flag, minimum stars, LoRA (the names the catalog found), finals, prompt words, sort.
#include "catalog/CandidateFilter.h"

#include <QWidget>

#include <string>
#include <vector>

class QComboBox;
class QLineEdit;
class QToolButton;

namespace hdr::ui {

class GalleryFilterBar : public QWidget {
    Q_OBJECT
public:
    explicit GalleryFilterBar(QWidget* parent = nullptr);

    catalog::CandidateFilter filter() const;
    catalog::SortOrder sortOrder() const;
    void setFilter(const catalog::CandidateFilter& filter);
    void setSortOrder(const catalog::SortOrder& order);
    // The LoRA combo's names; the chosen one stays chosen if it is still there.
    void setLoraNames(const std::vector<std::string>& names);

    QComboBox* flagCombo() const { return m_flag; }
    QComboBox* ratingCombo() const { return m_rating; }
    QComboBox* loraCombo() const { return m_lora; }
    QComboBox* finalsCombo() const { return m_finals; }
    QLineEdit* promptEdit() const { return m_prompt; }
    QComboBox* sortCombo() const { return m_sort; }
    QToolButton* descendingButton() const { return m_descending; }

signals:
    void changed();

private:
    QComboBox* m_flag;
    QComboBox* m_rating;
    QComboBox* m_lora;
    QComboBox* m_finals;
    QLineEdit* m_prompt;
    QComboBox* m_sort;
    QToolButton* m_descending;
    bool m_updating = false;
};

} // namespace hdr::ui
