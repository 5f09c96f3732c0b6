#include "ui/gallery/ImagePane.h"

#include "ui/gallery/CandidateDelegate.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace hdr::ui {
namespace {

constexpr int kCaptionHeight = 24;

} // namespace

ImagePane::ImagePane(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(120, 120);
    setFocusPolicy(Qt::StrongFocus);
    setAutoFillBackground(false);
}

void ImagePane::setImage(const QImage& image, const QString& placeholder)
{
    m_image = image;
    m_placeholder = placeholder;
    update();
}

void ImagePane::setCaption(const QString& caption, const catalog::CullMarks& marks)
{
    m_caption = caption;
    m_marks = marks;
    update();
}

void ImagePane::setHighlighted(bool highlighted)
{
    if (m_highlighted == highlighted) return;
    m_highlighted = highlighted;
    update();
}

void ImagePane::setView(bool actualSize, QPointF center)
{
    center = QPointF(std::clamp(center.x(), 0.0, 1.0), std::clamp(center.y(), 0.0, 1.0));
    if (m_actualSize == actualSize && m_center == center) return;
    m_actualSize = actualSize;
    m_center = center;
    update();
}

QRectF ImagePane::imageRect() const
{
    const QRectF area(0, 0, width(), height() - kCaptionHeight);
    if (m_image.width() <= 1 || area.width() <= 0 || area.height() <= 0) return {};
    const qreal dpr = devicePixelRatioF();
    // Fit: the whole image as large as the pane allows (small ones are enlarged too);
    // 100 %: one image pixel per device pixel.
    const QSizeF size = m_actualSize ? QSizeF(m_image.size()) / dpr
                                     : QSizeF(m_image.size()).scaled(area.size(), Qt::KeepAspectRatio);
    const QPointF topLeft =
        m_actualSize ? area.center() - QPointF(m_center.x() * size.width(), m_center.y() * size.height())
                     : area.center() - QPointF(size.width() / 2, size.height() / 2);
    return QRectF(topLeft, size);
}

void ImagePane::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), QColor(24, 24, 24));
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF target = imageRect();
    if (!target.isEmpty()) {
        p.setClipRect(QRect(0, 0, width(), height() - kCaptionHeight));
        p.setOpacity(m_marks.flag == catalog::Flag::Rejected ? 0.45 : 1.0);
        p.drawImage(target, m_image);
        p.setOpacity(1.0);
        p.setClipping(false);
    } else {
        p.setPen(QColor(160, 160, 160));
        p.drawText(QRect(0, 0, width(), height() - kCaptionHeight),
                   Qt::AlignCenter,
                   m_image.width() == 1 ? tr("Cannot read this image.") : m_placeholder);
    }
    if (m_highlighted) {
        p.setPen(QPen(palette().color(QPalette::Highlight), 3));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(rect()).adjusted(1.5, 1.5, -1.5, -1.5));
    }
    // Caption: stars, flag word, file name.
    const QRectF caption(8, height() - kCaptionHeight, width() - 16, kCaptionHeight);
    paintStars(&p,
               QRectF(caption.left(), caption.top() + 4, 80, kCaptionHeight - 8),
               m_marks.stars,
               QColor(245, 180, 0),
               QColor(90, 90, 90));
    QString text = m_caption;
    if (m_marks.flag == catalog::Flag::Picked) text = tr("Picked") + QStringLiteral(" \u00b7 ") + text;
    if (m_marks.flag == catalog::Flag::Rejected) text = tr("Rejected") + QStringLiteral(" \u00b7 ") + text;
    if (m_actualSize) text += QStringLiteral(" \u00b7 100%");
    p.setPen(QColor(220, 220, 220));
    const QRectF textRect = caption.adjusted(88, 0, 0, 0);
    p.drawText(textRect,
               Qt::AlignLeft | Qt::AlignVCenter,
               fontMetrics().elidedText(text, Qt::ElideMiddle, int(textRect.width())));
}

void ImagePane::mousePressEvent(QMouseEvent* event)
{
    m_dragFrom = event->position().toPoint();
    emit activated();
    QWidget::mousePressEvent(event);
}

void ImagePane::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_actualSize || !(event->buttons() & Qt::LeftButton)) return;
    const QRectF target = imageRect();
    if (target.isEmpty()) return;
    const QPoint delta = event->position().toPoint() - m_dragFrom;
    m_dragFrom = event->position().toPoint();
    setView(true, m_center - QPointF(delta.x() / target.width(), delta.y() / target.height()));
    emit viewChanged(m_actualSize, m_center);
}

void ImagePane::mouseDoubleClickEvent(QMouseEvent* event)
{
    const QRectF target = imageRect();
    QPointF center = m_center;
    if (!m_actualSize && target.contains(event->position())) {
        // Zoom in on the point clicked.
        center = QPointF((event->position().x() - target.left()) / target.width(),
                         (event->position().y() - target.top()) / target.height());
    }
    setView(!m_actualSize, center);
    emit viewChanged(m_actualSize, m_center);
}

} // namespace hdr::ui
