#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "display/MipPyramid.h"
#include "image/ImageStats.h"
#include "io/ImageIO.h"

#include <QString>

#include <memory>

namespace hdr::ui {

// An image as the viewer holds it: the scene-linear pixels, their mip pyramid and statistics,
// all computed once on a worker thread when the image is opened. Immutable once built, so the
// GUI thread and render threads share it without locks.
struct ImageDocument {
    QString path;        // empty for generated images
    QString displayName; // file name or "Demo scene"
    std::shared_ptr<const core::MipPyramid> pyramid;
    core::LuminanceStats stats;
    core::LogHistogram histogram;

    const core::ImageF& image() const { return pyramid->base(); }
};

using DocumentPtr = std::shared_ptr<const ImageDocument>;

// Builds a document from pixels: pyramid, statistics, histogram. Checks cancellation between stages.
core::Result<DocumentPtr>
buildDocument(core::ImageF image, const QString& path, const QString& displayName, core::JobContext& ctx);
// Reads a file and builds its document (the body of an "Open" job).
core::Result<DocumentPtr>
loadDocument(const QString& path, const core::ReadOptions& options, core::JobContext& ctx);

} // namespace hdr::ui
