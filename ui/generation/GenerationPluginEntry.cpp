// The plugin library's entry point (ui/plugins/GenerationPlugin.h): the Generate panel and the
// Gallery's upscale, which need the libtorch engine.
#include "ui/generation/GenerationPanel.h"
#include "ui/generation/PickedUpscale.h"

namespace hdr::ui {
namespace {

class EnginePlugin final : public GenerationPlugin {
public:
    GenerationPanelBase* createPanel(core::JobManager* jobs, QWidget* parent) override
    {
        return new GenerationPanel(jobs, parent);
    }
    core::Result<PickedUpscaleResult> upscalePicked(const QString& root,
                                                    const QStringList& picked,
                                                    const std::function<void(const QString&)>& onFinal,
                                                    core::JobContext& job) override
    {
        return upscalePickedCandidates(root, picked, onFinal, job);
    }
};

} // namespace
} // namespace hdr::ui

extern "C" hdr::ui::GenerationPlugin* hdrstudio_generation_plugin()
{
    static hdr::ui::EnginePlugin plugin;
    return &plugin;
}
