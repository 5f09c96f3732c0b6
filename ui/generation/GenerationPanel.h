#pragma once

#include "image/Image.h"
#include "ui/generation/GenerationOptions.h"
#include "ui/plugins/GenerationPlugin.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <map>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

class BracketStrip;
struct BracketTile;
class GainMapSection;
class LatentPreview;
class ModelPicker;

// The "Generate" dock: prompt, model, sampling settings and a method: exposure brackets
// (diffusion::runBracketedGeneration) or gain-map diffusion (diffusion::runGainMapDiffusion,
// GM-Diffusion). Generate queues one run per click on the Device pool. While a job runs the panel
// shows its latent preview (both branches side by side for gain-map diffusion) and fills the strip
// as results arrive: the brackets, or SDR, gain map (false colour) and HDR (thumbnails are made on
// the worker thread). Results and errors leave through signals;
// the MainWindow opens the merged HDR and shows errors. Nothing heavy runs on the GUI thread.
class GenerationPanel : public GenerationPanelBase {
    Q_OBJECT
public:
    explicit GenerationPanel(core::JobManager* jobs, QWidget* parent = nullptr);
    QWidget* resultStrip() const override;

    GenerationOptions options() const;
    // Empty when Generate can run; otherwise the reason (also the button's tooltip).
    QString blockingReason() const;
    // Queues a job with the current settings; returns its job id (0 when the settings are invalid).
    quint64 generate();

    ModelPicker* modelPicker() const { return m_model; }
    GainMapSection* gainMapSection() const { return m_gainMap; }
    // Switches the method; sampler, steps and CFG take that method's defaults.
    void setMethod(GenerationMethod method);
    GenerationMethod method() const;
    QPlainTextEdit* promptEdit() const { return m_prompt; }
    QPlainTextEdit* negativeEdit() const { return m_negative; }
    QPushButton* generateButton() const { return m_generate; }
    BracketStrip* strip() const { return m_strip; }
    LatentPreview* preview() const { return m_preview; }
    QString statusText() const;
    // Settings the tests (and a future preset menu) set directly.
    void setCustomSize(int width, int height);
    void setSteps(int steps);
    void setBracketCount(int count);
    void setEvList(const QString& evs);
    void setOutputFolder(const QString& folder);
    void setFormats(const QStringList& formats);
    void setSeed(qint64 seed);
    void setThreads(int threads);
    void setBranchFraction(double fraction);                 // branch for this fraction of the steps
    void setInitImage(const QString& path, double strength); // empty path: text to image
    void setMemoryOptions(int vaeTile, bool offload);        // vaeTile: 0, 512 or 768 pixels
    QSize selectedSize() const;
    QStringList sizeChoices() const; // the size combo's entries
    int pendingJobs() const { return int(m_runs.size()); }

    // Signals: GenerationPanelBase's generationSucceeded, generationFailed, bracketActivated.

private:
    struct Run {
        int ticket = 0;
        std::uint64_t seed = 0;
        bool started = false;
    };
    QWidget* buildPromptSection();
    QWidget* buildSamplingSection();
    QWidget* buildBracketSection();
    void applyArchitecture(const QString& arch);
    void applyMethod();
    void fillSharedSettings(diffusion::DiffusionSettings& settings) const;
    void updateSizeEditors();
    void updateBracketEditors();
    void updateValidity();
    void updateStatus();
    void chooseOutputFolder();
    void onJobChanged(quint64 id);
    void onJobPreview(quint64 id);
    void onBracket(int ticket, const BracketTile& tile);
    void setStatus(const QString& text, bool isError = false);

    core::JobManager* m_jobs;
    QComboBox* m_method = nullptr;
    QTabWidget* m_tabs = nullptr;
    GainMapSection* m_gainMap = nullptr;
    QLabel* m_initImageLabel = nullptr;
    ModelPicker* m_model = nullptr;
    QPlainTextEdit *m_prompt = nullptr, *m_negative = nullptr;
    QComboBox *m_sampler = nullptr, *m_promptStyle = nullptr, *m_size = nullptr, *m_dtype = nullptr;
    QSpinBox *m_steps = nullptr, *m_seed = nullptr, *m_width = nullptr, *m_height = nullptr,
             *m_threads = nullptr;
    QDoubleSpinBox *m_cfg = nullptr, *m_exposureStep = nullptr, *m_threshold = nullptr;
    QComboBox *m_brackets = nullptr, *m_thresholdKind = nullptr, *m_strategy = nullptr;
    QLineEdit *m_evList = nullptr, *m_output = nullptr, *m_initImage = nullptr;
    QDoubleSpinBox* m_strength = nullptr;
    QComboBox* m_vaeTile = nullptr;
    QCheckBox* m_offload = nullptr;
    std::map<QString, QCheckBox*> m_formats;
    QCheckBox* m_saveBrackets = nullptr;
    QPushButton* m_generate = nullptr;
    QLabel* m_status = nullptr;
    LatentPreview* m_preview = nullptr;
    BracketStrip* m_strip = nullptr;

    QString m_presetArch;          // the architecture whose sizes the size combo offers
    bool m_statusSticky = false;   // the status shows a run's outcome: keep it until a reason replaces it
    std::map<quint64, Run> m_runs; // queued or running jobs of this panel, by job id
    int m_nextTicket = 1;
    int m_stripTicket = 0; // the run whose brackets the strip shows
    qint64 m_lastSeed = -1;
};

} // namespace hdr::ui
