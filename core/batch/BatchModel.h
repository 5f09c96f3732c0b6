#pragma once
// Opens the run's model (internal to hdr_batch): the one translation unit of the runner that
// needs libtorch, so the rest stays quick to compile. Throws HdrError with the loader's message.
#include "batch/BatchConfig.h"

#include <memory>

namespace hdr::diffusion {
class StableDiffusionModel;
}

namespace hdr::batch {

std::shared_ptr<diffusion::StableDiffusionModel> openBatchModel(const BatchConfig& config);

} // namespace hdr::batch
