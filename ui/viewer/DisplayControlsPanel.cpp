#include "ui/viewer/DisplayControlsPanel.h"

#include "color/Ocio.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>

#include <cmath>

namespace hdr::ui {
namespace {
constexpr int kExposureSteps = 10; // slider ticks per stop
}

DisplayControlsPanel::DisplayControlsPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_exposureSlider = new QSlider(Qt::Horizontal);
    m_exposureSlider->setRange(-20 * kExposureSteps, 20 * kExposureSteps);
    m_exposureSlider->setObjectName(QStringLiteral("exposureSlider"));
    m_exposureSpin = new QDoubleSpinBox;
    m_exposureSpin->setRange(-20.0, 20.0);
    m_exposureSpin->setSingleStep(0.1);
    m_exposureSpin->setDecimals(2);
    m_exposureSpin->setSuffix(tr(" EV"));
    m_exposureSpin->setObjectName(QStringLiteral("exposureSpin"));
    auto* exposureRow = new QHBoxLayout;
    exposureRow->addWidget(m_exposureSlider, 1);
    exposureRow->addWidget(m_exposureSpin);
    form->addRow(tr("Exposure"), exposureRow);

    m_offsetSpin = new QDoubleSpinBox;
    m_offsetSpin->setRange(-1.0, 1.0);
    m_offsetSpin->setSingleStep(0.01);
    m_offsetSpin->setDecimals(3);
    m_offsetSpin->setToolTip(tr("Added to scene-linear values after exposure"));
    form->addRow(tr("Offset"), m_offsetSpin);

    m_gammaSpin = new QDoubleSpinBox;
    m_gammaSpin->setRange(0.2, 5.0);
    m_gammaSpin->setSingleStep(0.05);
    m_gammaSpin->setValue(1.0);
    m_gammaSpin->setToolTip(tr("Extra gamma on the display signal (1 = as the view encodes)"));
    form->addRow(tr("Gamma"), m_gammaSpin);

    m_displayCombo = new QComboBox;
    m_displayCombo->setObjectName(QStringLiteral("displayCombo"));
    form->addRow(tr("Display"), m_displayCombo);
    m_viewCombo = new QComboBox;
    m_viewCombo->setObjectName(QStringLiteral("viewCombo"));
    form->addRow(tr("View"), m_viewCombo);

    m_toneMapCombo = new QComboBox;
    m_toneMapCombo->setObjectName(QStringLiteral("toneMapCombo"));
    for (core::ToneMapOperator op : core::allToneMapOperators()) {
        m_toneMapCombo->addItem(QString::fromUtf8(core::displayName(op)),
                                QString::fromUtf8(core::nameOf(op)));
    }
    form->addRow(tr("Tone map"), m_toneMapCombo);

    m_overlayCombo = new QComboBox;
    m_overlayCombo->setObjectName(QStringLiteral("overlayCombo"));
    m_overlayCombo->addItem(tr("None"), int(core::DisplayOverlay::None));
    m_overlayCombo->addItem(tr("Clipping (magenta / blue)"), int(core::DisplayOverlay::Clipping));
    m_overlayCombo->addItem(tr("False colour (stops)"), int(core::DisplayOverlay::FalseColor));
    form->addRow(tr("Overlay"), m_overlayCombo);

    m_headroomSpin = new QDoubleSpinBox;
    m_headroomSpin->setRange(0.0, 8.0);
    m_headroomSpin->setSingleStep(0.5);
    m_headroomSpin->setSuffix(tr(" stops"));
    m_headroomSpin->setToolTip(tr("How far above SDR white the display reaches. 0 for SDR monitors; "
                                  "HDR output is not available with Qt 6.4"));
    form->addRow(tr("Headroom"), m_headroomSpin);

    auto* buttons = new QHBoxLayout;
    auto* normalize = new QPushButton(tr("Auto exposure"));
    normalize->setToolTip(tr("Set exposure so the brightest 0.5% of pixels reach display white"));
    auto* reset = new QPushButton(tr("Reset"));
    buttons->addWidget(normalize);
    buttons->addWidget(reset);
    form->addRow(buttons);

    m_splitSlider = new QSlider(Qt::Horizontal);
    m_splitSlider->setRange(0, 1000);
    m_splitSlider->setValue(500);
    m_splitSlider->setEnabled(false);
    m_splitLabel = new QLabel(tr("A/B split"));
    form->addRow(m_splitLabel, m_splitSlider);

    connect(m_exposureSlider, &QSlider::valueChanged, this, [this](int v) {
        if (!m_updating) {
            QSignalBlocker b(m_exposureSpin);
            m_exposureSpin->setValue(double(v) / kExposureSteps);
            emitChanged();
        }
    });
    connect(m_exposureSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (!m_updating) {
            QSignalBlocker b(m_exposureSlider);
            m_exposureSlider->setValue(int(std::lround(v * kExposureSteps)));
            emitChanged();
        }
    });
    for (QDoubleSpinBox* spin : {m_offsetSpin, m_gammaSpin, m_headroomSpin}) {
        connect(spin, &QDoubleSpinBox::valueChanged, this, [this] { emitChanged(); });
    }
    connect(m_displayCombo, &QComboBox::currentIndexChanged, this, [this] {
        populateViews();
        emitChanged();
    });
    for (QComboBox* combo : {m_viewCombo, m_toneMapCombo, m_overlayCombo}) {
        connect(combo, &QComboBox::currentIndexChanged, this, [this] { emitChanged(); });
    }
    connect(normalize, &QPushButton::clicked, this, &DisplayControlsPanel::normalizeRequested);
    connect(reset, &QPushButton::clicked, this, &DisplayControlsPanel::resetDisplay);
    connect(m_splitSlider, &QSlider::valueChanged, this, [this](int v) {
        emit compareSplitChanged(double(v) / 1000.0);
    });
}

void DisplayControlsPanel::setOcioConfig(std::shared_ptr<const core::OcioConfig> config)
{
    m_ocio = std::move(config);
    QSignalBlocker block(m_displayCombo);
    m_displayCombo->clear();
    if (m_ocio) {
        for (const std::string& d : m_ocio->displays()) {
            m_displayCombo->addItem(QString::fromStdString(d));
        }
        m_displayCombo->setCurrentText(QString::fromStdString(m_ocio->defaultDisplay()));
    } else {
        m_displayCombo->addItem(tr("sRGB (built-in)"));
    }
    populateViews();
    emitChanged();
}

void DisplayControlsPanel::populateViews()
{
    QSignalBlocker block(m_viewCombo);
    const QString previous = m_viewCombo->currentText();
    m_viewCombo->clear();
    if (m_ocio) {
        const std::string display = m_displayCombo->currentText().toStdString();
        for (const std::string& v : m_ocio->views(display)) {
            m_viewCombo->addItem(QString::fromStdString(v));
        }
        const int keep = m_viewCombo->findText(previous);
        m_viewCombo->setCurrentIndex(
            keep >= 0 ? keep : m_viewCombo->findText(QString::fromStdString(m_ocio->defaultView(display))));
    } else {
        m_viewCombo->addItem(tr("Standard"));
    }
}

core::DisplaySettings DisplayControlsPanel::settings() const
{
    core::DisplaySettings s;
    s.exposureEv = float(m_exposureSpin->value());
    s.offset = float(m_offsetSpin->value());
    s.gamma = float(m_gammaSpin->value());
    if (m_ocio) {
        s.display = m_displayCombo->currentText().toStdString();
        s.view = m_viewCombo->currentText().toStdString();
    }
    s.toneMap.op = core::toneMapOperatorFromString(m_toneMapCombo->currentData().toString().toStdString())
                       .value_or(core::ToneMapOperator::Clip);
    s.overlay = core::DisplayOverlay(m_overlayCombo->currentData().toInt());
    s.displayHeadroomStops = float(m_headroomSpin->value());
    return s;
}

void DisplayControlsPanel::setSettings(const core::DisplaySettings& s)
{
    m_updating = true;
    m_exposureSpin->setValue(double(s.exposureEv));
    m_exposureSlider->setValue(int(std::lround(double(s.exposureEv) * kExposureSteps)));
    m_offsetSpin->setValue(double(s.offset));
    m_gammaSpin->setValue(double(s.gamma));
    if (!s.display.empty()) {
        m_displayCombo->setCurrentText(QString::fromStdString(s.display));
    }
    populateViews();
    if (!s.view.empty()) {
        m_viewCombo->setCurrentText(QString::fromStdString(s.view));
    }
    m_toneMapCombo->setCurrentIndex(m_toneMapCombo->findData(QString::fromUtf8(core::nameOf(s.toneMap.op))));
    m_overlayCombo->setCurrentIndex(m_overlayCombo->findData(int(s.overlay)));
    m_headroomSpin->setValue(double(s.displayHeadroomStops));
    m_updating = false;
    emitChanged();
}

void DisplayControlsPanel::setExposure(double ev)
{
    m_exposureSpin->setValue(ev);
}

double DisplayControlsPanel::exposure() const
{
    return m_exposureSpin->value();
}

void DisplayControlsPanel::setCompareAvailable(bool available)
{
    m_splitSlider->setEnabled(available);
}

void DisplayControlsPanel::resetDisplay()
{
    core::DisplaySettings s;
    if (m_ocio) {
        s.display = m_ocio->defaultDisplay();
        s.view = m_ocio->defaultView(s.display);
    }
    setSettings(s);
}

void DisplayControlsPanel::emitChanged()
{
    if (!m_updating) {
        emit settingsChanged(settings());
    }
}

} // namespace hdr::ui
