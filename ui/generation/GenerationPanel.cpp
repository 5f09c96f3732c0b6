#include "ui/generation/GenerationPanel.h"

#include "bracketed/BracketSettings.h"
#include "bracketed/BracketedRequest.h"
#include "jobs/JobManager.h"
#include "ui/generation/BracketStrip.h"
#include "ui/generation/GainMapSection.h"
#include "ui/generation/LatentPreview.h"
#include "ui/generation/ModelPicker.h"
#include "ui/widgets/SpecControls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <filesystem>
#include <limits>

namespace hdr::ui {
namespace {
const auto& requestSpec()
{
    return diffusion::bracketedRequestSpec();
}
void fromSpec(QSpinBox* box, const char* key)
{
    configureSpinBox(box, requestSpec().info(key), requestSpec().defaultValue(key));
}
void fromSpec(QDoubleSpinBox* box, const char* key, double step)
{
    configureDoubleSpinBox(box, requestSpec().info(key), requestSpec().defaultValue(key), step);
}

const QString kOutputKey = QStringLiteral("generation/outputDir");
const QStringList kFormats{QStringLiteral("exr"),
                           QStringLiteral("hdr"),
                           QStringLiteral("tiff"),
                           QStringLiteral("dng"),
                           QStringLiteral("png")};

QString sizeText(const QSize& s)
{
    return QStringLiteral("%1 × %2").arg(s.width()).arg(s.height());
}

} // namespace

QWidget* GenerationPanel::resultStrip() const
{
    return m_strip;
}

GenerationPanel::GenerationPanel(core::JobManager* jobs, QWidget* parent)
    : GenerationPanelBase(parent)
    , m_jobs(jobs)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_method = new QComboBox;
    m_method->setObjectName(QStringLiteral("methodCombo"));
    m_method->addItem(tr("Exposure brackets"), int(GenerationMethod::Brackets));
    m_method->addItem(tr("Gain-map diffusion (GM-Diffusion, SD 1.5)"), int(GenerationMethod::GainMap));
    m_method->setToolTip(tr("Exposure brackets: one denoising run branches into exposures that are merged. "
                            "Gain-map diffusion: an SDR image and a gain map are generated together and "
                            "combined into HDR (docs/gainmap-diffusion.md)."));
    auto* methodRow = new QFormLayout;
    methodRow->setContentsMargins(0, 0, 0, 0);
    methodRow->addRow(tr("Method"), m_method);
    layout->addLayout(methodRow);
    layout->addWidget(buildPromptSection());
    // Tabs keep the dock short enough that Generate and the preview stay in view.
    m_tabs = new QTabWidget;
    m_tabs->addTab(buildSamplingSection(), tr("Sampling"));
    m_tabs->addTab(buildBracketSection(), tr("Brackets && output"));
    m_gainMap = new GainMapSection(m_jobs);
    m_tabs->addTab(m_gainMap, tr("Gain map && output"));
    layout->addWidget(m_tabs);

    m_generate = new QPushButton(tr("Generate"));
    m_generate->setObjectName(QStringLiteral("generateButton"));
    m_generate->setDefault(true);
    m_generate->setMinimumHeight(32);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_preview = new LatentPreview;
    auto* runColumn = new QVBoxLayout;
    runColumn->addWidget(m_generate);
    runColumn->addWidget(m_status, 1);
    auto* runRow = new QHBoxLayout;
    runRow->addLayout(runColumn, 1);
    runRow->addWidget(m_preview, 0, Qt::AlignTop);
    layout->addLayout(runRow);
    layout->addStretch(1);
    // Not in this layout: the MainWindow docks the strip along the bottom, where a row of seven
    // thumbnails fits. Hidden until then; owned by the panel if nobody takes it.
    m_strip = new BracketStrip(this);
    m_strip->hide();

    connect(m_generate, &QPushButton::clicked, this, [this] { generate(); });
    connect(m_method, &QComboBox::currentIndexChanged, this, &GenerationPanel::applyMethod);
    connect(m_gainMap, &GainMapSection::changed, this, &GenerationPanel::updateValidity);
    connect(m_model, &ModelPicker::modelInspected, this, &GenerationPanel::applyArchitecture);
    connect(m_strip, &BracketStrip::bracketActivated, this, &GenerationPanel::bracketActivated);
    connect(m_jobs, &core::JobManager::jobChanged, this, &GenerationPanel::onJobChanged);
    connect(m_jobs, &core::JobManager::jobPreview, this, &GenerationPanel::onJobPreview);
    applyArchitecture(m_model->arch());
    updateBracketEditors();
    applyMethod();
}

GenerationMethod GenerationPanel::method() const
{
    return GenerationMethod(m_method->currentData().toInt());
}

void GenerationPanel::setMethod(GenerationMethod method)
{
    m_method->setCurrentIndex(std::max(0, m_method->findData(int(method))));
}

void GenerationPanel::applyMethod()
{
    const bool gainMap = method() == GenerationMethod::GainMap;
    m_tabs->setTabVisible(1, !gainMap);
    m_tabs->setTabVisible(2, gainMap);
    if (m_initImageLabel) {
        m_initImageLabel->setText(gainMap ? tr("SDR image (optional: SDR → HDR)")
                                          : tr("Init image (optional)"));
    }
    m_strength->setEnabled(!gainMap);
    // Each method's own defaults for the sampling settings (sd-hdr's / the research scripts').
    const diffusion::DiffusionSettings defaults =
        gainMap ? static_cast<diffusion::DiffusionSettings>(diffusion::GainMapRequest())
                : static_cast<diffusion::DiffusionSettings>(diffusion::BracketedRequest());
    m_sampler->setCurrentText(QString::fromStdString(defaults.sampler));
    m_steps->setValue(defaults.steps);
    m_cfg->setValue(defaults.cfg);
    updateValidity();
}

QWidget* GenerationPanel::buildPromptSection()
{
    auto* box = new QWidget;
    auto* form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    form->setRowWrapPolicy(QFormLayout::WrapAllRows);
    m_prompt = new QPlainTextEdit;
    m_prompt->setObjectName(QStringLiteral("promptEdit"));
    m_prompt->setPlaceholderText(tr("What the picture shows, e.g. a sunlit window in a dark stone room"));
    m_prompt->setFixedHeight(4 * fontMetrics().lineSpacing() + 12);
    m_negative = new QPlainTextEdit;
    m_negative->setObjectName(QStringLiteral("negativeEdit"));
    m_negative->setPlaceholderText(tr("What to avoid, e.g. blurry, low quality"));
    m_negative->setFixedHeight(2 * fontMetrics().lineSpacing() + 12);
    m_model = new ModelPicker(m_jobs);
    form->addRow(tr("Prompt"), m_prompt);
    form->addRow(tr("Negative prompt"), m_negative);
    form->addRow(tr("Model"), m_model);
    connect(m_prompt, &QPlainTextEdit::textChanged, this, &GenerationPanel::updateValidity);

    // img2img: the brackets start from this picture instead of noise.
    m_initImage = new QLineEdit;
    m_initImage->setObjectName(QStringLiteral("initImageEdit"));
    m_initImage->setPlaceholderText(tr("none: text to image"));
    m_initImage->setClearButtonEnabled(true);
    m_initImage->setToolTip(tr("Image to image: any picture HDR Studio reads; its size (cropped to "
                               "multiples of 8) replaces the size setting"));
    auto* browse = new QToolButton;
    browse->setText(tr("…"));
    browse->setToolTip(tr("Choose the init image"));
    m_strength = new QDoubleSpinBox;
    fromSpec(m_strength, "strength", 0.05);
    auto* initRow = new QHBoxLayout;
    initRow->addWidget(m_initImage, 1);
    initRow->addWidget(browse);
    initRow->addWidget(new QLabel(tr("Strength")));
    initRow->addWidget(m_strength);
    m_initImageLabel = new QLabel(tr("Init image (optional)"));
    form->addRow(m_initImageLabel, initRow);
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this,
            tr("Choose the init image"),
            QFileInfo(m_initImage->text()).absolutePath(),
            tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.exr *.hdr);;All files (*)"));
        if (!file.isEmpty()) {
            m_initImage->setText(file);
        }
    });
    connect(m_initImage, &QLineEdit::textChanged, this, [this] {
        updateSizeEditors(); // the size follows the image while one is set
    });
    return box;
}

QWidget* GenerationPanel::buildSamplingSection()
{
    auto* box = new QWidget;
    auto* form = new QFormLayout(box);
    m_sampler = new QComboBox;
    m_sampler->addItems(generationSamplerNames());
    m_sampler->setCurrentText(QString::fromStdString(diffusion::BracketedRequest().sampler));
    m_sampler->setToolTip(tr("Sampler (the CLI's --sampler names); euler_a is sd-hdr's default"));
    m_steps = new QSpinBox;
    fromSpec(m_steps, "steps");
    m_cfg = new QDoubleSpinBox;
    fromSpec(m_cfg, "cfg", 0.5);
    auto* samplerRow = new QHBoxLayout;
    samplerRow->addWidget(m_sampler, 1);
    samplerRow->addWidget(new QLabel(tr("Steps")));
    samplerRow->addWidget(m_steps);
    samplerRow->addWidget(new QLabel(tr("CFG")));
    samplerRow->addWidget(m_cfg);
    form->addRow(tr("Sampler"), samplerRow);

    m_promptStyle = new QComboBox;
    m_promptStyle->addItem(tr("A1111: (word:1.2) emphasis, long prompts in chunks"), QStringLiteral("a1111"));
    m_promptStyle->addItem(tr("diffusers: literal text, cut at 77 tokens"), QStringLiteral("diffusers"));
    m_promptStyle->setToolTip(tr("How the prompt is read; recorded in the JSON sidecar"));
    form->addRow(tr("Prompt style"), m_promptStyle);

    m_seed = new QSpinBox;
    m_seed->setRange(-1, std::numeric_limits<int>::max());
    m_seed->setValue(-1);
    m_seed->setSpecialValueText(tr("random"));
    m_seed->setToolTip(tr("−1 (shown as 'random'): a new seed per job; the seed used is in the status "
                          "and the JSON sidecar"));
    auto* dice = new QToolButton;
    dice->setText(tr("Random"));
    dice->setToolTip(tr("A new random seed for every job (seed −1)"));
    auto* reuse = new QToolButton;
    reuse->setText(tr("Reuse last"));
    reuse->setToolTip(tr("The seed of the last job"));
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seed, 1);
    seedRow->addWidget(dice);
    seedRow->addWidget(reuse);
    form->addRow(tr("Seed"), seedRow);
    connect(dice, &QToolButton::clicked, this, [this] { m_seed->setValue(-1); });
    connect(reuse, &QToolButton::clicked, this, [this] {
        if (m_lastSeed >= 0) {
            m_seed->setValue(int(m_lastSeed));
        }
    });

    m_size = new QComboBox;
    m_size->setObjectName(QStringLiteral("sizeCombo"));
    m_width = new QSpinBox;
    m_height = new QSpinBox;
    fromSpec(m_width, "width");
    fromSpec(m_height, "height");
    for (QSpinBox* s : {m_width, m_height}) {
        s->setMinimum(8); // 0 (the model's native size) is what the presets are for
        connect(s, &QSpinBox::valueChanged, this, &GenerationPanel::updateValidity);
    }
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_size, 1);
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×")));
    sizeRow->addWidget(m_height);
    form->addRow(tr("Size"), sizeRow);
    connect(m_size, &QComboBox::currentIndexChanged, this, &GenerationPanel::updateSizeEditors);

    m_dtype = new QComboBox;
    m_dtype->addItems({QStringLiteral("fp32"), QStringLiteral("bf16")});
    m_dtype->setToolTip(tr("Weights and activations: fp32 (exact) or bf16 (half the memory)"));
    m_threads = new QSpinBox;
    fromSpec(m_threads, "threads");
    m_threads->setSpecialValueText(tr("all cores"));
    auto* computeRow = new QHBoxLayout;
    computeRow->addWidget(m_dtype, 1);
    computeRow->addWidget(new QLabel(tr("Threads")));
    computeRow->addWidget(m_threads, 1);
    form->addRow(tr("Precision"), computeRow);

    m_vaeTile = new QComboBox;
    m_vaeTile->addItem(tr("VAE in one piece"), 0);
    m_vaeTile->addItem(tr("VAE in 768 px tiles"), 768);
    m_vaeTile->addItem(tr("VAE in 512 px tiles"), 512);
    m_vaeTile->setToolTip(tr("Tiles lower the decode's memory peak (SDXL 1024x1024: 8.4 GB in one "
                             "piece, 1.5 GB in 512 px tiles) and take longer; seams are blended"));
    m_offload = new QCheckBox(tr("Free models when done"));
    m_offload->setToolTip(tr("Free the text encoders and the UNet as soon as they are no longer "
                             "needed (less memory; the next job loads them again)"));
    auto* memoryRow = new QHBoxLayout;
    memoryRow->addWidget(m_vaeTile, 1);
    memoryRow->addWidget(m_offload);
    form->addRow(tr("Memory"), memoryRow);
    return box;
}

QWidget* GenerationPanel::buildBracketSection()
{
    auto* box = new QWidget;
    auto* form = new QFormLayout(box);
    m_brackets = new QComboBox;
    m_brackets->addItems({tr("3 brackets"), tr("5 brackets"), tr("7 brackets"), tr("EV list")});
    m_evList = new QLineEdit;
    m_evList->setPlaceholderText(tr("e.g. -2, 0, 2"));
    m_exposureStep = new QDoubleSpinBox;
    fromSpec(m_exposureStep, "exp", 0.25);
    m_exposureStep->setSuffix(tr(" EV"));
    auto* bracketRow = new QHBoxLayout;
    bracketRow->addWidget(m_brackets);
    bracketRow->addWidget(m_evList, 1);
    bracketRow->addWidget(m_exposureStep);
    form->addRow(tr("Brackets"), bracketRow);
    connect(m_brackets, &QComboBox::currentIndexChanged, this, &GenerationPanel::updateBracketEditors);
    connect(m_evList, &QLineEdit::textChanged, this, &GenerationPanel::updateValidity);

    m_thresholdKind = new QComboBox;
    m_thresholdKind->addItems({tr("below timestep"), tr("last fraction of steps")});
    m_threshold = new QDoubleSpinBox;
    m_thresholdKind->setToolTip(tr("Where the shared denoising run splits into one branch per bracket"));
    auto* thresholdRow = new QHBoxLayout;
    thresholdRow->addWidget(m_thresholdKind, 1);
    thresholdRow->addWidget(m_threshold);
    form->addRow(tr("Branch"), thresholdRow);
    const auto setThresholdKind = [this](int kind) {
        if (kind == 0) {
            fromSpec(m_threshold, "timestep", 10.0);
        } else {
            configureDoubleSpinBox(m_threshold, requestSpec().info("fraction"), 0.3, 0.05);
        }
    };
    setThresholdKind(0);
    connect(m_thresholdKind, &QComboBox::currentIndexChanged, this, setThresholdKind);

    m_strategy = new QComboBox;
    configureComboBox(m_strategy, requestSpec().info("strategy"), requestSpec().defaultValue("strategy"));
    form->addRow(tr("Strategy"), m_strategy);

    m_output = new QLineEdit;
    const QString defaultOutput =
        QDir(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)).filePath(tr("HDR Studio"));
    m_output->setText(QSettings().value(kOutputKey, defaultOutput).toString());
    auto* browse = new QToolButton;
    browse->setText(tr("…"));
    browse->setToolTip(tr("Choose the output folder"));
    auto* outputRow = new QHBoxLayout;
    outputRow->addWidget(m_output, 1);
    outputRow->addWidget(browse);
    form->addRow(tr("Output"), outputRow);
    connect(browse, &QToolButton::clicked, this, &GenerationPanel::chooseOutputFolder);
    connect(m_output, &QLineEdit::textChanged, this, &GenerationPanel::updateValidity);

    auto* formatRow = new QHBoxLayout;
    for (const QString& f : kFormats) {
        auto* check = new QCheckBox(f);
        check->setChecked(f == QLatin1String("exr") || f == QLatin1String("png"));
        formatRow->addWidget(check);
        m_formats[f] = check;
        connect(check, &QCheckBox::toggled, this, &GenerationPanel::updateValidity);
    }
    formatRow->addStretch(1);
    m_formats[QStringLiteral("exr")]->setToolTip(tr("Scene-linear OpenEXR (radiance merge)"));
    m_formats[QStringLiteral("hdr")]->setToolTip(tr("Scene-linear Radiance RGBE (radiance merge)"));
    m_formats[QStringLiteral("tiff")]->setToolTip(tr("Float TIFF (radiance) and 16-bit fused TIFF"));
    m_formats[QStringLiteral("dng")]->setToolTip(tr("Linear DNG (radiance merge)"));
    m_formats[QStringLiteral("png")]->setToolTip(tr("16-bit PNG of the Mertens fusion (display-referred)"));
    form->addRow(tr("Formats"), formatRow);
    m_saveBrackets = new QCheckBox(tr("Also save every bracket (16-bit PNG)"));
    form->addRow(QString(), m_saveBrackets);
    return box;
}

void GenerationPanel::applyArchitecture(const QString& arch)
{
    // While no model is known the presets shown stay (SDXL's at first). Switching between SD 1.5
    // and SDXL changes the default size: their native resolutions differ.
    const QString presets = !arch.isEmpty()          ? arch
                            : m_presetArch.isEmpty() ? QStringLiteral("sdxl")
                                                     : m_presetArch;
    if (presets != m_presetArch) {
        const bool wasCustom = m_size->count() > 0 && m_size->currentIndex() == m_size->count() - 1;
        m_presetArch = presets;
        const QSignalBlocker block(m_size);
        m_size->clear();
        for (const QSize& s : sizePresets(presets)) {
            m_size->addItem(sizeText(s), s);
        }
        m_size->addItem(tr("Custom"));
        m_size->setCurrentIndex(wasCustom ? m_size->count() - 1 : 0);
        updateSizeEditors();
    }
    updateValidity();
}

void GenerationPanel::updateSizeEditors()
{
    const bool custom = m_size->currentIndex() == m_size->count() - 1;
    const bool fromImage = m_initImage && !m_initImage->text().trimmed().isEmpty();
    m_size->setEnabled(!fromImage);
    m_width->setEnabled(custom && !fromImage);
    m_height->setEnabled(custom && !fromImage);
    if (!custom) {
        const QSize s = m_size->currentData().toSize();
        const QSignalBlocker bw(m_width), bh(m_height);
        m_width->setValue(s.width());
        m_height->setValue(s.height());
    }
    updateValidity();
}

void GenerationPanel::updateBracketEditors()
{
    const bool list = m_brackets->currentIndex() == 3;
    m_evList->setVisible(list);
    m_exposureStep->setVisible(!list);
    updateValidity();
}

void GenerationPanel::fillSharedSettings(diffusion::DiffusionSettings& r) const
{
    r.model = m_model->modelPath().trimmed().toStdString();
    r.prompt = m_prompt->toPlainText().trimmed().toStdString();
    if (const QString negative = m_negative->toPlainText().trimmed(); !negative.isEmpty()) {
        r.negative = negative.toStdString();
    }
    r.sampler = m_sampler->currentText().toStdString();
    r.promptStyle = m_promptStyle->currentData().toString().toStdString();
    r.initImage = m_initImage->text().trimmed().toStdString();
    r.strength = m_strength->value();
    r.steps = m_steps->value();
    r.cfg = m_cfg->value();
    r.width = m_width->value();
    r.height = m_height->value();
    r.dtype = m_dtype->currentText().toStdString();
    r.threads = m_threads->value();
    r.offload = m_offload->isChecked();
    r.vaeTile = m_vaeTile->currentData().toInt();
}

GenerationOptions GenerationPanel::options() const
{
    GenerationOptions o;
    o.method = method();
    o.arch = m_model->arch();
    o.seed = m_seed->value();
    diffusion::BracketedRequest& r = o.request;
    fillSharedSettings(r);
    r.exposureStep = m_exposureStep->value();
    if (m_brackets->currentIndex() == 3) {
        r.evs = parseEvList(m_evList->text(), nullptr).value_or(std::vector<double>{});
    } else {
        r.evs = diffusion::evenBracketEvs(3 + 2 * m_brackets->currentIndex(), r.exposureStep);
    }
    if (m_thresholdKind->currentIndex() == 1) {
        r.branchFraction = m_threshold->value();
    } else {
        r.timestep = m_threshold->value();
    }
    r.strategy = m_strategy->currentData().toString().toStdString();
    r.outputDir = m_output->text().trimmed().toStdString();
    r.formats.clear();
    for (const QString& f : kFormats) {
        if (m_formats.at(f)->isChecked()) {
            r.formats.insert(f.toStdString());
        }
    }
    r.saveBrackets = m_saveBrackets->isChecked();

    diffusion::GainMapRequest& g = o.gainMap;
    fillSharedSettings(g);
    g.sdrImage = g.initImage; // the image row is the SDR input in this mode
    g.initImage.clear();
    g.outputDir = r.outputDir;
    m_gainMap->fill(g);
    o.gainMapProblem = m_gainMap->problem();
    return o;
}

QString GenerationPanel::blockingReason() const
{
    if (m_model->isInspecting()) {
        return tr("Inspecting the model…");
    }
    if (!m_model->modelPath().isEmpty() && m_model->arch().isEmpty() && !m_model->problem().isEmpty()) {
        return tr("The model cannot be used: %1").arg(m_model->problem());
    }
    if (method() == GenerationMethod::Brackets && m_brackets->currentIndex() == 3) {
        QString error;
        if (!parseEvList(m_evList->text(), &error)) {
            return tr("Brackets: %1.").arg(error);
        }
    }
    return validationProblem(options());
}

void GenerationPanel::updateValidity()
{
    if (!m_generate) {
        return; // still building the widgets
    }
    const QString reason = blockingReason();
    m_generate->setEnabled(reason.isEmpty());
    m_generate->setToolTip(reason.isEmpty() ? (method() == GenerationMethod::GainMap
                                                   ? tr("Queue a gain-map diffusion run")
                                                   : tr("Queue an exposure-bracketed generation"))
                                            : reason);
    updateStatus();
}

void GenerationPanel::chooseOutputFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Output folder"), m_output->text());
    if (!folder.isEmpty()) {
        setOutputFolder(folder);
    }
}

void GenerationPanel::setCustomSize(int width, int height)
{
    m_size->setCurrentIndex(m_size->count() - 1);
    m_width->setValue(width);
    m_height->setValue(height);
}

void GenerationPanel::setSteps(int steps)
{
    m_steps->setValue(steps);
}

void GenerationPanel::setBracketCount(int count)
{
    m_brackets->setCurrentIndex(std::clamp((count - 3) / 2, 0, 2));
}

void GenerationPanel::setEvList(const QString& evs)
{
    m_brackets->setCurrentIndex(3);
    m_evList->setText(evs);
}

void GenerationPanel::setOutputFolder(const QString& folder)
{
    m_output->setText(QDir::toNativeSeparators(folder));
    QSettings().setValue(kOutputKey, folder);
}

void GenerationPanel::setFormats(const QStringList& formats)
{
    for (auto& [name, check] : m_formats) {
        check->setChecked(formats.contains(name));
    }
}

void GenerationPanel::setSeed(qint64 seed)
{
    m_seed->setValue(int(std::clamp<qint64>(seed, -1, std::numeric_limits<int>::max())));
}

void GenerationPanel::setThreads(int threads)
{
    m_threads->setValue(threads);
}

void GenerationPanel::setBranchFraction(double fraction)
{
    m_thresholdKind->setCurrentIndex(1);
    m_threshold->setValue(fraction);
}

void GenerationPanel::setInitImage(const QString& path, double strength)
{
    m_strength->setValue(strength);
    m_initImage->setText(path);
}

void GenerationPanel::setMemoryOptions(int vaeTile, bool offload)
{
    const int index = m_vaeTile->findData(vaeTile);
    m_vaeTile->setCurrentIndex(std::max(index, 0));
    m_offload->setChecked(offload);
}

QSize GenerationPanel::selectedSize() const
{
    return {m_width->value(), m_height->value()};
}

QStringList GenerationPanel::sizeChoices() const
{
    QStringList out;
    for (int i = 0; i < m_size->count(); ++i) {
        out << m_size->itemText(i);
    }
    return out;
}

} // namespace hdr::ui
