#pragma once

#include "common/Error.h"
#include "runlog/Canvas.h"
#include "runlog/RunData.h"

#include <optional>

namespace hdr::runlog {

// The run folder's summary figures, drawn without Qt (CurvePlot):
//  - loss_curves.png: every "<phase>/loss" series (train solid, other phases dashed), 1000 x 600;
//  - metrics_curves.png: one panel per "metrics/<name>" series (their scales differ: PSNR in dB
//    next to SSIM in [0, 1]), three panels per row, 420 x 300 each.
// None when the run has no such series yet.
std::optional<Canvas> renderLossCurves(const RunSnapshot& run);
std::optional<Canvas> renderMetricsCurves(const RunSnapshot& run);

// Both figures into the run folder (atomically replacing older ones); a figure without data is
// not written.
core::Status writeRunCurves(const std::filesystem::path& runDir, const RunSnapshot& run);

} // namespace hdr::runlog
