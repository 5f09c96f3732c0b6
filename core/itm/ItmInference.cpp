#include "itm/ItmInference.h"

#include "io/ImageIO.h"
#include "itm/ItmDataset.h"
#include "itm/ItmNetwork.h"
#include "training/Checkpoint.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

namespace hdr::itm {

namespace fs = std::filesystem;

fs::path defaultItmModelPath()
{
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("HDR_ITM_MODEL"); env && *env) {
        candidates.emplace_back(env);
    }
    std::error_code ec;
    if (const auto exe = fs::read_symlink("/proc/self/exe", ec); !ec) {
        candidates.push_back(exe.parent_path() / ".." / "share" / "hdrstudio" / "models" / "itm_default.pt");
    }
    candidates.emplace_back(HDR_SOURCE_RESOURCE_DIR "/models/itm_default.pt");
    for (const auto& c : candidates) {
        if (fs::is_regular_file(c, ec)) {
            return c;
        }
    }
    return {};
}

class ItmModel::Impl {
public:
    ItmModelMeta meta;
    ItmNet net{nullptr};
    torch::Device device{torch::kCPU};
};

ItmModel::ItmModel(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
ItmModel::ItmModel(ItmModel&&) noexcept = default;
ItmModel& ItmModel::operator=(ItmModel&&) noexcept = default;
ItmModel::~ItmModel() = default;

const ItmModelMeta& ItmModel::meta() const
{
    return m_impl->meta;
}

core::Result<ItmModel> ItmModel::load(const fs::path& checkpoint, const std::string& device)
{
    return core::guarded(core::ErrorCode::CorruptData, checkpoint.string(), [&] {
        auto info = core::unwrap(training::readCheckpointMetadata(checkpoint));
        auto impl = std::make_unique<Impl>();
        auto meta = ItmModelMeta::fromJson(info.value("model", nlohmann::json::object()));
        if (!meta) {
            core::throwError(meta.error().code, meta.error().message, checkpoint.string());
        }
        impl->meta = *meta;
        impl->device = torch::Device(device);
        impl->net = ItmNet(impl->meta.net);
        core::unwrap(training::loadCheckpoint(checkpoint, *impl->net, nullptr));
        impl->net->to(impl->device);
        impl->net->eval();
        return ItmModel(std::move(impl));
    });
}

namespace {

// Tile origins along one axis: 0, step, 2·step, ..., with the last tile flush with the end.
std::vector<int> tileStarts(int length, int tile, int overlap)
{
    if (length <= tile) {
        return {0};
    }
    const int step = tile - overlap;
    std::vector<int> starts;
    for (int s = 0;; s += step) {
        if (s + tile >= length) {
            starts.push_back(length - tile);
            break;
        }
        starts.push_back(s);
    }
    return starts;
}

torch::Tensor ramp(int length, int overlap)
{
    auto idx = torch::arange(length, torch::kFloat32);
    if (overlap <= 0) {
        return torch::ones({length});
    }
    const auto fromStart = (idx + 0.5) / float(overlap);
    const auto fromEnd = (float(length) - idx - 0.5) / float(overlap);
    return torch::minimum(torch::minimum(fromStart, fromEnd), torch::ones({length}));
}

} // namespace

core::Result<core::ImageF> ItmModel::expand(const core::ImageF& ldrLinear,
                                            core::JobContext& ctx,
                                            std::optional<int> tileOverride,
                                            std::optional<int> overlapOverride)
{
    return core::guarded(core::ErrorCode::Internal, "itm inference", [&] {
        ItmModelMeta m = m_impl->meta;
        m.tile = tileOverride.value_or(m.tile);
        m.overlap = overlapOverride.value_or(m.overlap);
        core::unwrap(m.validate());
        torch::NoGradGuard noGrad;
        const auto input = imageToTensor(ldrLinear);
        const int h = ldrLinear.height(), w = ldrLinear.width();
        const int th = std::min(m.tile, h), tw = std::min(m.tile, w);
        const auto ys = tileStarts(h, m.tile, m.overlap);
        const auto xs = tileStarts(w, m.tile, m.overlap);
        auto sum = torch::zeros({1, 3, h, w});
        auto weights = torch::zeros({1, 1, h, w});
        const auto window = (ramp(th, ys.size() > 1 ? m.overlap : 0).view({th, 1}) *
                             ramp(tw, xs.size() > 1 ? m.overlap : 0).view({1, tw}))
                                .view({1, 1, th, tw});
        const double total = double(ys.size() * xs.size());
        int done = 0;
        for (int y : ys) {
            for (int x : xs) {
                core::throwIfCancelled(ctx);
                const auto tile = input.narrow(2, y, th).narrow(3, x, tw).to(m_impl->device);
                auto out = m_impl->net->forward(padToMultipleOf4(tile)).narrow(2, 0, th).narrow(3, 0, tw);
                out = out.to(torch::kCPU, torch::kFloat32) * m.scaleHdr;
                sum.narrow(2, y, th).narrow(3, x, tw).add_(out * window);
                weights.narrow(2, y, th).narrow(3, x, tw).add_(window);
                ctx.setProgress(double(++done) / total, "Expanding to HDR");
            }
        }
        return tensorToImage(sum / weights);
    });
}

core::Result<ItmInferReport> runItmInference(const ItmInferRequest& r, core::JobContext& ctx)
{
    const auto t0 = std::chrono::steady_clock::now();
    ItmInferReport report;
    report.checkpoint = r.checkpoint.empty() ? defaultItmModelPath() : r.checkpoint;
    if (report.checkpoint.empty()) {
        return core::fail(
            core::ErrorCode::IoError,
            "No checkpoint was given and the default model (models/itm_default.pt) is not installed.",
            "--checkpoint");
    }
    auto model = ItmModel::load(report.checkpoint, r.device);
    if (!model) {
        return tl::unexpected(model.error());
    }
    auto ldr = core::readImage(r.input);
    if (!ldr) {
        return tl::unexpected(ldr.error());
    }
    auto hdr = model->expand(*ldr, ctx, r.tile, r.overlap);
    if (!hdr) {
        return tl::unexpected(hdr.error());
    }
    hdr->colorSpace = ldr->colorSpace;
    hdr->metadata.attributes["hdrstudio:itm_checkpoint"] = report.checkpoint.filename().string();
    core::WriteOptions wo;
    wo.format = core::FileFormat::Exr;
    wo.sampleType = r.floatOutput ? core::SampleType::Float : core::SampleType::Half;
    wo.overwrite = r.overwrite;
    if (auto s = core::writeImage(*hdr, r.output, wo); !s) {
        return tl::unexpected(s.error());
    }
    for (std::int64_t i = 0; i < hdr->pixelCount() * 3; ++i) {
        report.peak = std::max(report.peak, hdr->data()[i]);
    }
    if (!r.preview.empty()) {
        core::WriteOptions po;
        po.format = core::FileFormat::Png;
        po.overwrite = r.overwrite;
        if (auto s = core::writeImage(logToneMap(*hdr, report.peak), r.preview, po); !s) {
            return tl::unexpected(s.error());
        }
    }
    const auto& meta = model->meta();
    const int tile = r.tile.value_or(meta.tile), overlap = r.overlap.value_or(meta.overlap);
    const int step = tile - overlap;
    auto count = [&](int len) { return len <= tile ? 1 : 1 + (len - tile + step - 1) / step; };
    report.width = hdr->width();
    report.height = hdr->height();
    report.tiles = count(report.height) * count(report.width);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

} // namespace hdr::itm
