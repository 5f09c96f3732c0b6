#pragma once

#include <QString>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

// Model path editor with File… (single .safetensors) and Folder… (diffusers layout) buttons.
// Every change is inspected on the Io pool (diffusion::inspectModel reads headers and configs,
// never on the GUI thread); the label then shows the architecture ("SDXL base", "SD 1.5") or,
// in red, the sentence saying why the model cannot be used. The last model and the folder it was
// picked from are remembered in QSettings.
class ModelPicker : public QWidget {
    Q_OBJECT
public:
    // settingsKey: where the last path is remembered (the gain-map UNet has its own).
    explicit ModelPicker(core::JobManager* jobs,
                         const QString& settingsKey = QStringLiteral("generation/model"),
                         QWidget* parent = nullptr);

    // Sets the path (as if typed) and starts inspecting it; empty clears.
    void setModelPath(const QString& path);
    QString modelPath() const;
    // "sd15" / "sdxl" once the current path has been inspected and is usable; empty otherwise.
    QString arch() const { return m_arch; }
    // The error sentence of the last inspection (empty when usable or not inspected yet).
    QString problem() const { return m_problem; }
    bool isInspecting() const { return m_inspecting; }
    QString statusText() const;

signals:
    // After every inspection (and when the path is cleared): arch is empty when unusable.
    void modelInspected(const QString& arch);

private:
    void chooseFile();
    void chooseFolder();
    void inspect();
    void showStatus(const QString& text, bool isError);

    core::JobManager* m_jobs;
    QString m_settingsKey;
    QLineEdit* m_path = nullptr;
    QPushButton* m_file = nullptr;
    QPushButton* m_folder = nullptr;
    QLabel* m_status = nullptr;
    QString m_arch, m_problem, m_inspectedPath;
    quint64 m_inspection = 0; // bumps per request: late answers for older paths are dropped
    bool m_inspecting = false;
};

} // namespace hdr::ui
