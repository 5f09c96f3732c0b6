#include "ui/gallery/CandidateDelegate.h"

#include "catalog/CullMarks.h"
#include "ui/gallery/CandidateModel.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

#include <cmath>
#include <numbers>

namespace hdr::ui {
namespace {

constexpr int kFooter = 22;
constexpr int kMargin = 6;

QPainterPath starPath(const QPointF& center, double radius)
{
    QPainterPath path;
    for (int i = 0; i < 10; ++i) {
        const double r = (i % 2 == 0) ? radius : radius * 0.45;
        const double angle = -std::numbers::pi / 2 + i * std::numbers::pi / 5;
        const QPointF p(center.x() + r * std::cos(angle), center.y() + r * std::sin(angle));
        if (i == 0) {
            path.moveTo(p);
        } else {
            path.lineTo(p);
        }
    }
    path.closeSubpath();
    return path;
}

void paintFlagBadge(QPainter* p, const QRectF& rect, catalog::Flag flag)
{
    if (flag == catalog::Flag::None) return;
    const bool picked = flag == catalog::Flag::Picked;
    p->setPen(Qt::NoPen);
    p->setBrush(picked ? QColor(46, 160, 67) : QColor(207, 34, 46));
    p->drawEllipse(rect);
    QPen pen(Qt::white, std::max(1.5, rect.width() / 8));
    pen.setCapStyle(Qt::RoundCap);
    p->setPen(pen);
    const QRectF in =
        rect.adjusted(rect.width() * 0.28, rect.height() * 0.28, -rect.width() * 0.28, -rect.height() * 0.28);
    if (picked) {
        QPainterPath check;
        check.moveTo(in.left(), in.center().y());
        check.lineTo(in.left() + in.width() * 0.38, in.bottom());
        check.lineTo(in.right(), in.top());
        p->setBrush(Qt::NoBrush);
        p->drawPath(check);
    } else {
        p->drawLine(in.topLeft(), in.bottomRight());
        p->drawLine(in.topRight(), in.bottomLeft());
    }
}

void paintFinalBadge(QPainter* p, const QRectF& anchorTopRight, const QFont& base)
{
    QFont font = base;
    font.setBold(true);
    font.setPointSizeF(std::max(6.0, base.pointSizeF() * 0.75));
    const QFontMetricsF metrics(font);
    const QString text = QStringLiteral("FINAL");
    const QSizeF size(metrics.horizontalAdvance(text) + 8, metrics.height() + 2);
    const QRectF box(
        anchorTopRight.right() - size.width(), anchorTopRight.top(), size.width(), size.height());
    p->setPen(Qt::NoPen);
    p->setBrush(QColor(37, 99, 235));
    p->drawRoundedRect(box, 3, 3);
    p->setPen(Qt::white);
    p->setFont(font);
    p->drawText(box, Qt::AlignCenter, text);
}

} // namespace

void paintStars(QPainter* painter, const QRectF& rect, int filled, const QColor& on, const QColor& off)
{
    const double step = rect.width() / 5.0;
    const double radius = std::min(step, rect.height()) * 0.45;
    painter->setPen(Qt::NoPen);
    for (int i = 0; i < 5; ++i) {
        painter->setBrush(i < filled ? on : off);
        painter->drawPath(starPath(QPointF(rect.left() + step * (i + 0.5), rect.center().y()), radius));
    }
}

CandidateDelegate::CandidateDelegate(QObject* parent)
    : QStyledItemDelegate(parent)
{
}

QSize CandidateDelegate::cellSize() const
{
    return QSize(m_side + 2 * kMargin, m_side + kFooter + 2 * kMargin);
}

QSize CandidateDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const
{
    return cellSize();
}

void CandidateDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    p->setRenderHint(QPainter::SmoothPixmapTransform);
    const QRect cell = option.rect.adjusted(2, 2, -2, -2);
    const bool selected = option.state & QStyle::State_Selected;
    const bool current = option.state & QStyle::State_HasFocus;
    const QPalette& palette = option.palette;
    p->setPen(Qt::NoPen);
    p->setBrush(selected ? palette.color(QPalette::Highlight) : palette.color(QPalette::AlternateBase));
    p->drawRoundedRect(cell, 4, 4);
    if (current) {
        p->setPen(QPen(palette.color(QPalette::Highlight).lighter(150), 2));
        p->setBrush(Qt::NoBrush);
        p->drawRoundedRect(cell, 4, 4);
    }

    const QRect imageArea(cell.left() + kMargin - 2, cell.top() + kMargin - 2, m_side, m_side);
    const QImage thumbnail = index.data(Qt::DecorationRole).value<QImage>();
    const auto flag = catalog::Flag(index.data(CandidateModel::FlagRole).toInt());
    if (thumbnail.width() > 1) {
        const QSize fitted = thumbnail.size().scaled(imageArea.size(), Qt::KeepAspectRatio);
        const QRect target(imageArea.left() + (imageArea.width() - fitted.width()) / 2,
                           imageArea.top() + (imageArea.height() - fitted.height()) / 2,
                           fitted.width(),
                           fitted.height());
        p->setOpacity(flag == catalog::Flag::Rejected ? 0.35 : 1.0);
        p->drawImage(target, thumbnail);
        p->setOpacity(1.0);
    } else {
        // Loading (null) or unreadable (1x1 placeholder).
        p->setPen(Qt::NoPen);
        p->setBrush(palette.color(QPalette::Mid));
        p->drawRect(imageArea.adjusted(m_side / 8, m_side / 8, -m_side / 8, -m_side / 8));
    }
    const double badge = std::max(14.0, m_side * 0.13);
    paintFlagBadge(p, QRectF(imageArea.left() + 4, imageArea.top() + 4, badge, badge), flag);
    if (index.data(CandidateModel::HasFinalRole).toBool()) {
        paintFinalBadge(p, QRectF(imageArea.right() - 3, imageArea.top() + 4, 0, 0), option.font);
    }

    const QRectF footer(imageArea.left(), imageArea.bottom() + 4, imageArea.width(), kFooter - 4);
    const QColor text = selected ? palette.color(QPalette::HighlightedText) : palette.color(QPalette::Text);
    QColor off = text;
    off.setAlphaF(0.25);
    const QRectF stars(
        footer.left(), footer.top(), std::min(footer.width() * 0.5, 5.0 * footer.height()), footer.height());
    paintStars(p, stars, index.data(CandidateModel::StarsRole).toInt(), QColor(245, 180, 0), off);
    const QString seed = index.data(CandidateModel::SeedRole).toString();
    p->setPen(text);
    p->setFont(option.font);
    const QString caption = seed.isEmpty() ? index.data(Qt::DisplayRole).toString() : seed;
    const QRectF captionRect(
        stars.right() + 4, footer.top(), footer.right() - stars.right() - 4, footer.height());
    p->drawText(captionRect,
                Qt::AlignRight | Qt::AlignVCenter,
                option.fontMetrics.elidedText(caption, Qt::ElideMiddle, int(captionRect.width())));
    p->restore();
}

} // namespace hdr::ui
