#pragma once

// Reading a bracket of LDR files for the fuse/merge commands and their benchmarks: each file is
// decoded by the I/O layer and turned back into display-encoded signal values (see
// core/hdr/DisplaySignal.h), in parallel across files.

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/DisplayImage.h"
#include "image/Image.h"

#include <string>
#include <vector>

namespace hdr::cli {

// Fails with the file at fault: unreadable files, or sizes that differ from the first image.
core::Result<std::vector<core::ImageF>> readBracketSignals(const std::vector<std::string>& paths,
                                                           core::JobContext& ctx);

// Signal values in [0, 1] (clipped; NaN -> 0) quantised to 16 bits, tagged sRGB / Rec.709.
core::DisplayImage16 quantizeSignal16(const core::ImageF& signal);

} // namespace hdr::cli
