#pragma once
// One grid cell: the thumbnail (dimmed when rejected, as Lightroom dims rejects), a flag badge
// (green check = picked, red cross = rejected), a "FINAL" badge when an upscaled final exists, and
// the stars and seed under it. Badges and stars are drawn as shapes, not glyphs, so they look the
// same whatever fonts are installed.
#include <QStyledItemDelegate>

namespace hdr::ui {

class CandidateDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit CandidateDelegate(QObject* parent = nullptr);

    void setThumbnailSide(int side) { m_side = side; }
    int thumbnailSide() const { return m_side; }
    QSize cellSize() const;

    void
    paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_side = 160;
};

// Shared with the loupe's caption: five stars, `filled` of them filled, in `rect`.
void paintStars(QPainter* painter, const QRectF& rect, int filled, const QColor& on, const QColor& off);

} // namespace hdr::ui
