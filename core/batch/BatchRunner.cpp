#include "batch/BatchRunner.h"

#include "batch/BatchFinal.h"
#include "batch/BatchModel.h"
#include "batch/BatchSession.h"
#include "batch/BatchStage1.h"
#include "batch/SeedPolicy.h"
#include "generate/ModelHash.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

namespace hdr::batch {
namespace {

using core::ErrorCode;
using core::unwrap;

class BatchRun {
public:
    BatchRun(const BatchConfig& config, const BatchRunOptions& options, core::JobContext& job)
        : m_config(config)
        , m_options(options)
        , m_job(job)
        , m_tree(config.output)
        , m_configRecord(batchConfigSpec().toJson(config))
    {
    }

    BatchSummary run()
    {
        unwrap(validateBatchConfig(m_config));
        // The generation settings as generate checks them (sampler names, devices ...), before
        // any model is loaded.
        unwrap(diffusion::generateRequestSpec().validate(unwrap(generationRequestOf(m_config))));
        unwrap(m_tree.createFolders());
        if (m_options.mode == BatchMode::Upscale) {
            upscaleLoop();
        } else {
            stage1Loop();
        }
        return m_summary;
    }

private:
    void log(const std::string& message) const
    {
        if (m_options.log) m_options.log(message);
    }

    // The stage-1 image stays; `--upscale` tries it again.
    void noteFailedFinal(const std::filesystem::path& image, const core::Error& error)
    {
        const core::Error failure{error.code, "no final for " + image.string() + ": " + error.describe(), {}};
        ++m_summary.failed;
        if (!m_summary.firstFailure) m_summary.firstFailure = failure;
        log(failure.message);
    }

    [[noreturn]] void stopped() const
    {
        core::throwError(ErrorCode::Cancelled,
                         "stopped; " + std::to_string(m_summary.stage1Images + m_summary.finals) +
                             " finished image(s) are kept, the one in progress was abandoned");
    }

    // The model is opened when the first image needs it: an --upscale pass with nothing to do
    // loads nothing.
    BatchSession session()
    {
        if (!m_model) {
            m_job.setProgress(0.0, "Loading model");
            m_model = openBatchModel(m_config);
            m_modelHash = diffusion::modelHash(m_config.model).value_or("");
        }
        return BatchSession{m_config,
                            m_tree,
                            *m_model,
                            m_modelHash,
                            m_configRecord,
                            promptLoraFolders(m_config),
                            m_options.log};
    }

    void stage1Loop()
    {
        const PromptPool prompts = unwrap(PromptPool::load({.prompt = m_config.prompt,
                                                            .negative = m_config.negative,
                                                            .promptFile = m_config.promptFile,
                                                            .negativeFile = m_config.negativeFile,
                                                            .optionsFile = m_config.optionsFile,
                                                            .optionsMin = m_config.optionsMin,
                                                            .optionsMax = m_config.optionsMax}));
        std::optional<LoraPool> loras;
        if (!m_config.loraDir.empty()) {
            loras =
                unwrap(LoraPool::scan(m_config.loraDir, m_config.characterStrength, m_config.styleStrength));
            if (loras->empty())
                log("the LoRA folder " + m_config.loraDir.string() + " has no character/ or style/ LoRAs");
        }
        const std::vector<ImageSize> sizes = unwrap(expandSizes(m_config.sizes));
        const SeedPolicy policy = seedPolicyFromName(m_config.seedPolicy).value_or(SeedPolicy::Increment);
        m_summary.startSeed = m_config.seed ? *m_config.seed : freshStartSeed();
        log("seeds: " + std::string(nameOf(policy)) + " from " + std::to_string(m_summary.startSeed));
        const Stage1Pools pools{prompts, loras, sizes};

        const long long limit = m_options.once ? std::max(1, m_config.count) : m_config.count;
        for (long long n = 0; limit == 0 || n < limit; ++n) {
            if (m_job.isCancelled()) stopped();
            BatchSession s = session();
            const std::uint64_t seed = seedForImage(policy, m_summary.startSeed, std::uint64_t(n));
            const FinishedImage candidate = unwrap(makeStage1Image(s, pools, seed, m_job));
            ++m_summary.stage1Images;
            if (m_options.onImage) m_options.onImage(candidate);
            if (m_options.mode == BatchMode::Full) finishNow(s, candidate);
        }
    }

    void finishNow(BatchSession& s, const FinishedImage& candidate)
    {
        if (m_job.isCancelled()) stopped();
        const PendingImage pending{
            candidate.stamp, candidate.image, candidate.metadata, candidate.width, candidate.height};
        auto done = makeFinal(s, pending, m_job);
        if (!done) {
            if (done.error().code == ErrorCode::Cancelled) stopped();
            noteFailedFinal(candidate.image, done.error());
            return;
        }
        ++m_summary.finals;
        if (m_options.onImage) m_options.onImage(*done);
    }

    void upscaleLoop()
    {
        std::set<std::string> failed; // tried once in this run; a continuous run does not loop on them
        bool didWork = false;
        for (;;) {
            std::vector<PendingImage> pending;
            for (PendingImage& p : unwrap(m_tree.pendingUpscales())) {
                if (!failed.count(p.stamp) && wanted(p)) pending.push_back(std::move(p));
            }
            if (pending.empty()) {
                if (m_options.once) {
                    if (!didWork) {
                        m_summary.nothingToUpscale = true;
                        log("nothing to upscale: every stage-1 image in " + m_tree.root().string() +
                            " with metadata has a final");
                    }
                    return;
                }
                waitForNewImages();
                continue;
            }
            for (const PendingImage& p : pending) {
                if (m_job.isCancelled()) stopped();
                if (m_tree.hasFinal(p.stamp)) continue; // another run finished it meanwhile
                didWork = true;
                BatchSession s = session();
                auto done = makeFinal(s, p, m_job);
                if (!done) {
                    if (done.error().code == ErrorCode::Cancelled) stopped();
                    failed.insert(p.stamp);
                    noteFailedFinal(p.image, done.error());
                    continue;
                }
                ++m_summary.finals;
                if (m_options.onImage) m_options.onImage(*done);
            }
            if (m_options.once) return;
        }
    }

    bool wanted(const PendingImage& p) const
    {
        if (m_options.only.empty()) return true;
        std::error_code ec;
        const auto mine = std::filesystem::weakly_canonical(p.image, ec);
        return std::any_of(m_options.only.begin(), m_options.only.end(), [&](const std::filesystem::path& o) {
            std::error_code e2;
            const auto path = o.is_absolute() ? o : m_tree.root() / o;
            return std::filesystem::weakly_canonical(path, e2) == mine;
        });
    }

    void waitForNewImages()
    {
        m_job.setProgress(0.0, "Waiting for new stage-1 images");
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(m_config.pollSeconds);
        while (std::chrono::steady_clock::now() < until) {
            if (m_job.isCancelled()) stopped();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    const BatchConfig& m_config;
    const BatchRunOptions& m_options;
    core::JobContext& m_job;
    OutputTree m_tree;
    nlohmann::json m_configRecord;
    std::shared_ptr<diffusion::StableDiffusionModel> m_model;
    std::string m_modelHash;
    BatchSummary m_summary;
};

} // namespace

core::Result<BatchSummary>
runBatch(const BatchConfig& config, const BatchRunOptions& options, core::JobContext& job)
{
    return core::guarded(ErrorCode::Internal, config.output.string(), [&] {
        BatchRun run(config, options, job);
        return run.run();
    });
}

} // namespace hdr::batch
