#include "batch/BatchStage1.h"

#include "batch/BatchImageFiles.h"
#include "batch/ImageRecord.h"
#include "batch/PromptLoraTags.h"
#include "common/OutputSet.h"
#include "generate/GenerationMetadata.h"

#include <chrono>

namespace hdr::batch {

using core::unwrap;

namespace {

std::vector<diffusion::LoraSpec> loraSpecsOf(const std::vector<LoraChoice>& loras)
{
    std::vector<diffusion::LoraSpec> out;
    for (const LoraChoice& l : loras)
        out.push_back({l.path, float(l.strength)});
    return out;
}

FinishedImage write(BatchSession& session,
                    const diffusion::GeneratedImage& image,
                    const std::vector<LoraChoice>& loras,
                    const std::vector<std::string>& options)
{
    OutputTree& tree = session.tree;
    const std::string stamp = unwrap(tree.allocateStamp(std::chrono::system_clock::now()));
    const std::filesystem::path png = tree.stage1Path(stamp, image.width, image.height);
    const std::filesystem::path json = tree.metadataPathFor(png);

    ImageRecord record;
    record.stage = "stage1";
    record.image = tree.relative(png);
    record.stamp = stamp;
    record.parameters = diffusion::metadataJson(image.parameters);
    record.loras = loras;
    record.promptOptions = options;
    record.config = session.configRecord;

    // Both files or neither: a run stopped here leaves no image without its record.
    core::OutputSet out(false);
    const auto stagedPng = unwrap(out.stage(png));
    const auto stagedJson = unwrap(out.stage(json));
    unwrap(writeDisplayPng(displayImageFrom(image.srgb, image.width, image.height),
                           diffusion::formatA1111Parameters(image.parameters),
                           stagedPng));
    unwrap(writeStagedText(stagedJson, recordText(record)));
    unwrap(out.commit());

    FinishedImage done;
    done.stage = "stage1";
    done.image = png;
    done.metadata = json;
    done.width = image.width;
    done.height = image.height;
    done.seed = image.parameters.seed;
    done.stamp = stamp;
    return done;
}

} // namespace

core::Result<FinishedImage>
makeStage1Image(BatchSession& session, const Stage1Pools& pools, std::uint64_t seed, core::JobContext& job)
{
    return core::guarded(core::ErrorCode::Internal, session.config.model.string(), [&] {
        const BatchConfig& config = session.config;
        const PromptDraw prompt = pools.prompts.draw(seed);
        std::vector<LoraChoice> loras = pools.loras ? pools.loras->draw(seed) : std::vector<LoraChoice>{};
        // Tags may come from the prompt file or an option; the pool LoRAs' trigger words go first.
        ResolvedPromptLoras tagged = unwrap(extractPromptLoras(prompt.prompt, session.loraFolders));
        const std::string text = withTriggerWords(loras, tagged.prompt);
        loras.insert(loras.end(), tagged.loras.begin(), tagged.loras.end());

        diffusion::GenerateRequest request = unwrap(generationRequestOf(config));
        request.prompt = text;
        request.negative = prompt.negative;
        request.seed = seed;
        request.loras = loraSpecsOf(loras);
        if (!pools.sizes.empty()) {
            const ImageSize size = drawSize(pools.sizes, seed);
            request.width = size.width;
            request.height = size.height;
        }
        request.refiner = config.stage1Refiner ? config.refiner : std::filesystem::path();
        request.modelHash = session.modelHash;
        request.log = session.log;

        auto images = unwrap(diffusion::generate(request, session.model, job));
        if (images.size() != 1) {
            core::throwError(core::ErrorCode::Internal,
                             "stage 1 expected one image, got " + std::to_string(images.size()));
        }
        // The image is finished: it is written even if a stop was asked meanwhile.
        return write(session, images.front(), loras, prompt.options);
    });
}

} // namespace hdr::batch
