#pragma once
// The gallery grid's model: the catalog's candidates after the filter bar's filter and sort, with
// thumbnails from the ImageLoader (requested when a cell is painted, so only visible cells decode).
#include "catalog/Candidate.h"
#include "catalog/CandidateFilter.h"

#include <QAbstractListModel>
#include <QHash>
#include <QImage>

#include <vector>

namespace hdr::ui {

class ImageLoader;

class CandidateModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        PathRole = Qt::UserRole + 1, // QString: the image path
        StarsRole,                   // int 0..5
        FlagRole,                    // int: catalog::Flag
        HasFinalRole,                // bool
        SeedRole,                    // QString ("" when unknown)
    };

    CandidateModel(ImageLoader* loader, QObject* parent = nullptr);

    // All candidates of the catalog (the model shows those that pass the filter).
    void setCandidates(std::vector<catalog::Candidate> candidates);
    void setFilter(const catalog::CandidateFilter& filter);
    void setSortOrder(const catalog::SortOrder& order);
    const catalog::CandidateFilter& filter() const { return m_filter; }
    const catalog::SortOrder& sortOrder() const { return m_order; }

    // Changes one candidate's marks in place (re-filtering only when they change what it matches).
    void setMarks(const QString& path, const catalog::CullMarks& marks);

    const std::vector<catalog::Candidate>& all() const { return m_all; }
    const catalog::Candidate* candidateAt(int row) const;
    const catalog::Candidate* candidate(const QString& path) const;
    int rowOf(const QString& path) const; // -1 when hidden or unknown

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

signals:
    // The visible rows were rebuilt (filter, sort, new catalog data); selection must be restored.
    void rowsRebuilt();

private:
    void rebuild();
    void thumbnailArrived(const QString& path);

    ImageLoader* m_loader;
    std::vector<catalog::Candidate> m_all;
    std::vector<std::size_t> m_visible; // indices into m_all
    QHash<QString, std::size_t> m_byPath;
    QHash<QString, int> m_rowByPath;
    catalog::CandidateFilter m_filter;
    catalog::SortOrder m_order;
};

} // namespace hdr::ui
