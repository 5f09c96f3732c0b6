#include "batch/BatchHdrVariant.h"

#include "bracketed/BracketedRequest.h"
#include "gmdiffusion/GainMapRequest.h"

namespace hdr::batch {

core::Result<std::vector<std::filesystem::path>> makeHdrVariant(const BatchSession& session,
                                                                const diffusion::DiffusionSettings& settings,
                                                                const std::filesystem::path& finalImage,
                                                                core::JobContext& job)
{
    const BatchConfig& config = session.config;
    std::error_code ec;
    std::filesystem::create_directories(session.tree.hdrDir(), ec);
    const std::string stem = finalImage.stem().string();
    if (config.hdr == "brackets") {
        diffusion::BracketedRequest request;
        static_cast<diffusion::DiffusionSettings&>(request) = settings;
        request.initPixels.reset();
        request.initImage = finalImage;
        request.strength = config.hdrStrength;
        request.width = request.height = 0; // the picture's size
        request.refiner.clear();
        request.outputDir = session.tree.hdrDir();
        request.stamp = stem;
        auto outcome = diffusion::runBracketedGeneration(request, job);
        if (!outcome) return tl::unexpected(outcome.error());
        return outcome->files;
    }
    if (config.hdr == "gainmap") {
        diffusion::GainMapRequest request;
        request.model = settings.model;
        request.configDir = settings.configDir;
        request.tokenizerDir = settings.tokenizerDir;
        request.dtype = settings.dtype;
        request.device = settings.device;
        request.threads = settings.threads;
        request.prompt = settings.prompt;
        request.negative = settings.negative;
        request.seed = settings.seed;
        request.vaeTile = settings.vaeTile;
        request.offload = settings.offload;
        request.width = request.height = 0; // the SDR image's size
        request.gmModel = config.gmModel;
        request.sdrImage = finalImage;
        request.outputDir = session.tree.hdrDir();
        request.stamp = stem;
        auto outcome = diffusion::runGainMapDiffusion(request, job);
        if (!outcome) return tl::unexpected(outcome.error());
        return outcome->files;
    }
    return std::vector<std::filesystem::path>{};
}

} // namespace hdr::batch
