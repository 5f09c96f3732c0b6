#include "batch/BatchFinal.h"

#include "batch/BatchHdrVariant.h"
#include "batch/BatchImageFiles.h"
#include "batch/ImageRecord.h"
#include "batch/TilePlan.h"
#include "common/OutputSet.h"
#include "generate/GenerationMetadata.h"
#include "image/Resample.h"
#include "upscale/UpscaleRequest.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace hdr::batch {

using core::ImageF;
using core::unwrap;
using nlohmann::json;

namespace {

int roundToMultipleOf8(double v)
{
    return std::max(8, int(std::lround(v / 8.0)) * 8);
}

void clampDisplay(ImageF& image)
{
    const std::size_t n = std::size_t(image.pixelCount()) * std::size_t(image.channels());
    for (std::size_t i = 0; i < n; ++i)
        image.data()[i] = std::clamp(std::isfinite(image.data()[i]) ? image.data()[i] : 0.0f, 0.0f, 1.0f);
}

// One image's way through stages 2 and 3: what it writes is staged in `out` until the end.
class FinalPass {
public:
    FinalPass(BatchSession& session, const PendingImage& pending, core::JobContext& job)
        : m_session(session)
        , m_config(session.config)
        , m_tree(session.tree)
        , m_pending(pending)
        , m_job(job)
        , m_out(false)
    {
    }

    FinishedImage run()
    {
        m_record = unwrap(readImageRecord(m_pending.metadata));
        auto parameters = diffusion::parametersFromJson(m_record.parameters.dump());
        if (!parameters) {
            core::throwError(core::ErrorCode::CorruptData,
                             "the stage-1 record has no usable generation parameters (" +
                                 parameters.error().message + ")",
                             m_pending.metadata.string());
        }
        m_parameters = std::move(*parameters);
        m_request = unwrap(generationRequestOf(m_config));
        m_request.prompt = m_parameters.prompt;
        m_request.negative = m_parameters.negative;
        m_request.seed = m_parameters.seed;
        m_request.loras = m_parameters.loras;
        m_request.modelHash = m_session.modelHash;
        m_request.log = m_session.log;
        m_infotext = diffusion::formatA1111Parameters(m_parameters);

        ImageF current = unwrap(readDisplayPicture(m_pending.image));
        if (m_config.stage2) current = stage2(current);
        if (m_config.stage3) current = stage3(current);
        return finish(current);
    }

private:
    // img2img of `input` (display values) at `strength`; returns the result at the input's size
    // (inputs are multiples of 8 here).
    ImageF imageToImage(
        const ImageF& input, double strength, bool useRefiner, std::uint64_t seed, core::JobContext& job)
    {
        diffusion::GenerateRequest request = m_request;
        request.initPixels = std::make_shared<const ImageF>(input);
        request.strength = strength;
        request.width = request.height = 0; // the input's size
        request.seed = seed;
        request.refiner = useRefiner ? m_config.refiner : std::filesystem::path();
        auto images = unwrap(diffusion::generate(request, m_session.model, job));
        if (images.size() != 1) core::throwError(core::ErrorCode::Internal, "img2img expected one image");
        m_lastInfotext = diffusion::formatA1111Parameters(images.front().parameters);
        return displayImageFrom(images.front().srgb, images.front().width, images.front().height);
    }

    void saveIntermediate(Intermediate kind,
                          const std::string& detail,
                          const ImageF& image,
                          const std::string& infotext)
    {
        if (!m_config.saveIntermediates) return;
        const auto path =
            m_tree.intermediatePath(kind, m_pending.stamp, detail, image.width(), image.height());
        unwrap(writeDisplayPng(image, infotext, unwrap(m_out.stage(path))));
        m_intermediates.push_back(m_tree.relative(path));
    }

    ImageF stage2(const ImageF& input)
    {
        const int width = roundToMultipleOf8(input.width() * m_config.stage2Scale);
        const int height = roundToMultipleOf8(input.height() * m_config.stage2Scale);
        m_job.setProgress(0.0, "Stage 2: Lanczos upscale");
        ImageF up = unwrap(core::resizeLanczos(input, width, height));
        clampDisplay(up);
        saveIntermediate(Intermediate::Stage2Up, "", up, m_infotext);
        ShareOfJob share(m_job, 0.0, 0.3);
        ImageF refined =
            imageToImage(up, m_config.stage2Strength, m_config.stage2Refiner, m_request.seed, share);
        saveIntermediate(Intermediate::Stage2, "", refined, m_lastInfotext);
        m_stages["stage2"] = {{"scale", m_config.stage2Scale},
                              {"strength", m_config.stage2Strength},
                              {"refiner", m_config.stage2Refiner && !m_config.refiner.empty()},
                              {"size", {refined.width(), refined.height()}}};
        return refined;
    }

    ImageF stage3(const ImageF& input)
    {
        diffusion::UpscaleSettings settings;
        settings.model = m_config.upscaler;
        settings.scale = m_config.upscalerScale;
        settings.tile = m_config.upscalerTile;
        settings.dtype = m_config.dtype;
        settings.device = m_config.device;
        settings.threads = m_config.threads;
        ShareOfJob share(m_job, 0.3, 0.2);
        diffusion::UpscaledImage up = unwrap(diffusion::upscaleDisplayImage(input, settings, share));
        if (up.networkScale == 0 && m_session.log) m_session.log("stage 3: " + up.method);
        ImageF current = std::move(up.display);
        if (current.channels() != 3) current = core::withChannels(current, 3);
        saveIntermediate(Intermediate::Stage3Up, "", current, m_infotext);
        json stage3 = {{"upscaler", up.method},
                       {"networkScale", up.networkScale},
                       {"size", {current.width(), current.height()}},
                       {"tileRefine", m_config.tileRefine}};
        if (m_config.tileRefine) {
            current = refineTiles(current, stage3);
        }
        m_stages["stage3"] = std::move(stage3);
        return current;
    }

    ImageF refineTiles(const ImageF& input, json& stage3)
    {
        const TileBlend blend = tileBlendFromName(m_config.tileBlend).value_or(TileBlend::Cosine);
        const TilePlan plan = unwrap(
            TilePlan::make(input.width(), input.height(), m_config.tileSize, m_config.tileOverlap, blend));
        ImageF blended(input.width(), input.height(), 3);
        const auto& tiles = plan.tiles();
        for (std::size_t i = 0; i < tiles.size(); ++i) {
            const Tile& tile = tiles[i];
            core::throwIfCancelled(m_job);
            ShareOfJob share(m_job, 0.5 + 0.5 * double(i) / double(tiles.size()), 0.5 / double(tiles.size()));
            const ImageF padded = cropPaddedToMultipleOf8(input, tile.x, tile.y, tile.width, tile.height);
            const ImageF refined = cropTopLeft(
                imageToImage(
                    padded, m_config.tileStrength, m_config.tileRefiner, m_request.seed + 1 + i, share),
                tile.width,
                tile.height);
            saveIntermediate(Intermediate::Tiles,
                             std::to_string(tile.row) + "_" + std::to_string(tile.column),
                             refined,
                             m_lastInfotext);
            unwrap(plan.accumulate(tile, refined, blended));
        }
        clampDisplay(blended);
        stage3["tiles"] = {{"count", tiles.size()},
                           {"columns", plan.columns()},
                           {"rows", plan.rows()},
                           {"size", m_config.tileSize},
                           {"overlap", m_config.tileOverlap},
                           {"blend", nameOf(blend)},
                           {"strength", m_config.tileStrength},
                           {"refiner", m_config.tileRefiner && !m_config.refiner.empty()}};
        return blended;
    }

    FinishedImage finish(const ImageF& image)
    {
        core::throwIfCancelled(m_job);
        m_job.setProgress(1.0, "Writing the final");
        const auto png = m_tree.finalPath(m_pending.stamp, image.width(), image.height());
        const auto metadata = m_tree.metadataPathFor(png);
        diffusion::GenerationParameters finalParameters = m_parameters;
        finalParameters.width = image.width();
        finalParameters.height = image.height();

        ImageRecord record;
        record.stage = "final";
        record.image = m_tree.relative(png);
        record.source = m_tree.relative(m_pending.image);
        record.stamp = m_pending.stamp;
        record.parameters = diffusion::metadataJson(finalParameters);
        record.loras = m_record.loras;
        record.promptOptions = m_record.promptOptions;
        record.config = m_session.configRecord;
        record.stages = m_stages;
        record.intermediates = m_intermediates;

        unwrap(writeDisplayPng(
            image, diffusion::formatA1111Parameters(finalParameters), unwrap(m_out.stage(png))));
        unwrap(writeStagedText(unwrap(m_out.stage(metadata)), recordText(record)));
        unwrap(m_out.commit());

        FinishedImage done;
        done.stage = "final";
        done.image = png;
        done.metadata = metadata;
        done.width = image.width();
        done.height = image.height();
        done.seed = m_parameters.seed;
        done.stamp = m_pending.stamp;
        done.source = record.source;
        done.method =
            m_stages.contains("stage3") ? m_stages["stage3"]["upscaler"].get<std::string>() : std::string();
        // The final is complete; a record that cannot be updated is reported, the gallery still
        // finds the final by its stamp.
        if (auto status = m_tree.appendToRecord(m_pending.metadata, "finals", record.image); !status) {
            done.problems.push_back("could not list the final in " + m_pending.metadata.string() + ": " +
                                    status.error().describe());
        }
        if (m_config.hdr != "none") addHdrVariant(done, png, metadata);
        return done;
    }

    void addHdrVariant(FinishedImage& done,
                       const std::filesystem::path& png,
                       const std::filesystem::path& metadata)
    {
        m_job.setProgress(0.0, "HDR variant");
        auto files = makeHdrVariant(m_session, m_request, png, m_job);
        if (!files) {
            if (files.error().code == core::ErrorCode::Cancelled) throw core::HdrError(files.error());
            done.problems.push_back("HDR variant (" + m_config.hdr + ") failed: " + files.error().describe());
            return;
        }
        for (const auto& file : *files) {
            done.hdrFiles.push_back(file);
            if (auto status = m_tree.appendToRecord(metadata, "hdr", m_tree.relative(file)); !status) {
                done.problems.push_back(status.error().describe());
            }
        }
    }

    BatchSession& m_session;
    const BatchConfig& m_config;
    OutputTree& m_tree;
    const PendingImage& m_pending;
    core::JobContext& m_job;
    core::OutputSet m_out;
    ImageRecord m_record;
    diffusion::GenerationParameters m_parameters;
    diffusion::GenerateRequest m_request;
    std::string m_infotext, m_lastInfotext;
    std::vector<std::string> m_intermediates;
    json m_stages = json::object();
};

} // namespace

core::Result<FinishedImage>
makeFinal(BatchSession& session, const PendingImage& pending, core::JobContext& job)
{
    return core::guarded(core::ErrorCode::Internal, pending.image.string(), [&] {
        FinalPass pass(session, pending, job);
        return pass.run();
    });
}

} // namespace hdr::batch
