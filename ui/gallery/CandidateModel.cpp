#include "ui/gallery/CandidateModel.h"

#include "ui/gallery/ImageLoader.h"

namespace hdr::ui {

namespace {

QString pathOf(const catalog::Candidate& c)
{
    return QString::fromStdString(c.image.string());
}

} // namespace

CandidateModel::CandidateModel(ImageLoader* loader, QObject* parent)
    : QAbstractListModel(parent)
    , m_loader(loader)
{
    connect(m_loader, &ImageLoader::thumbnailReady, this, &CandidateModel::thumbnailArrived);
}

void CandidateModel::setCandidates(std::vector<catalog::Candidate> candidates)
{
    m_all = std::move(candidates);
    m_byPath.clear();
    for (std::size_t i = 0; i < m_all.size(); ++i)
        m_byPath.insert(pathOf(m_all[i]), i);
    rebuild();
}

void CandidateModel::setFilter(const catalog::CandidateFilter& filter)
{
    m_filter = filter;
    rebuild();
}

void CandidateModel::setSortOrder(const catalog::SortOrder& order)
{
    m_order = order;
    rebuild();
}

void CandidateModel::setMarks(const QString& path, const catalog::CullMarks& marks)
{
    const auto it = m_byPath.constFind(path);
    if (it == m_byPath.constEnd()) return;
    catalog::Candidate& c = m_all[*it];
    if (c.marks == marks) return;
    const bool visibleBefore = catalog::matches(c, m_filter);
    c.marks = marks;
    const bool visibleAfter = catalog::matches(c, m_filter);
    if (visibleBefore != visibleAfter || m_order.key == catalog::SortKey::Rating) {
        rebuild();
        return;
    }
    const int row = rowOf(path);
    if (row >= 0) emit dataChanged(index(row), index(row));
}

const catalog::Candidate* CandidateModel::candidateAt(int row) const
{
    if (row < 0 || row >= int(m_visible.size())) return nullptr;
    return &m_all[m_visible[std::size_t(row)]];
}

const catalog::Candidate* CandidateModel::candidate(const QString& path) const
{
    const auto it = m_byPath.constFind(path);
    return it == m_byPath.constEnd() ? nullptr : &m_all[*it];
}

int CandidateModel::rowOf(const QString& path) const
{
    return m_rowByPath.value(path, -1);
}

int CandidateModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_visible.size());
}

QVariant CandidateModel::data(const QModelIndex& index, int role) const
{
    const catalog::Candidate* c = candidateAt(index.row());
    if (!c) return {};
    switch (role) {
    case Qt::DisplayRole:
        return c->seed ? tr("seed %1").arg(*c->seed) : QString::fromStdString(c->image.filename().string());
    case Qt::ToolTipRole:
        return c->prompt.empty() ? QString::fromStdString(c->image.filename().string())
                                 : QString::fromStdString(c->prompt);
    case Qt::DecorationRole: return m_loader->thumbnail(pathOf(*c));
    case PathRole: return pathOf(*c);
    case StarsRole: return c->marks.stars;
    case FlagRole: return int(c->marks.flag);
    case HasFinalRole: return !c->finals.empty();
    case SeedRole: return c->seed ? QString::number(*c->seed) : QString();
    default: return {};
    }
}

void CandidateModel::rebuild()
{
    beginResetModel();
    m_visible = catalog::filterAndSort(m_all, m_filter, m_order);
    m_rowByPath.clear();
    for (std::size_t row = 0; row < m_visible.size(); ++row)
        m_rowByPath.insert(pathOf(m_all[m_visible[row]]), int(row));
    endResetModel();
    emit rowsRebuilt();
}

void CandidateModel::thumbnailArrived(const QString& path)
{
    const int row = rowOf(path);
    if (row >= 0) emit dataChanged(index(row), index(row), {Qt::DecorationRole});
}

} // namespace hdr::ui
