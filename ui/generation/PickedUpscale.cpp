#include "ui/generation/PickedUpscale.h"

#include "batch/BatchRunner.h"
#include "batch/ImageRecord.h"
#include "batch/OutputTree.h"

namespace hdr::ui {

core::Result<PickedUpscaleResult> upscalePickedCandidates(const QString& root,
                                                          const QStringList& picked,
                                                          const std::function<void(const QString&)>& onFinal,
                                                          core::JobContext& job)
{
    if (picked.isEmpty()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "No candidate is picked; press P on the ones to keep");
    }
    const batch::OutputTree tree(root.toStdString());
    const std::filesystem::path first = picked.front().toStdString();
    auto record = batch::readImageRecord(tree.metadataPathFor(first));
    if (!record) {
        return tl::unexpected(record.error());
    }
    batch::BatchConfig config;
    if (auto ok = batch::batchConfigSpec().fromJson(config, record->config); !ok) {
        return tl::unexpected(ok.error());
    }
    config.output = root.toStdString(); // the folder may have moved since the run
    batch::BatchRunOptions options;
    options.mode = batch::BatchMode::Upscale;
    options.once = true;
    for (const QString& image : picked) {
        options.only.emplace_back(image.toStdString());
    }
    PickedUpscaleResult result;
    options.onImage = [&](const batch::FinishedImage& image) {
        const QString path = QString::fromStdString(image.image.string());
        result.finalPaths << path;
        if (onFinal) onFinal(path);
    };
    auto summary = batch::runBatch(config, options, job);
    if (!summary) {
        return tl::unexpected(summary.error());
    }
    if (summary->finals == 0 && summary->firstFailure) {
        // Nothing came of the job: the user needs the reason, not a count.
        return tl::unexpected(*summary->firstFailure);
    }
    result.finals = summary->finals;
    result.failed = summary->failed;
    result.summary =
        summary->nothingToUpscale
            ? QStringLiteral("Every picked candidate already has a final")
            : QStringLiteral("%1 final(s) written, %2 failed").arg(summary->finals).arg(summary->failed);
    return result;
}

} // namespace hdr::ui
