#pragma once

#include "display/DisplayTransform.h"
#include "image/ImageStats.h"

#include <QWidget>

namespace hdr::ui {

// Log-luminance histogram (x: stops, log2 of scene-linear luminance; y: pixel count on a
// square-root scale so small populations such as highlights stay visible). The band of scene
// values the display shows at the current exposure is shaded; pixels outside it are counted as
// clipped highlights (brightest channel >= display white) and crushed shadows.
class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget* parent = nullptr);
    void setHistogram(const core::LogHistogram& histogram);
    void setDisplaySettings(const core::DisplaySettings& settings);
    QSize sizeHint() const override { return {320, 150}; }

    std::int64_t clippedHighlights() const;
    std::int64_t crushedShadows() const;

protected:
    void paintEvent(QPaintEvent* e) override;

private:
    core::LogHistogram m_hist;
    core::DisplaySettings m_settings;
    bool m_valid = false;
};

} // namespace hdr::ui
