#include "ui/viewer/HistogramWidget.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace hdr::ui {

HistogramWidget::HistogramWidget(QWidget* parent)
    : QWidget(parent)
{
    setMinimumHeight(110);
}

void HistogramWidget::setHistogram(const core::LogHistogram& histogram)
{
    m_hist = histogram;
    m_valid = !histogram.luminance.empty();
    update();
}

void HistogramWidget::setDisplaySettings(const core::DisplaySettings& settings)
{
    m_settings = settings;
    update();
}

std::int64_t HistogramWidget::clippedHighlights() const
{
    return m_valid ? m_hist.countClippedHigh(m_settings.exposureEv - m_settings.displayHeadroomStops) : 0;
}

std::int64_t HistogramWidget::crushedShadows() const
{
    return m_valid ? m_hist.countClippedLow(m_settings.exposureEv, core::kBlackClipLevel) : 0;
}

void HistogramWidget::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), QColor(24, 24, 24));
    if (!m_valid) {
        return;
    }
    const QRectF plot = QRectF(rect()).adjusted(6, 6, -6, -34);
    // Show the populated EV range (with a margin), not the whole -20..+20 of the bins.
    const std::size_t n = m_hist.luminance.size();
    std::size_t first = n, last = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (m_hist.luminance[i]) {
            first = std::min(first, i);
            last = std::max(last, i);
        }
    }
    if (first > last) {
        first = 0;
        last = n - 1;
    }
    const float bw = m_hist.binWidthEv();
    const float ev0 = std::floor(m_hist.minEv + float(first) * bw) - 1.0f;
    const float ev1 = std::ceil(m_hist.minEv + float(last + 1) * bw) + 1.0f;
    auto xOf = [&](float ev) { return plot.left() + double((ev - ev0) / (ev1 - ev0)) * plot.width(); };

    // Display range at this exposure: scene EV from black level to white (+ headroom).
    const float white = m_settings.displayHeadroomStops - m_settings.exposureEv;
    const float black = std::log2(core::kBlackClipLevel) - m_settings.exposureEv;
    p.fillRect(QRectF(QPointF(xOf(black), plot.top()), QPointF(xOf(white), plot.bottom())),
               QColor(55, 55, 65));

    std::uint32_t peak = 1;
    for (std::uint32_t c : m_hist.luminance) {
        peak = std::max(peak, c);
    }
    QPainterPath path(QPointF(xOf(ev0), plot.bottom()));
    for (std::size_t i = first; i <= last; ++i) {
        const float ev = m_hist.minEv + (float(i) + 0.5f) * bw;
        const double h = std::sqrt(double(m_hist.luminance[i]) / peak) * plot.height();
        path.lineTo(xOf(ev), plot.bottom() - h);
    }
    path.lineTo(xOf(ev1), plot.bottom());
    path.closeSubpath();
    p.setRenderHint(QPainter::Antialiasing);
    p.fillPath(path, QColor(170, 190, 220, 200));

    // Axis: a tick every 2 stops, labelled relative to scene value 1.0.
    p.setPen(QColor(150, 150, 150));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    p.setFont(f);
    for (int ev = int(std::ceil(ev0)); ev <= int(ev1); ++ev) {
        if (ev % 2) {
            continue;
        }
        const double x = xOf(float(ev));
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
        p.drawText(QRectF(x - 15, plot.bottom() + 3, 30, 12), Qt::AlignCenter, QString::number(ev));
    }
    p.setPen(QColor(255, 120, 220));
    p.drawLine(QPointF(xOf(white), plot.top()), QPointF(xOf(white), plot.bottom()));
    p.setPen(QColor(110, 150, 255));
    p.drawLine(QPointF(xOf(black), plot.top()), QPointF(xOf(black), plot.bottom()));

    const double total = double(std::max<std::int64_t>(1, m_hist.total));
    const std::int64_t hi = clippedHighlights(), lo = crushedShadows();
    p.setPen(QColor(210, 210, 210));
    p.drawText(QRectF(6, height() - 17, width() - 12, 15),
               Qt::AlignLeft | Qt::AlignVCenter,
               tr("clipped %1 px (%2%)   crushed %3 px (%4%)   stops (log2 Y)")
                   .arg(hi)
                   .arg(100.0 * double(hi) / total, 0, 'f', 2)
                   .arg(lo)
                   .arg(100.0 * double(lo) / total, 0, 'f', 2));
}

} // namespace hdr::ui
