#pragma once
// The app's diffusion features (the Generate panel, the Gallery's "Upscale picked") live in a
// plugin library, hdr_ui_generation (ui/generation), that links the libtorch engine. The main
// window loads it after it is shown, on a worker thread, so the window appears without waiting
// for libtorch (~0.5 s of loading) and a build or installation without the engine still runs
// as a viewer, gallery and training dashboard. This header is all the rest of ui/ knows of it.
#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <memory>

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

// What the Generate panel tells the main window.
class GenerationPanelBase : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;
    // The result strip (brackets, or SDR / gain map / HDR) the main window docks under the viewer.
    virtual QWidget* resultStrip() const = 0;

signals:
    // A run finished: the merged HDR to open (empty when only display-referred files were
    // asked for), every file written, and one sentence saying where they went.
    void generationSucceeded(const QString& hdrFile, const QStringList& files, const QString& summary);
    void generationFailed(const QString& message);
    // A result tile was clicked: show this scene-linear image in the viewer.
    void bracketActivated(std::shared_ptr<const hdr::core::ImageF> linear, const QString& name);
};

struct PickedUpscaleResult {
    int finals = 0;
    int failed = 0;
    QStringList finalPaths;
    QString summary; // one line for the status bar
};

class GenerationPlugin {
public:
    virtual ~GenerationPlugin() = default;
    virtual GenerationPanelBase* createPanel(core::JobManager* jobs, QWidget* parent) = 0;
    // The batch workflow's stages 2 and 3 on picked stage-1 candidates of the batch folder
    // `root`, with the settings they were made with (runs on a worker thread; onFinal is called
    // there with each final as soon as it is written).
    virtual core::Result<PickedUpscaleResult>
    upscalePicked(const QString& root,
                  const QStringList& picked,
                  const std::function<void(const QString&)>& onFinal,
                  core::JobContext& job) = 0;
};

// Loads the plugin library (once; thread-safe; search path: common/PluginLoader.h). An error says
// where it looked and why it failed (e.g. a build without the diffusion engine).
core::Result<GenerationPlugin*> loadGenerationPlugin();

} // namespace hdr::ui

// The plugin library's entry point.
extern "C" hdr::ui::GenerationPlugin* hdrstudio_generation_plugin();
