#pragma once
// Save As "Ultra HDR JPEG": the image as the viewer shows it becomes the SDR base (what SDR screens
// and old viewers show), and the scene-linear image, at the viewer's exposure, the HDR a gain map
// restores on HDR screens (core/io/UltraHdr.h). A display set to PQ/HLG has no SDR rendition to
// reuse; the encoder's tone mapper makes the base then.
#include "common/Error.h"
#include "common/JobContext.h"
#include "display/DisplayTransform.h"

#include <string>

namespace hdr::core {
class OcioConfig;
}

namespace hdr::ui {

struct ImageDocument;

core::Result<bool> exportUltraHdr(const ImageDocument& document,
                                  const core::DisplaySettings& settings,
                                  const core::OcioConfig* ocio,
                                  const std::string& path,
                                  bool overwrite,
                                  core::JobContext& job);

} // namespace hdr::ui
