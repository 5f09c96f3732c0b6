#include "ui/viewer/UltraHdrExport.h"

#include "display/DisplayExport.h"
#include "io/UltraHdr.h"
#include "ui/viewer/ImageDocument.h"

#include <optional>

namespace hdr::ui {

core::Result<bool> exportUltraHdr(const ImageDocument& document,
                                  const core::DisplaySettings& settings,
                                  const core::OcioConfig* ocio,
                                  const std::string& path,
                                  bool overwrite,
                                  core::JobContext& job)
{
    core::ImageF hdr = document.image();
    core::applyExposure(hdr, settings.exposureEv);
    std::optional<core::ImageF> sdr;
    auto transform = core::DisplayTransform::create(settings, ocio, document.image().colorSpace);
    if (!transform) {
        return tl::unexpected(transform.error());
    }
    auto shown = core::renderDisplayImage(document.image(), *transform, job);
    if (!shown) {
        return tl::unexpected(shown.error());
    }
    const core::TransferKind kind = shown->transfer.kind;
    if (kind != core::TransferKind::PQ && kind != core::TransferKind::HLG) {
        sdr = core::decodeDisplay(*shown);
    }
    core::UltraHdrWriteOptions options;
    options.overwrite = overwrite;
    options.encode.channels = 3;
    if (auto ok = core::writeUltraHdr(hdr, sdr ? &*sdr : nullptr, path, options, job); !ok) {
        return tl::unexpected(ok.error());
    }
    return true;
}

} // namespace hdr::ui
