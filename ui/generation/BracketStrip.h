#pragma once
// The exposure-bracket strip of the Generate panel: one tile per decoded bracket (thumbnail +
// EV label "−1 EV (est. −0.93)"), in exposure order, filled in as the branches finish.
#include "image/Image.h"

#include <QImage>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QHBoxLayout;
class QScrollArea;
class QToolButton;

namespace hdr::ui {

// A bracket ready for the GUI thread. Made on the worker thread by makeBracketTile(): the
// thumbnail is already downscaled and converted, so the GUI thread only places it.
struct BracketTile {
    int index = 0; // branch index in the request (ascending EV)
    double nominalEv = 0.0;
    QString caption;  // shown instead of the EV label when set (gain-map diffusion's SDR / map / HDR)
    QImage thumbnail; // 8-bit sRGB, longest side <= the requested size
    // The full-size bracket as scene-linear Rec.709 (the decoded display sRGB values linearised):
    // shown through the viewer's sRGB view at exposure 0 it looks exactly like the bracket.
    std::shared_ptr<const core::ImageF> linear;
};

// Worker-thread half: box-filters `display` (sRGB values in [0, 1], RGB) in linear light down to
// `thumbnailSide` pixels on the longest side and linearises a full-size copy.
BracketTile makeBracketTile(int index, double nominalEv, const core::ImageF& display, int thumbnailSide);
// A result tile: `display` (sRGB values in [0, 1]) gives the thumbnail, `linear` (scene-linear
// Rec.709) is what the viewer opens when the tile is clicked.
BracketTile makeResultTile(int index,
                           const QString& caption,
                           const core::ImageF& display,
                           std::shared_ptr<const core::ImageF> linear,
                           int thumbnailSide);

class BracketStrip : public QWidget {
    Q_OBJECT
public:
    explicit BracketStrip(QWidget* parent = nullptr);

    // Drops every tile (a new run starts).
    void clear();
    // Inserts the tile at its place in EV order (replaces a tile with the same index).
    void addTile(const BracketTile& tile);
    // After the merge: the EV each bracket was estimated at from its pixels, by request index.
    // estimated = false: the estimation failed and the merge used the nominal EVs (said so).
    void setEstimatedEvs(const std::vector<double>& evs, bool estimated);

    int count() const { return int(m_tiles.size()); }
    QString label(int position) const; // tile text, left to right
    double nominalEv(int position) const;
    const BracketTile& tile(int position) const { return m_tiles.at(std::size_t(position)).tile; }
    QToolButton* button(int position) const { return m_tiles.at(std::size_t(position)).button; }
    QSize thumbnailSize() const { return {m_side, m_side}; }

signals:
    // A tile was clicked: the bracket at full size, and a name for the viewer.
    void bracketActivated(std::shared_ptr<const hdr::core::ImageF> linear, const QString& name);

private:
    struct Entry {
        BracketTile tile;
        std::optional<double> estimatedEv;
        bool estimationFailed = false;
        QToolButton* button = nullptr;
    };
    QString textFor(const Entry& e) const;
    void relayout();

    std::vector<Entry> m_tiles;
    QScrollArea* m_scroll = nullptr;
    QWidget* m_row = nullptr;
    QHBoxLayout* m_rowLayout = nullptr;
    int m_side = 104; // thumbnail box, pixels
};

} // namespace hdr::ui
