#pragma once

#include "display/DisplayTransform.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSlider;
class QLabel;

namespace hdr::core {
class OcioConfig;
}

namespace hdr::ui {

// Exposure (stops), offset, gamma, OCIO display + view, tone-mapping operator, overlay, display
// headroom, and the A/B compare split. Emits settingsChanged() on every edit; the viewer
// coalesces the resulting renders, so slider drags stay smooth.
class DisplayControlsPanel : public QWidget {
    Q_OBJECT
public:
    explicit DisplayControlsPanel(QWidget* parent = nullptr);

    void setOcioConfig(std::shared_ptr<const core::OcioConfig> config);
    core::DisplaySettings settings() const;
    void setSettings(const core::DisplaySettings& s);
    void setExposure(double ev);
    double exposure() const;
    void setCompareAvailable(bool available);
    void resetDisplay();

signals:
    void settingsChanged(const hdr::core::DisplaySettings& settings);
    void compareSplitChanged(double fraction);
    void normalizeRequested();

private:
    void populateViews();
    void emitChanged();

    std::shared_ptr<const core::OcioConfig> m_ocio;
    QSlider* m_exposureSlider = nullptr;
    QDoubleSpinBox* m_exposureSpin = nullptr;
    QDoubleSpinBox* m_offsetSpin = nullptr;
    QDoubleSpinBox* m_gammaSpin = nullptr;
    QComboBox* m_displayCombo = nullptr;
    QComboBox* m_viewCombo = nullptr;
    QComboBox* m_toneMapCombo = nullptr;
    QComboBox* m_overlayCombo = nullptr;
    QDoubleSpinBox* m_headroomSpin = nullptr;
    QSlider* m_splitSlider = nullptr;
    QLabel* m_splitLabel = nullptr;
    bool m_updating = false;
};

} // namespace hdr::ui
