#include "ui/generation/ModelPicker.h"

#include "diffusion/model/ModelInfo.h"
#include "jobs/JobManager.h"
#include "ui/generation/GenerationOptions.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>

namespace hdr::ui {
namespace {
const QString kFolderKey = QStringLiteral("generation/modelFolder");

struct Inspection {
    QString arch;    // empty when unusable
    QString problem; // why not, when unusable
};
} // namespace

ModelPicker::ModelPicker(core::JobManager* jobs, const QString& settingsKey, QWidget* parent)
    : QWidget(parent)
    , m_jobs(jobs)
    , m_settingsKey(settingsKey)
{
    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_path = new QLineEdit;
    m_path->setPlaceholderText(tr("model.safetensors or diffusers folder"));
    m_path->setClearButtonEnabled(true);
    m_file = new QPushButton(tr("File…"));
    m_file->setToolTip(tr("A single-file checkpoint (.safetensors)"));
    m_folder = new QPushButton(tr("Folder…"));
    m_folder->setToolTip(tr("A diffusers folder (model_index.json, unet/, vae/, text_encoder/ …)"));
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_path, 0, 0);
    layout->addWidget(m_file, 0, 1);
    layout->addWidget(m_folder, 0, 2);
    layout->addWidget(m_status, 1, 0, 1, 3);
    layout->setColumnStretch(0, 1);

    connect(m_file, &QPushButton::clicked, this, &ModelPicker::chooseFile);
    connect(m_folder, &QPushButton::clicked, this, &ModelPicker::chooseFolder);
    connect(m_path, &QLineEdit::editingFinished, this, [this] {
        if (m_path->text().trimmed() != m_inspectedPath) {
            inspect();
        }
    });
    connect(m_path, &QLineEdit::textChanged, this, [this](const QString& text) {
        if (text.isEmpty()) { // the clear button: no model, no stale architecture
            inspect();
        }
    });

    const QString remembered = QSettings().value(m_settingsKey).toString();
    if (!remembered.isEmpty()) {
        setModelPath(remembered);
    } else {
        showStatus(tr("No model chosen."), false);
    }
}

QString ModelPicker::modelPath() const
{
    return m_path->text().trimmed();
}

QString ModelPicker::statusText() const
{
    return m_status->text();
}

void ModelPicker::setModelPath(const QString& path)
{
    m_path->setText(path.isEmpty() ? QString() : QDir::toNativeSeparators(QDir::cleanPath(path)));
    inspect();
}

void ModelPicker::chooseFile()
{
    const QString start = QSettings().value(kFolderKey, QDir::homePath()).toString();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Choose a model file"), start, tr("Safetensors checkpoints (*.safetensors);;All files (*)"));
    if (!path.isEmpty()) {
        QSettings().setValue(kFolderKey, QFileInfo(path).absolutePath());
        setModelPath(path);
    }
}

void ModelPicker::chooseFolder()
{
    const QString start = QSettings().value(kFolderKey, QDir::homePath()).toString();
    const QString path =
        QFileDialog::getExistingDirectory(this, tr("Choose a diffusers model folder"), start);
    if (!path.isEmpty()) {
        QSettings().setValue(kFolderKey, QFileInfo(path).absolutePath());
        setModelPath(path);
    }
}

void ModelPicker::inspect()
{
    const QString path = modelPath();
    const quint64 ticket = ++m_inspection;
    m_inspectedPath = path;
    m_arch.clear();
    m_problem.clear();
    if (path.isEmpty()) {
        m_inspecting = false;
        showStatus(tr("No model chosen."), false);
        emit modelInspected(QString());
        return;
    }
    m_inspecting = true;
    showStatus(tr("Inspecting %1…").arg(QFileInfo(path).fileName()), false);
    emit modelInspected(QString()); // unusable until the answer arrives

    auto future = m_jobs->submit<Inspection>(
        tr("Inspect model %1").arg(QFileInfo(path).fileName()),
        core::JobResource::Io,
        [path](core::JobContext& ctx) -> core::Result<Inspection> {
            ctx.setProgress(0.0, "Reading model headers");
            auto info = diffusion::inspectModel(path.toStdString());
            if (!info) {
                return Inspection{QString(), QString::fromStdString(info.error().message)};
            }
            const std::string problem = info->problem();
            if (!problem.empty()) {
                return Inspection{QString(), QString::fromStdString(problem)};
            }
            return Inspection{QString::fromStdString(info->arch), QString()};
        });
    future.then(this, [this, ticket, path](const core::Result<Inspection>& result) {
        if (ticket != m_inspection) {
            return; // the user has moved on to another path
        }
        m_inspecting = false;
        if (!result) {
            m_problem = QString::fromStdString(result.error().message);
        } else {
            m_arch = result->arch;
            m_problem = result->problem;
        }
        if (!m_arch.isEmpty()) {
            QSettings().setValue(m_settingsKey, path);
            showStatus(tr("Detected: %1").arg(architectureLabel(m_arch)), false);
        } else {
            if (m_problem.isEmpty()) {
                m_problem = tr("not a Stable Diffusion 1.5 or SDXL model");
            }
            showStatus(tr("Cannot use this model: %1").arg(m_problem), true);
        }
        emit modelInspected(m_arch);
    });
}

void ModelPicker::showStatus(const QString& text, bool isError)
{
    m_status->setText(text);
    m_status->setStyleSheet(isError ? QStringLiteral("color: #d03030;") : QString());
}

} // namespace hdr::ui
