#include "batch/BatchModel.h"

#include "diffusion/TorchRuntime.h"
#include "diffusion/pipeline/RequestInputs.h"

namespace hdr::batch {

std::shared_ptr<diffusion::StableDiffusionModel> openBatchModel(const BatchConfig& config)
{
    diffusion::configureTorch(config.threads);
    return diffusion::openRequestModel(
        config.model, config.modelConfig, config.tokenizerDir, config.dtype, config.device);
}

} // namespace hdr::batch
