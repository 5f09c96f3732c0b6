#include "ui/generation/GenerationPanel.h"

#include "diffusion/pipeline/BracketedRequest.h"
#include "jobs/JobManager.h"
#include "ui/generation/BracketStrip.h"
#include "ui/generation/LatentPreview.h"
#include "ui/generation/ModelPicker.h"

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

GenerationPanel::GenerationPanel(core::JobManager* jobs, QWidget* parent)
    : QWidget(parent)
    , m_jobs(jobs)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(buildPromptSection());
    // Two tabs keep the dock short enough that Generate and the preview stay in view.
    auto* tabs = new QTabWidget;
    tabs->addTab(buildSamplingSection(), tr("Sampling"));
    tabs->addTab(buildBracketSection(), tr("Brackets && output"));
    layout->addWidget(tabs);

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
    connect(m_model, &ModelPicker::modelInspected, this, &GenerationPanel::applyArchitecture);
    connect(m_strip, &BracketStrip::bracketActivated, this, &GenerationPanel::bracketActivated);
    connect(m_jobs, &core::JobManager::jobChanged, this, &GenerationPanel::onJobChanged);
    connect(m_jobs, &core::JobManager::jobPreview, this, &GenerationPanel::onJobPreview);
    applyArchitecture(m_model->arch());
    updateBracketEditors();
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
    m_strength->setRange(0.05, 1.0);
    m_strength->setSingleStep(0.05);
    m_strength->setValue(0.75);
    m_strength->setToolTip(tr("Strength: how much of the picture is re-noised (1 = ignore it)"));
    auto* initRow = new QHBoxLayout;
    initRow->addWidget(m_initImage, 1);
    initRow->addWidget(browse);
    initRow->addWidget(new QLabel(tr("Strength")));
    initRow->addWidget(m_strength);
    form->addRow(tr("Init image (optional)"), initRow);
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
    m_sampler->setToolTip(tr("Sampler (the CLI's --sampler names); euler_a is sd-hdr's default"));
    m_steps = new QSpinBox;
    m_steps->setRange(1, 1000);
    m_steps->setValue(20);
    m_cfg = new QDoubleSpinBox;
    m_cfg->setRange(1.0, 30.0);
    m_cfg->setSingleStep(0.5);
    m_cfg->setValue(7.0);
    m_cfg->setToolTip(tr("Classifier-free guidance scale (1 = no guidance)"));
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
    for (QSpinBox* s : {m_width, m_height}) {
        s->setRange(64, 4096);
        s->setSingleStep(8);
        s->setValue(1024);
        s->setToolTip(tr("Pixels, a multiple of 8 (SD works on 8x8 latent blocks; 64 suits SDXL best)"));
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
    m_threads->setRange(0, 256);
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
    m_exposureStep->setRange(0.1, 4.0);
    m_exposureStep->setSingleStep(0.25);
    m_exposureStep->setValue(1.0);
    m_exposureStep->setSuffix(tr(" EV"));
    m_exposureStep->setToolTip(tr("Stops between neighbouring brackets (--exp)"));
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
            m_threshold->setRange(1.0, 999.0);
            m_threshold->setDecimals(0);
            m_threshold->setSingleStep(10.0);
            m_threshold->setValue(200.0);
        } else {
            m_threshold->setRange(0.05, 0.95);
            m_threshold->setDecimals(2);
            m_threshold->setSingleStep(0.05);
            m_threshold->setValue(0.3);
        }
    };
    setThresholdKind(0);
    connect(m_thresholdKind, &QComboBox::currentIndexChanged, this, setThresholdKind);

    m_strategy = new QComboBox;
    m_strategy->addItem(tr("reference (sd-hdr)"), QStringLiteral("reference"));
    m_strategy->addItem(tr("calibrated"), QStringLiteral("calibrated"));
    m_strategy->setToolTip(tr("reference: sd-hdr's latent channel-0 re-centring; calibrated: per-channel "
                              "latent offsets measured through the VAE"));
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

GenerationOptions GenerationPanel::options() const
{
    GenerationOptions o;
    o.model = m_model->modelPath();
    o.arch = m_model->arch();
    o.prompt = m_prompt->toPlainText();
    o.negative = m_negative->toPlainText();
    o.sampler = m_sampler->currentText();
    o.promptStyle = m_promptStyle->currentData().toString();
    o.initImage = m_initImage->text();
    o.strength = m_strength->value();
    o.steps = m_steps->value();
    o.cfg = m_cfg->value();
    o.seed = m_seed->value();
    o.width = m_width->value();
    o.height = m_height->value();
    o.dtype = m_dtype->currentText();
    o.threads = m_threads->value();
    o.offload = m_offload->isChecked();
    o.vaeTile = m_vaeTile->currentData().toInt();
    o.exposureStep = m_exposureStep->value();
    if (m_brackets->currentIndex() == 3) {
        o.evs = parseEvList(m_evList->text(), nullptr).value_or(std::vector<double>{});
    } else {
        o.evs = evenBracketEvList(3 + 2 * m_brackets->currentIndex(), o.exposureStep);
    }
    o.useFraction = m_thresholdKind->currentIndex() == 1;
    o.timestep = o.useFraction ? 200.0 : m_threshold->value();
    o.fraction = o.useFraction ? m_threshold->value() : 0.3;
    o.strategy = m_strategy->currentData().toString();
    o.outputDir = m_output->text();
    o.formats.clear();
    for (const QString& f : kFormats) {
        if (m_formats.at(f)->isChecked()) {
            o.formats << f;
        }
    }
    o.saveBrackets = m_saveBrackets->isChecked();
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
    if (m_brackets->currentIndex() == 3) {
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
    m_generate->setToolTip(reason.isEmpty() ? tr("Queue an exposure-bracketed generation") : reason);
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
