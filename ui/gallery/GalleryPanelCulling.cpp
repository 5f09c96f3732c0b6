// GalleryPanel: keys, marks, moving through the candidates and the three views.
#include "ui/gallery/GalleryPanel.h"

#include "catalog/Catalog.h"
#include "ui/gallery/CandidateDetails.h"
#include "ui/gallery/CandidateModel.h"
#include "ui/gallery/CatalogWorker.h"
#include "ui/gallery/ImageLoader.h"
#include "ui/gallery/ImagePane.h"

#include <QKeyEvent>
#include <QListView>
#include <QStackedWidget>
#include <QToolButton>

namespace hdr::ui {
namespace {

QString qs(const std::filesystem::path& p)
{
    return QString::fromStdString(p.string());
}

QString captionOf(const catalog::Candidate& c)
{
    QString caption = QString::fromStdString(c.image.filename().string());
    if (c.seed) caption = QObject::tr("seed %1").arg(*c.seed) + QStringLiteral(" \u00b7 ") + caption;
    return caption;
}

} // namespace

bool GalleryPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::KeyPress &&
        (watched == m_grid || watched == m_loupe || watched == m_compareLeft || watched == m_compareRight)) {
        if (handleKey(static_cast<QKeyEvent*>(event))) return true;
    }
    return QWidget::eventFilter(watched, event);
}

bool GalleryPanel::handleKey(QKeyEvent* event)
{
    const Qt::KeyboardModifiers mods = event->modifiers() & ~Qt::KeypadModifier;
    if (mods & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)) return false;
    const bool shift = mods & Qt::ShiftModifier;
    const int key = event->key();
    int digit = -1;
    if (key >= Qt::Key_0 && key <= Qt::Key_5) digit = key - Qt::Key_0;
    // Shift+digit arrives as the shifted symbol; these are the US layout's (the auto-advance
    // button covers other layouts).
    static constexpr int kShiftedDigits[] = {
        Qt::Key_ParenRight, Qt::Key_Exclam, Qt::Key_At, Qt::Key_NumberSign, Qt::Key_Dollar, Qt::Key_Percent};
    for (int d = 0; shift && digit < 0 && d < 6; ++d) {
        if (key == kShiftedDigits[d]) digit = d;
    }
    switch (key) {
    case Qt::Key_P:
        applyMarks([](const catalog::CullMarks& m) { return m.withFlag(catalog::Flag::Picked); }, shift);
        return true;
    case Qt::Key_X:
        applyMarks([](const catalog::CullMarks& m) { return m.withFlag(catalog::Flag::Rejected); }, shift);
        return true;
    case Qt::Key_U:
        applyMarks([](const catalog::CullMarks& m) { return m.withFlag(catalog::Flag::None); }, shift);
        return true;
    case Qt::Key_G: setView(View::Grid); return true;
    case Qt::Key_E: setView(View::Loupe); return true;
    case Qt::Key_C: setView(View::Compare); return true;
    case Qt::Key_Z:
        if (m_view == View::Grid) return false;
        toggleActualSize();
        return true;
    case Qt::Key_Escape:
        if (m_view == View::Grid) return false;
        setView(View::Grid);
        return true;
    case Qt::Key_Return:
    case Qt::Key_Enter:
        if (m_view != View::Grid) return false;
        setView(View::Loupe);
        return true;
    case Qt::Key_Left:
    case Qt::Key_Up:
        if (m_view == View::Grid) return false; // the list view moves by cells and rows
        moveCurrent(-1);
        return true;
    case Qt::Key_Right:
    case Qt::Key_Down:
        if (m_view == View::Grid) return false;
        moveCurrent(1);
        return true;
    default: break;
    }
    if (digit >= 0) {
        applyMarks([digit](const catalog::CullMarks& m) { return m.withStars(digit); }, shift);
        return true;
    }
    return false;
}

QStringList GalleryPanel::markTargets() const
{
    // In the grid a mark applies to every selected cell (Lightroom's grid does the same); in the
    // loupe and compare views to the one shown as current.
    QStringList targets;
    if (m_view == View::Grid) {
        for (const QModelIndex& index : m_grid->selectionModel()->selectedIndexes())
            targets << index.data(CandidateModel::PathRole).toString();
    }
    const QString current = currentImage();
    if (targets.isEmpty() && !current.isEmpty()) targets << current;
    return targets;
}

void GalleryPanel::applyMarks(const std::function<catalog::CullMarks(const catalog::CullMarks&)>& change,
                              bool advance)
{
    const QStringList targets = markTargets();
    if (targets.isEmpty()) return;
    const int rowBefore = currentRow();
    const QString currentBefore = currentImage();
    for (const QString& path : targets) {
        const catalog::Candidate* c = m_model->candidate(path);
        if (!c) continue;
        const catalog::CullMarks marks = change(c->marks);
        if (marks == c->marks) continue;
        m_model->setMarks(path, marks); // may hide it under the current filter
        saveMarks(path, marks);
    }
    m_message.clear();
    if (advance || m_autoAdvance->isChecked()) {
        // If the marked candidate left the view (filtered out), the next one already sits at
        // its row; otherwise step on.
        if (m_model->rowOf(currentBefore) >= 0) {
            moveCurrent(1);
        } else {
            setCurrentRow(std::min(rowBefore, m_model->rowCount() - 1));
        }
    }
    currentChanged();
    updateStatus();
}

void GalleryPanel::saveMarks(const QString& path, const catalog::CullMarks& marks)
{
    m_unsaved.insert(path, marks);
    const quint64 generation = m_generation;
    const std::string file = path.toStdString();
    m_worker->post([this, generation, path, file, marks](
                       std::unique_ptr<catalog::Catalog>& catalog) -> CatalogWorker::Continuation {
        if (!catalog) return {};
        const core::Status written = catalog->setMarks(file, marks);
        const catalog::Candidate* onDisk = catalog->find(file);
        const catalog::CullMarks stored = onDisk ? onDisk->marks : catalog::CullMarks{};
        const QString error = written ? QString() : QString::fromStdString(written.error().describe());
        return [this, generation, path, marks, stored, error] {
            if (generation != m_generation) return;
            if (m_unsaved.value(path) == marks) m_unsaved.remove(path);
            if (!error.isEmpty()) {
                // Show what the file really says, and why the mark did not stick.
                if (!m_unsaved.contains(path)) m_model->setMarks(path, stored);
                showError(tr("Cannot save the rating: %1").arg(error));
                currentChanged();
            }
        };
    });
}

QString GalleryPanel::currentImage() const
{
    const QModelIndex index = m_grid->currentIndex();
    return index.isValid() ? index.data(CandidateModel::PathRole).toString() : QString();
}

int GalleryPanel::currentRow() const
{
    const QModelIndex index = m_grid->currentIndex();
    return index.isValid() ? index.row() : -1;
}

void GalleryPanel::setCurrentRow(int row)
{
    if (row < 0 || row >= m_model->rowCount()) return;
    const QModelIndex index = m_model->index(row);
    m_grid->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_grid->scrollTo(index);
}

void GalleryPanel::moveCurrent(int delta)
{
    const int count = m_model->rowCount();
    if (count == 0) return;
    int row = currentRow() < 0 ? 0 : std::clamp(currentRow() + delta, 0, count - 1);
    // The compare view's fixed side is not a candidate to step onto.
    if (m_view == View::Compare && m_model->rowOf(m_compareSelect) == row && count > 1) {
        const int next = row + (delta >= 0 ? 1 : -1);
        if (next >= 0 && next < count) row = next;
    }
    setCurrentRow(row);
}

void GalleryPanel::currentChanged()
{
    const catalog::Candidate* c = m_model->candidate(currentImage());
    m_details->showCandidate(c);
    showLarge();
}

// Fills the loupe or compare panes with the current candidates, asking for images not yet loaded.
void GalleryPanel::showLarge()
{
    const auto fill = [this](ImagePane* pane, const catalog::Candidate* c) {
        if (!c) {
            pane->setImage({}, tr("No candidate"));
            pane->setCaption({}, {});
            return;
        }
        const QString path = qs(c->image);
        QImage image = m_loader->image(path, pane->size() * pane->devicePixelRatioF());
        if (image.isNull()) image = m_loader->thumbnail(path); // sharp one follows
        pane->setImage(image, tr("Loading\u2026"));
        pane->setCaption(captionOf(*c), c->marks);
    };
    const catalog::Candidate* current = m_model->candidate(currentImage());
    if (m_view == View::Loupe) {
        fill(m_loupe, current);
        // Read the next one ahead: culling mostly moves forward.
        if (const catalog::Candidate* next = m_model->candidateAt(currentRow() + 1)) {
            m_loader->image(qs(next->image), m_loupe->size());
        }
    } else if (m_view == View::Compare) {
        fill(m_compareLeft, m_model->candidate(m_compareSelect));
        fill(m_compareRight, current);
        m_compareLeft->setHighlighted(false);
        m_compareRight->setHighlighted(true);
    }
}

void GalleryPanel::setView(View view)
{
    if (view == View::Compare) {
        enterCompare();
    } else {
        m_compareSelect.clear();
    }
    m_view = view;
    QWidget* page = view == View::Grid    ? static_cast<QWidget*>(m_grid)
                    : view == View::Loupe ? static_cast<QWidget*>(m_loupe)
                                          : m_compare;
    m_stack->setCurrentWidget(page);
    (view == View::Compare ? static_cast<QWidget*>(m_compareRight) : page)->setFocus();
    m_gridButton->setChecked(view == View::Grid);
    m_loupeButton->setChecked(view == View::Loupe);
    m_compareButton->setChecked(view == View::Compare);
    if (view == View::Grid && currentRow() >= 0) m_grid->scrollTo(m_grid->currentIndex());
    showLarge();
}

// Lightroom's compare: the "select" stays on the left, the "candidate" on the right moves. With two
// or more cells selected, the first two are compared; otherwise the current one and the next.
void GalleryPanel::enterCompare()
{
    if (m_view == View::Compare && !m_compareSelect.isEmpty()) return;
    const QString current = currentImage();
    QStringList selected;
    for (const QModelIndex& index : m_grid->selectionModel()->selectedIndexes())
        selected << index.data(CandidateModel::PathRole).toString();
    std::sort(selected.begin(), selected.end(), [this](const QString& a, const QString& b) {
        return m_model->rowOf(a) < m_model->rowOf(b);
    });
    if (selected.size() >= 2) {
        m_compareSelect = selected[0];
        const QString candidate =
            current != selected[0] && selected.contains(current) ? current : selected[1];
        setCurrentRow(m_model->rowOf(candidate));
    } else if (!current.isEmpty()) {
        m_compareSelect = current;
        const int next = currentRow() + 1 < m_model->rowCount() ? currentRow() + 1 : currentRow() - 1;
        if (next >= 0) setCurrentRow(next);
    }
}

void GalleryPanel::toggleActualSize()
{
    ImagePane* pane = m_view == View::Loupe ? m_loupe : m_compareRight;
    const bool actual = !pane->isActualSize();
    for (ImagePane* p : {m_loupe, m_compareLeft, m_compareRight})
        p->setView(actual, pane->center());
}

void GalleryPanel::rememberSelection()
{
    m_keptCurrent = currentImage();
    m_keptRow = currentRow();
    m_keptSelection.clear();
    for (const QModelIndex& index : m_grid->selectionModel()->selectedIndexes())
        m_keptSelection << index.data(CandidateModel::PathRole).toString();
}

void GalleryPanel::restoreSelection()
{
    QItemSelectionModel* selection = m_grid->selectionModel();
    int row = m_model->rowOf(m_keptCurrent);
    if (row < 0 && m_keptRow >= 0 && m_model->rowCount() > 0) {
        // The current candidate left the view (filtered out, moved): its successor takes its place.
        row = std::min(m_keptRow, m_model->rowCount() - 1);
    }
    if (row >= 0) selection->setCurrentIndex(m_model->index(row), QItemSelectionModel::NoUpdate);
    QItemSelection kept;
    for (const QString& path : m_keptSelection) {
        const int r = m_model->rowOf(path);
        if (r >= 0) kept.select(m_model->index(r), m_model->index(r));
    }
    if (kept.isEmpty() && row >= 0) kept.select(m_model->index(row), m_model->index(row));
    selection->select(kept, QItemSelectionModel::ClearAndSelect);
    m_grid->viewport()->update();
    currentChanged();
}

} // namespace hdr::ui
