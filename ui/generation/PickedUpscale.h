#pragma once
// "Upscale picked" of the gallery: the batch workflow's stages 2 and 3 on the picked stage-1
// candidates, as one job of the JobManager (progress, ETA and Cancel in the Jobs dock). The
// settings are those the candidates were made with (their stage-1 record's "config"), so a pick
// is finished the way `hdrstudio-cli batch --upscale` would finish it.
#include "ui/plugins/GenerationPlugin.h"

namespace hdr::ui {

// Runs on a worker thread. root: the batch folder the gallery shows; picked: stage-1 images.
// onFinal is called (on the worker thread) with each final's path as soon as it is written.
core::Result<PickedUpscaleResult> upscalePickedCandidates(const QString& root,
                                                          const QStringList& picked,
                                                          const std::function<void(const QString&)>& onFinal,
                                                          core::JobContext& job);

} // namespace hdr::ui
