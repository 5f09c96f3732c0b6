#include "batch/BatchSession.h"

namespace hdr::batch {

core::Result<diffusion::GenerateRequest> generationRequestOf(const BatchConfig& config)
{
    diffusion::GenerateRequest request;
    const auto& from = batchConfigSpec();
    const auto& to = diffusion::generateRequestSpec();
    for (const SharedKey& key : generationKeys()) {
        if (auto status = to.setValue(request, key.generateKey, from.value(config, key.batchKey)); !status) {
            return tl::unexpected(status.error());
        }
    }
    request.batchSize = 1;
    request.batchCount = 1;
    return request;
}

std::vector<std::filesystem::path> promptLoraFolders(const BatchConfig& config)
{
    if (config.loraDir.empty()) return {};
    return {config.loraDir, config.loraDir / "character", config.loraDir / "style"};
}

} // namespace hdr::batch
