#include "ui/generation/GainMapSection.h"

#include "ui/generation/ModelPicker.h"
#include "ui/widgets/SpecControls.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>

#include <algorithm>
#include <array>

namespace hdr::ui {

GainMapSection::GainMapSection(core::JobManager* jobs, QWidget* parent)
    : QWidget(parent)
{
    const auto& spec = diffusion::gainMapRequestSpec();
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    m_model = new ModelPicker(jobs, QStringLiteral("generation/gainMapModel"));
    m_model->setObjectName(QStringLiteral("gainMapModelPicker"));
    m_model->setToolTip(QString::fromStdString(spec.info("gm-model").help));
    form->addRow(tr("Gain-map UNet"), m_model);
    m_qmax = new QDoubleSpinBox;
    m_qmax->setObjectName(QStringLiteral("qmaxSpin"));
    configureDoubleSpinBox(m_qmax, spec.info("qmax"), spec.defaultValue("qmax"), 1.0);
    m_qmax->setMaximum(999.0); // the spec allows more; beyond 999 x SDR white is no display's range
    form->addRow(tr("qmax (peak = qmax + 1)"), m_qmax);
    auto* outputs = new QHBoxLayout;
    const std::array<std::pair<const char*, QString>, 5> kinds{
        std::pair{"exr", tr("Scene-linear OpenEXR (1.0 = SDR white)")},
        std::pair{"hdr", tr("Radiance .hdr as the research code writes it (HDR / (qmax + 1))")},
        std::pair{"sdr", tr("The SDR branch, 8-bit PNG")},
        std::pair{"gainmap", tr("The 3-channel gain map, 16-bit PNG")},
        std::pair{"jpg", tr("Ultra HDR JPEG: SDR + gain map, shown as HDR on HDR screens")}};
    const diffusion::GainMapRequest defaults;
    for (const auto& [name, tip] : kinds) {
        auto* check = new QCheckBox(QString::fromLatin1(name));
        check->setToolTip(tip);
        check->setChecked(defaults.formats.count(name) > 0);
        outputs->addWidget(check);
        m_outputs[QString::fromLatin1(name)] = check;
        connect(check, &QCheckBox::toggled, this, &GainMapSection::changed);
    }
    outputs->addStretch(1);
    form->addRow(tr("Outputs"), outputs);
    connect(m_model, &ModelPicker::modelInspected, this, &GainMapSection::changed);
    connect(m_qmax, &QDoubleSpinBox::valueChanged, this, &GainMapSection::changed);
}

void GainMapSection::fill(diffusion::GainMapRequest& request) const
{
    request.gmModel = m_model->modelPath().toStdString();
    request.qmax = m_qmax->value();
    request.formats.clear();
    for (const auto& [name, check] : m_outputs) {
        if (check->isChecked()) {
            request.formats.insert(name.toStdString());
        }
    }
}

QString GainMapSection::problem() const
{
    if (m_model->isInspecting()) {
        return tr("Inspecting the gain-map UNet…");
    }
    if (m_model->modelPath().isEmpty()) {
        return tr("Choose the gain-map UNet (an 8-channel GM-Diffusion UNet).");
    }
    if (m_model->arch() != QLatin1String("sd15-gm")) {
        return m_model->problem().isEmpty()
                   ? tr("The gain-map model is not a GM-Diffusion UNet (it must take 8 input channels).")
                   : tr("The gain-map UNet cannot be used: %1").arg(m_model->problem());
    }
    return {};
}

void GainMapSection::setQmax(double qmax)
{
    m_qmax->setValue(qmax);
}

void GainMapSection::setOutputs(const QStringList& outputs)
{
    for (auto& [name, check] : m_outputs) {
        check->setChecked(outputs.contains(name));
    }
}

core::ImageF falseColourGainMap(const core::ImageF& gainMap)
{
    // A short perceptual ramp (dark blue -> teal -> green -> yellow), display sRGB.
    static constexpr std::array<std::array<float, 3>, 5> kRamp{{{0.07f, 0.04f, 0.33f},
                                                                {0.13f, 0.35f, 0.55f},
                                                                {0.12f, 0.60f, 0.54f},
                                                                {0.48f, 0.82f, 0.32f},
                                                                {0.99f, 0.91f, 0.15f}}};
    core::ImageF out(gainMap.width(), gainMap.height(), 3);
    for (int y = 0; y < gainMap.height(); ++y) {
        for (int x = 0; x < gainMap.width(); ++x) {
            const float* g = gainMap.pixel(x, y);
            const float v = std::clamp((g[0] + g[1] + g[2]) / 3.0f, 0.0f, 1.0f) * float(kRamp.size() - 1);
            const int i = std::min(int(v), int(kRamp.size()) - 2);
            const float t = v - float(i);
            float* o = out.pixel(x, y);
            for (int c = 0; c < 3; ++c) {
                o[c] = kRamp[std::size_t(i)][std::size_t(c)] * (1.0f - t) +
                       kRamp[std::size_t(i) + 1][std::size_t(c)] * t;
            }
        }
    }
    return out;
}

} // namespace hdr::ui
