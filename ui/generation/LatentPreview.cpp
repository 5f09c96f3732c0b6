#include "ui/generation/LatentPreview.h"

#include <QPainter>

#include <cstring>

namespace hdr::ui {
namespace {
constexpr int kSide = 168; // pixels on screen
}

LatentPreview::LatentPreview(QWidget* parent)
    : QWidget(parent)
{
    setFixedSize(kSide, kSide);
    setToolTip(tr("Live preview of the latents of the running job"));
}

QSize LatentPreview::sizeHint() const
{
    return {kSide, kSide};
}

void LatentPreview::setFrame(const core::PreviewFrame& frame)
{
    if (frame.width <= 0 || frame.height <= 0 ||
        frame.rgb.size() < std::size_t(frame.width) * std::size_t(frame.height) * 3) {
        return;
    }
    QImage image(frame.width, frame.height, QImage::Format_RGB888);
    for (int y = 0; y < frame.height; ++y) {
        std::memcpy(image.scanLine(y),
                    frame.rgb.data() + std::size_t(y) * std::size_t(frame.width) * 3,
                    std::size_t(frame.width) * 3);
    }
    m_image = std::move(image);
    ++m_framesShown;
    update();
}

void LatentPreview::setCaption(const QString& caption)
{
    m_caption = caption;
    update();
}

void LatentPreview::clear()
{
    m_image = QImage();
    m_caption.clear();
    update();
}

void LatentPreview::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base).darker(115));
    if (!m_image.isNull()) {
        // The frame is tiny (latent resolution): smooth scaling, not nearest-neighbour blocks.
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        const QSize fitted = m_image.size().scaled(size(), Qt::KeepAspectRatio);
        const QRect target(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted);
        p.drawImage(target, m_image);
    }
    const QString text = m_image.isNull() && m_caption.isEmpty() ? tr("Latent preview") : m_caption;
    if (!text.isEmpty()) {
        const QRect band(0, height() - fontMetrics().height() - 6, width(), fontMetrics().height() + 6);
        p.fillRect(band, QColor(0, 0, 0, 140));
        p.setPen(Qt::white);
        p.drawText(band, Qt::AlignCenter, text);
    }
}

} // namespace hdr::ui
