#pragma once
// The Generate panel's settings for gain-map diffusion (GM-Diffusion): the gain-map UNet (its own
// model picker, remembered separately), qmax and the outputs. Ranges, defaults and tooltips come
// from gainMapRequestSpec(), as the CLI's flags do.
#include "gmdiffusion/GainMapRequest.h"

#include <QString>
#include <QWidget>

#include <map>

class QCheckBox;
class QDoubleSpinBox;

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

class ModelPicker;

class GainMapSection : public QWidget {
    Q_OBJECT
public:
    explicit GainMapSection(core::JobManager* jobs, QWidget* parent = nullptr);

    // Copies the section's settings into `request` (gm model, qmax, outputs).
    void fill(diffusion::GainMapRequest& request) const;
    // Empty when the gain-map UNet is usable; otherwise why not.
    QString problem() const;

    ModelPicker* modelPicker() const { return m_model; }
    void setQmax(double qmax);
    void setOutputs(const QStringList& outputs); // any of exr, hdr, sdr, gainmap, jpg

signals:
    void changed();

private:
    ModelPicker* m_model = nullptr;
    QDoubleSpinBox* m_qmax = nullptr;
    std::map<QString, QCheckBox*> m_outputs;
};

// The gain map in false colour (dark blue = no boost ... yellow = full qmax), display sRGB values:
// GM is data, not a picture, and its three channels are nearly equal; false colour shows where
// the highlights will be and how strong.
core::ImageF falseColourGainMap(const core::ImageF& gainMap);

} // namespace hdr::ui
