#pragma once

#include "common/JobContext.h"
#include "display/DisplayTransform.h"
#include "image/DisplayImage.h"
#include "image/Image.h"

namespace hdr::core {

// Renders a whole scene-linear image through a display transform (what the viewer shows at
// this exposure/view) into 16-bit display signal, tagged with the transform's output transfer
// and primaries so writers embed the right ICC profile or cICP chunk. Alpha is carried over.
// Overlays are not applied. Checks ctx for cancellation every few rows.
Result<DisplayImage16> renderDisplayImage(const ImageF& image,
                                          const DisplayTransform& transform,
                                          JobContext& ctx = nullJobContext());

} // namespace hdr::core
