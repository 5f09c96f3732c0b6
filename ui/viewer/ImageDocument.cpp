#include "ui/viewer/ImageDocument.h"

#include <QFileInfo>

namespace hdr::ui {

core::Result<DocumentPtr>
buildDocument(core::ImageF image, const QString& path, const QString& displayName, core::JobContext& ctx)
{
    return core::guarded(core::ErrorCode::Internal, path.toStdString(), [&]() -> DocumentPtr {
        auto doc = std::make_shared<ImageDocument>();
        doc->path = path;
        doc->displayName = displayName;
        ctx.setProgress(0.55, "Statistics");
        doc->stats = core::computeLuminanceStats(image);
        doc->histogram = core::computeLogHistogram(image);
        core::throwIfCancelled(ctx);
        ctx.setProgress(0.75, "Building zoom levels");
        doc->pyramid =
            std::make_shared<const core::MipPyramid>(std::make_shared<const core::ImageF>(std::move(image)));
        ctx.setProgress(1.0, "Done");
        return doc;
    });
}

core::Result<DocumentPtr>
loadDocument(const QString& path, const core::ReadOptions& options, core::JobContext& ctx)
{
    ctx.setProgress(0.0, "Reading");
    auto image = core::readImage(path.toStdString(), options);
    if (!image) {
        return tl::unexpected(image.error());
    }
    core::throwIfCancelled(ctx);
    return buildDocument(std::move(*image), path, QFileInfo(path).fileName(), ctx);
}

} // namespace hdr::ui
