// GenerationPanel, second half: submitting runs to the JobManager and following them (status,
// latent preview, bracket strip, results). The first half (GenerationPanel.cpp) builds the form.
#include "bracketed/BracketedRequest.h"
#include "gmdiffusion/GainMapRequest.h"
#include "image/TransferFunction.h"
#include "jobs/JobManager.h"
#include "ui/generation/BracketStrip.h"
#include "ui/generation/GainMapSection.h"
#include "ui/generation/GenerationPanel.h"
#include "ui/generation/LatentPreview.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QRandomGenerator>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>

namespace hdr::ui {
namespace {
constexpr int kThumbnailPixels = 240; // made at twice the tile size: crisp on high-DPI screens

// What every kind of run leaves for the panel.
struct RunResult {
    std::vector<std::filesystem::path> files;
    std::string stamp;
    double seconds = 0.0;
    std::vector<double> estimatedEv; // brackets only
    bool evsEstimated = false;
};

// The HDR through a simple global curve (Reinhard on each channel), display sRGB, for its tile.
core::ImageF hdrThumbnail(const core::ImageF& hdr)
{
    core::ImageF out(hdr.width(), hdr.height(), 3);
    for (std::size_t i = 0, n = std::size_t(out.pixelCount()) * 3; i < n; ++i) {
        const float v = std::max(hdr.data()[i], 0.0f);
        out.data()[i] = core::srgbEncode(v / (1.0f + v));
    }
    return out;
}

// The merged scene-linear file to open: EXR first, then the other radiance formats.
QString mergedHdrFile(const std::vector<std::filesystem::path>& files, const std::string& stamp)
{
    for (const char* ext : {".exr", ".hdr", ".tif", ".dng"}) {
        for (const auto& f : files) {
            if (f.stem().string() == stamp && f.extension() == ext) {
                return QString::fromStdString(f.string());
            }
        }
    }
    return {};
}
} // namespace

void GenerationPanel::updateStatus()
{
    if (!m_runs.empty()) {
        const auto running =
            std::count_if(m_runs.begin(), m_runs.end(), [](const auto& r) { return r.second.started; });
        const int waiting = int(m_runs.size() - std::size_t(running));
        QString text = running ? tr("Generating…") : tr("Waiting for the device…");
        if (running && waiting > 0) {
            text += QLatin1Char(' ') + tr("%n more queued.", nullptr, waiting);
        }
        setStatus(text);
        m_statusSticky = false;
        return;
    }
    const QString reason = blockingReason();
    if (!reason.isEmpty()) {
        setStatus(reason);
        m_statusSticky = false;
    } else if (!m_statusSticky) {
        setStatus(tr("Ready."));
    }
}

void GenerationPanel::setStatus(const QString& text, bool isError)
{
    m_status->setText(text);
    m_status->setStyleSheet(isError ? QStringLiteral("color: #d03030;") : QString());
}

QString GenerationPanel::statusText() const
{
    return m_status->text();
}

quint64 GenerationPanel::generate()
{
    const QString reason = blockingReason();
    if (!reason.isEmpty()) {
        setStatus(reason, true);
        return 0;
    }
    const GenerationOptions o = options();
    setOutputFolder(QString::fromStdString(o.request.outputDir.string())); // remembered for the next session
    const std::uint64_t seed = o.seed >= 0
                                   ? std::uint64_t(o.seed)
                                   : QRandomGenerator::global()->bounded(std::numeric_limits<int>::max());
    m_lastSeed = qint64(seed);
    const int ticket = m_nextTicket++;

    // Result tiles travel to the GUI thread through the JobManager (it outlives every job: its
    // destructor waits for them), and reach the panel only while it still exists.
    QPointer<GenerationPanel> self(this);
    core::JobManager* jobs = m_jobs;
    const auto deliver = [self, jobs, ticket](BracketTile tile) {
        QMetaObject::invokeMethod(
            jobs,
            [self, ticket, tile = std::move(tile)] {
                if (self) {
                    self->onBracket(ticket, tile);
                }
            },
            Qt::QueuedConnection);
    };
    std::function<core::Result<RunResult>(core::JobContext&)> work;
    std::filesystem::path outputDir;
    if (o.method == GenerationMethod::GainMap) {
        const diffusion::GainMapRequest request = toGainMapRequest(o, seed);
        outputDir = request.outputDir;
        work = [request, deliver](core::JobContext& ctx) -> core::Result<RunResult> {
            diffusion::GainMapCallbacks callbacks;
            callbacks.onImages = [&](const diffusion::GainMapImages& images) {
                auto hdr = std::make_shared<const core::ImageF>(images.hdr);
                deliver(makeResultTile(0, tr("SDR"), images.sdr, nullptr, kThumbnailPixels));
                deliver(makeResultTile(
                    1, tr("Gain map"), falseColourGainMap(images.gainMap), nullptr, kThumbnailPixels));
                deliver(makeResultTile(2,
                                       tr("HDR (peak %1×)").arg(request.qmax + 1.0),
                                       hdrThumbnail(images.hdr),
                                       hdr,
                                       kThumbnailPixels));
            };
            auto outcome = diffusion::runGainMapDiffusion(request, ctx, callbacks);
            if (!outcome) {
                return tl::unexpected(outcome.error());
            }
            return RunResult{outcome->files, outcome->stamp, outcome->seconds, {}, false};
        };
    } else {
        const diffusion::BracketedRequest request = toBracketedRequest(o, seed);
        outputDir = request.outputDir;
        work = [request, deliver](core::JobContext& ctx) -> core::Result<RunResult> {
            diffusion::BracketedCallbacks callbacks;
            callbacks.onBracket = [&](int index, double ev, const core::ImageF& image) {
                deliver(makeBracketTile(index, ev, image, kThumbnailPixels));
            };
            auto outcome = diffusion::runBracketedGeneration(request, ctx, callbacks);
            if (!outcome) {
                return tl::unexpected(outcome.error());
            }
            return RunResult{outcome->files,
                             outcome->stamp,
                             outcome->seconds,
                             outcome->estimatedEv,
                             outcome->evsEstimated};
        };
    }
    // The job id is handed out inside submit() (jobAdded is emitted there, synchronously).
    quint64 jobId = 0;
    const auto capture = connect(m_jobs, &core::JobManager::jobAdded, this, [&jobId](quint64 id) {
        if (jobId == 0) {
            jobId = id;
        }
    });
    const QString prompt = QString::fromStdString(o.request.prompt).left(40);
    const QString title = o.method == GenerationMethod::GainMap ? tr("Gain-map HDR “%1”").arg(prompt)
                                                                : tr("Generate HDR “%1”").arg(prompt);
    auto future = m_jobs->submit<RunResult>(
        title,
        core::JobResource::Device,
        [work, outputDir](core::JobContext& ctx) -> core::Result<RunResult> {
            std::error_code ec;
            std::filesystem::create_directories(outputDir, ec);
            if (ec) {
                return core::fail(core::ErrorCode::IoError,
                                  "cannot create the output folder: " + ec.message(),
                                  outputDir.string());
            }
            return work(ctx);
        });
    disconnect(capture);
    m_runs[jobId] = Run{ticket, seed, false};
    updateStatus();

    future.then(this, [this, jobId, ticket, seed](const core::Result<RunResult>& result) {
        m_runs.erase(jobId);
        if (!result) {
            const bool cancelled = result.error().code == core::ErrorCode::Cancelled;
            if (ticket == m_stripTicket) {
                m_preview->setCaption(cancelled ? tr("cancelled") : tr("failed"));
            }
            if (cancelled) {
                setStatus(tr("Cancelled; nothing was written."));
                m_statusSticky = true;
            } else {
                const QString message =
                    tr("Generation failed: %1").arg(QString::fromStdString(result.error().describe()));
                setStatus(message, true);
                m_statusSticky = true;
                emit generationFailed(message);
            }
            updateStatus();
            return;
        }
        if (ticket == m_stripTicket) {
            if (!result->estimatedEv.empty()) {
                m_strip->setEstimatedEvs(result->estimatedEv, result->evsEstimated);
            }
            m_preview->setCaption(tr("done, seed %1").arg(seed));
        }
        QStringList files;
        for (const auto& f : result->files) {
            files << QString::fromStdString(f.string());
        }
        const QString folder = files.isEmpty() ? QString() : QFileInfo(files.first()).absolutePath();
        const QString summary =
            tr("Generated %1.* (seed %2, %3 s): %n file(s) in %4", nullptr, int(files.size()))
                .arg(QString::fromStdString(result->stamp))
                .arg(seed)
                .arg(result->seconds, 0, 'f', 1)
                .arg(QDir::toNativeSeparators(folder));
        setStatus(summary);
        m_statusSticky = true;
        updateStatus();
        emit generationSucceeded(mergedHdrFile(result->files, result->stamp), files, summary);
    });
    return jobId;
}

void GenerationPanel::onJobChanged(quint64 id)
{
    auto run = m_runs.find(id);
    if (run == m_runs.end()) {
        return;
    }
    const auto info = m_jobs->job(id);
    if (!info || info->state != core::JobState::Running) {
        return;
    }
    if (!run->second.started) {
        // A new run takes over the preview and the strip.
        run->second.started = true;
        m_stripTicket = run->second.ticket;
        m_strip->clear();
        m_preview->clear();
        updateStatus();
    }
    m_preview->setCaption(info->stage.isEmpty() ? tr("seed %1").arg(run->second.seed) : info->stage.left(28));
}

void GenerationPanel::onJobPreview(quint64 id)
{
    auto run = m_runs.find(id);
    if (run != m_runs.end() && run->second.ticket == m_stripTicket) {
        m_preview->setFrame(m_jobs->preview(id));
    }
}

void GenerationPanel::onBracket(int ticket, const BracketTile& tile)
{
    if (ticket != m_stripTicket) {
        m_stripTicket = ticket;
        m_strip->clear();
    }
    m_strip->addTile(tile);
}

} // namespace hdr::ui
