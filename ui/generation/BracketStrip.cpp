#include "ui/generation/BracketStrip.h"

#include "image/TransferFunction.h"
#include "ui/generation/GenerationOptions.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace hdr::ui {

BracketTile makeBracketTile(int index, double nominalEv, const core::ImageF& display, int thumbnailSide)
{
    BracketTile tile;
    tile.index = index;
    tile.nominalEv = nominalEv;
    const int w = display.width(), h = display.height();
    if (w <= 0 || h <= 0 || display.channels() < 3) {
        return tile;
    }
    auto linear = std::make_shared<core::ImageF>(w, h, 3);
    for (int y = 0; y < h; ++y) {
        const float* src = display.pixel(0, y);
        float* dst = linear->pixel(0, y);
        for (int x = 0; x < w; ++x) {
            for (int c = 0; c < 3; ++c) {
                dst[3 * x + c] = core::srgbDecode(std::clamp(src[display.channels() * x + c], 0.0f, 1.0f));
            }
        }
    }
    // Box filter in linear light (averaging encoded values would darken edges), then encode.
    const double scale = std::min(1.0, double(thumbnailSide) / double(std::max(w, h)));
    const int tw = std::max(1, int(std::lround(w * scale)));
    const int th = std::max(1, int(std::lround(h * scale)));
    QImage thumb(tw, th, QImage::Format_RGB888);
    for (int ty = 0; ty < th; ++ty) {
        const int y0 = ty * h / th, y1 = std::max(y0 + 1, (ty + 1) * h / th);
        uchar* out = thumb.scanLine(ty);
        for (int tx = 0; tx < tw; ++tx) {
            const int x0 = tx * w / tw, x1 = std::max(x0 + 1, (tx + 1) * w / tw);
            double sum[3] = {0.0, 0.0, 0.0};
            for (int y = y0; y < y1; ++y) {
                const float* p = linear->pixel(0, y);
                for (int x = x0; x < x1; ++x) {
                    for (int c = 0; c < 3; ++c) {
                        sum[c] += p[3 * x + c];
                    }
                }
            }
            const double n = double((y1 - y0) * (x1 - x0));
            for (int c = 0; c < 3; ++c) {
                const float v = core::srgbEncode(float(sum[c] / n));
                out[3 * tx + c] = uchar(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
            }
        }
    }
    tile.thumbnail = std::move(thumb);
    tile.linear = std::move(linear);
    return tile;
}

BracketTile makeResultTile(int index,
                           const QString& caption,
                           const core::ImageF& display,
                           std::shared_ptr<const core::ImageF> linear,
                           int thumbnailSide)
{
    BracketTile tile = makeBracketTile(index, 0.0, display, thumbnailSide);
    tile.caption = caption;
    if (linear) {
        tile.linear = std::move(linear);
    }
    return tile;
}

BracketStrip::BracketStrip(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_scroll = new QScrollArea;
    m_scroll->setWidgetResizable(true);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_row = new QWidget;
    m_rowLayout = new QHBoxLayout(m_row);
    m_rowLayout->setContentsMargins(0, 0, 0, 0);
    m_rowLayout->setSpacing(4);
    m_scroll->setWidget(m_row);
    layout->addWidget(m_scroll);
    // Room for a thumbnail, two lines of label and a horizontal scroll bar when 5-7 brackets do
    // not fit the dock's width.
    const int labelHeight = 2 * fontMetrics().height() + 8;
    m_scroll->setMinimumHeight(m_side + labelHeight + m_scroll->horizontalScrollBar()->sizeHint().height());
    relayout();
}

void BracketStrip::clear()
{
    for (Entry& e : m_tiles) {
        delete e.button;
    }
    m_tiles.clear();
    relayout();
}

void BracketStrip::addTile(const BracketTile& tile)
{
    auto same = std::find_if(
        m_tiles.begin(), m_tiles.end(), [&](const Entry& e) { return e.tile.index == tile.index; });
    if (same != m_tiles.end()) {
        delete same->button;
        m_tiles.erase(same);
    }
    Entry entry;
    entry.tile = tile;
    auto* button = new QToolButton;
    button->setToolButtonStyle(Qt::ToolButtonTextUnderIcon);
    button->setAutoRaise(true);
    button->setIconSize(QSize(m_side, m_side));
    // Fitted to the tile (the worker made it at most twice as large; tiny test images are smaller).
    const qreal dpr = devicePixelRatioF();
    QPixmap pixmap = QPixmap::fromImage(
        tile.thumbnail.scaled(QSize(m_side, m_side) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    pixmap.setDevicePixelRatio(dpr);
    button->setIcon(QIcon(pixmap));
    button->setToolTip(tr("Show this bracket at full size in the viewer"));
    entry.button = button;
    const std::shared_ptr<const core::ImageF> linear = tile.linear;
    const QString name = tr("Bracket %1").arg(formatEv(tile.nominalEv));
    connect(button, &QToolButton::clicked, this, [this, linear, name] {
        if (linear) {
            emit bracketActivated(linear, name);
        }
    });
    auto at = std::upper_bound(m_tiles.begin(), m_tiles.end(), tile.nominalEv, [](double ev, const Entry& e) {
        return ev < e.tile.nominalEv;
    });
    at = m_tiles.insert(at, std::move(entry));
    at->button->setText(textFor(*at));
    relayout();
}

void BracketStrip::setEstimatedEvs(const std::vector<double>& evs, bool estimated)
{
    for (Entry& e : m_tiles) {
        if (!estimated) {
            e.estimationFailed = true;
            e.button->setText(textFor(e));
            e.button->setToolTip(tr("The exposure could not be estimated from the pixels; the merge "
                                    "used the nominal EVs. Click to view this bracket."));
        } else if (e.tile.index >= 0 && std::size_t(e.tile.index) < evs.size()) {
            e.estimatedEv = evs[std::size_t(e.tile.index)];
            e.button->setText(textFor(e));
        }
    }
}

QString BracketStrip::label(int position) const
{
    return m_tiles.at(std::size_t(position)).button->text();
}

double BracketStrip::nominalEv(int position) const
{
    return m_tiles.at(std::size_t(position)).tile.nominalEv;
}

QString BracketStrip::textFor(const Entry& e) const
{
    if (!e.tile.caption.isEmpty()) {
        return e.tile.caption;
    }
    if (e.estimationFailed) {
        return tr("%1\n(not estimated)").arg(formatEv(e.tile.nominalEv));
    }
    if (!e.estimatedEv) {
        return formatEv(e.tile.nominalEv);
    }
    QString estimated = formatEv(*e.estimatedEv);
    estimated.chop(3); // " EV": the unit is said once
    return tr("%1\n(est. %2)").arg(formatEv(e.tile.nominalEv), estimated);
}

void BracketStrip::relayout()
{
    // Tiles first, then a stretch so a short run stays left-aligned; an empty strip says why.
    while (QLayoutItem* item = m_rowLayout->takeAt(0)) {
        if (item->widget() && item->widget()->objectName() == QLatin1String("placeholder")) {
            delete item->widget();
        }
        delete item;
    }
    for (const Entry& e : m_tiles) {
        m_rowLayout->addWidget(e.button);
    }
    if (m_tiles.empty()) {
        auto* placeholder = new QLabel(tr("Brackets appear here as each branch finishes."));
        placeholder->setObjectName(QStringLiteral("placeholder"));
        placeholder->setEnabled(false);
        m_rowLayout->addWidget(placeholder);
    }
    m_rowLayout->addStretch(1);
}

} // namespace hdr::ui
