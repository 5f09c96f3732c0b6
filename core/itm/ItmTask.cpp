#include "itm/ItmDataset.h"
#include "itm/ItmNetwork.h"
#include "itm/ItmTraining.h"
#include "metrics/ImageMetrics.h"
#include "training/TrainTask.h"

#include <torch/nn/functional.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace hdr::itm {

namespace F = torch::nn::functional;

namespace {

struct PairTensors {
    torch::Tensor ldr; // 1 x 3 x H x W
    torch::Tensor hdr;
};

std::vector<PairTensors> toTensors(const std::vector<ItmPair>& pairs)
{
    std::vector<PairTensors> out;
    out.reserve(pairs.size());
    for (const auto& p : pairs) {
        out.push_back({imageToTensor(p.ldrLinear), imageToTensor(p.hdr)});
    }
    return out;
}

class ItmTask final : public training::TrainTask {
public:
    ItmTask(const ItmTrainRequest& request, ItmDataset data)
        : m_data(request.data)
        , m_meta(request.model)
        , m_net(request.model.net)
        , m_train(toTensors(data.train))
        , m_validation(toTensors(data.validation.empty() ? data.train : data.validation))
    {
    }

    torch::nn::Module& module() override { return *m_net; }
    std::int64_t batchesPerEpoch() const override { return m_data.batchesPerEpoch; }

    torch::Tensor batchLoss(const training::BatchRequest& r, const torch::Device& device) override
    {
        // The whole global batch's choices are drawn in order on every rank, so rank shares of
        // one batch never overlap and together are the batch a single process would build.
        std::mt19937_64 rng(r.batchSeed());
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const int tile = m_data.tile;
        const int share = std::max(1, m_data.batchSize / r.worldSize);
        const int first = r.rank * share;
        std::vector<torch::Tensor> inputs, targets;
        for (int s = 0; s < m_data.batchSize; ++s) {
            const auto& pair = m_train[std::size_t(unit(rng) * double(m_train.size())) % m_train.size()];
            const int h = int(pair.ldr.size(2)), w = int(pair.ldr.size(3));
            const double jitter = 1.0 + (m_data.scaleJitter - 1.0) * unit(rng);
            const int crop = std::min({int(std::lround(tile * jitter)), h, w});
            const int y = int(unit(rng) * double(h - crop + 1)) % (h - crop + 1);
            const int x = int(unit(rng) * double(w - crop + 1)) % (w - crop + 1);
            const bool flip = unit(rng) < 0.5;
            if (s < first || s >= first + share) {
                continue;
            }
            auto ldr = pair.ldr.narrow(2, y, crop).narrow(3, x, crop);
            auto hdr = pair.hdr.narrow(2, y, crop).narrow(3, x, crop);
            if (crop != tile) {
                const auto opts =
                    F::InterpolateFuncOptions().size(std::vector<int64_t>{tile, tile}).mode(torch::kArea);
                ldr = F::interpolate(ldr, opts);
                hdr = F::interpolate(hdr, opts);
            }
            if (flip) {
                ldr = ldr.flip({3});
                hdr = hdr.flip({3});
            }
            inputs.push_back(ldr);
            targets.push_back(hdr);
        }
        const auto input = torch::cat(inputs).to(device);
        const auto target = torch::cat(targets).to(device) / m_meta.scaleHdr;
        return hybridLoss(m_net->forward(input), target, m_meta.alphaLoss);
    }

    training::ValidationReport
    validate(int maxBatches, const torch::Device& device, core::JobContext& ctx) override
    {
        training::ValidationReport report;
        const int n = std::min<int>(maxBatches, int(m_validation.size()));
        std::map<std::string, double> sums;
        double lossSum = 0;
        for (int i = 0; i < n; ++i) {
            core::throwIfCancelled(ctx);
            const auto& pair = m_validation[std::size_t(i)];
            const auto prediction = predict(pair.ldr, device);
            const auto target = pair.hdr / m_meta.scaleHdr;
            lossSum += hybridLoss(prediction, target, m_meta.alphaLoss).item<double>();
            const auto predImage = tensorToImage(prediction * m_meta.scaleHdr);
            const auto truthImage = tensorToImage(pair.hdr);
            const auto predNorm = tensorToImage(prediction.clamp(0.0, 1.0));
            const auto truthNorm = tensorToImage(target.clamp(0.0, 1.0));
            sums["psnr"] += finiteOr(core::psnr(predNorm, truthNorm), 100.0);
            sums["ssim"] += finiteOr(core::ssim(predNorm, truthNorm), 1.0);
            sums["pu21-psnr"] +=
                finiteOr(core::computeMetric(core::Metric::Pu21Psnr, predImage, truthImage), 100.0);
            sums["log-psnr"] +=
                finiteOr(core::computeMetric(core::Metric::LogPsnr, predImage, truthImage), 100.0);
        }
        report.loss = n > 0 ? lossSum / n : std::numeric_limits<double>::quiet_NaN();
        for (const auto& [name, sum] : sums) {
            report.metrics[name] = sum / n;
        }
        return report;
    }

    std::vector<core::ImageF> vizSamples(int count, const torch::Device& device) override
    {
        std::vector<core::ImageF> out;
        for (int i = 0; i < std::min<int>(count, int(m_validation.size())); ++i) {
            const auto& pair = m_validation[std::size_t(i)];
            const auto prediction = predict(pair.ldr, device) * m_meta.scaleHdr;
            out.push_back(
                vizTriptych(tensorToImage(pair.ldr), tensorToImage(prediction), tensorToImage(pair.hdr)));
        }
        return out;
    }

    nlohmann::json checkpointMetadata() const override { return m_meta.toJson(); }

private:
    static double finiteOr(const core::Result<double>& value, double cap)
    {
        if (!value) {
            return std::numeric_limits<double>::quiet_NaN();
        }
        return std::isfinite(*value) ? *value : cap;
    }

    // Full frame, padded to a multiple of 4 and cropped back; HDR / scale_hdr on the CPU.
    torch::Tensor predict(const torch::Tensor& ldr, const torch::Device& device)
    {
        const auto h = ldr.size(2), w = ldr.size(3);
        const auto out = m_net->forward(padToMultipleOf4(ldr.to(device)));
        return out.narrow(2, 0, h).narrow(3, 0, w).to(torch::kCPU);
    }

    ItmDataOptions m_data;
    ItmModelMeta m_meta;
    ItmNet m_net;
    std::vector<PairTensors> m_train;
    std::vector<PairTensors> m_validation;
};

} // namespace

core::Result<ItmTrainReport> trainItm(const ItmTrainRequest& request, core::JobContext& ctx)
{
    if (auto s = request.model.validate(); !s) {
        return tl::unexpected(s.error());
    }
    auto data = loadItmDataset(request.data, ctx);
    if (!data) {
        return tl::unexpected(data.error());
    }
    ItmTrainReport report;
    report.trainPairs = int(data->train.size());
    report.validationPairs = int(data->validation.size());
    report.skipped = data->skipped;
    auto options = request.training;
    options.taskConfig = {
        {"task", "itm"}, {"data", request.data.toJson()}, {"model", request.model.toJson()}};
    if (options.log) {
        for (const auto& s : report.skipped) {
            options.log("skipped " + s);
        }
    }
    return core::guarded(core::ErrorCode::Internal, "itm train", [&] {
        torch::manual_seed(options.seed);
        ItmTask task(request, std::move(*data));
        report.result = core::unwrap(training::train(task, options, ctx));
        return report;
    });
}

} // namespace hdr::itm
