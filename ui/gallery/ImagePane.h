#pragma once
// One candidate shown large: fitted to the pane, or at 100 % (Z or double-click) and dragged
// around. The compare view syncs two panes through viewChanged() (darktable's culling view syncs
// zoom across images the same way, ../shared/reference/hdr.md §5.1). A caption line shows the
// file, stars and flag.
#include "catalog/CullMarks.h"

#include <QImage>
#include <QPointF>
#include <QWidget>

namespace hdr::ui {

class ImagePane : public QWidget {
    Q_OBJECT
public:
    explicit ImagePane(QWidget* parent = nullptr);

    // A null image shows `placeholder` instead (loading, nothing selected).
    void setImage(const QImage& image, const QString& placeholder = {});
    void setCaption(const QString& caption, const catalog::CullMarks& marks);
    void setHighlighted(bool highlighted);
    const QImage& image() const { return m_image; }
    QString caption() const { return m_caption; }

    bool isActualSize() const { return m_actualSize; }
    QPointF center() const { return m_center; } // the image point at the pane centre, in 0..1
    void setView(bool actualSize, QPointF center);

signals:
    void viewChanged(bool actualSize, QPointF center);
    void activated(); // clicked: the compare view makes this side current

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    QRectF imageRect() const;

    QImage m_image;
    QString m_placeholder;
    QString m_caption;
    catalog::CullMarks m_marks;
    bool m_highlighted = false;
    bool m_actualSize = false;
    QPointF m_center{0.5, 0.5};
    QPoint m_dragFrom;
};

} // namespace hdr::ui
