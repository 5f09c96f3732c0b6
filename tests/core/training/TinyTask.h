#pragma once
// A small regression task for the trainer tests: an MLP 4 -> 8 -> 2 (tanh) fits y = A x + c.
// Every sample is a pure function of (seed, epoch, sample index), so batches split across
// micro-batches (accumulation) or ranks (distributed) see exactly the same samples.
#include "training/TrainTask.h"

#include <ATen/autocast_mode.h>
#include <torch/nn/modules/linear.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>

namespace hdr::test {

struct TinyNetImpl : torch::nn::Module {
    TinyNetImpl()
    {
        torch::manual_seed(7);
        hidden = register_module("hidden", torch::nn::Linear(4, 8));
        out = register_module("out", torch::nn::Linear(8, 2));
    }
    torch::Tensor forward(const torch::Tensor& x) { return out->forward(torch::tanh(hidden->forward(x))); }
    torch::nn::Linear hidden{nullptr};
    torch::nn::Linear out{nullptr};
};
TORCH_MODULE(TinyNet);

class TinyTask : public training::TrainTask {
public:
    // batchSize: samples per micro-batch over all ranks together.
    TinyTask(int batchSize, std::int64_t batches)
        : m_batchSize(batchSize)
        , m_batches(batches)
    {
    }

    torch::nn::Module& module() override { return *m_net; }
    std::int64_t batchesPerEpoch() const override { return m_batches; }

    torch::Tensor batchLoss(const training::BatchRequest& r, const torch::Device& device) override
    {
        if (onBatch) {
            onBatch(r);
        }
        if (batchDelay.count() > 0) {
            std::this_thread::sleep_for(batchDelay);
        }
        const int share = m_batchSize / r.worldSize;
        const std::int64_t first = r.index * m_batchSize + std::int64_t(r.rank) * share;
        auto [x, y] = samples(r.seed, r.epoch, first, share);
        sawAutocast = at::autocast::is_cpu_enabled();
        auto prediction = m_net->forward(x.to(device));
        lastPredictionType = prediction.scalar_type();
        return torch::mse_loss(prediction.to(torch::kFloat32), y.to(device));
    }

    training::ValidationReport
    validate(int maxBatches, const torch::Device& device, core::JobContext&) override
    {
        training::ValidationReport report;
        double sum = 0;
        for (int b = 0; b < maxBatches; ++b) {
            auto [x, y] = samples(999, 0, std::int64_t(b) * 16, 16);
            sum += torch::mse_loss(m_net->forward(x.to(device)), y.to(device)).item<double>();
        }
        report.loss = maxBatches > 0 ? sum / maxBatches : 0.0;
        report.metrics["mse"] = report.loss;
        report.metrics["rmse"] = std::sqrt(report.loss);
        return report;
    }

    std::vector<core::ImageF> vizSamples(int count, const torch::Device&) override
    {
        std::vector<core::ImageF> out;
        for (int i = 0; i < count; ++i) {
            core::ImageF img(12, 4, 3);
            for (int k = 0; k < 12 * 4 * 3; ++k) {
                img.data()[k] = float(k % 7) / 7.0f;
            }
            out.push_back(std::move(img));
        }
        return out;
    }

    nlohmann::json checkpointMetadata() const override
    {
        return {{"architecture", "tiny-mlp"},
                {"tile", 64},
                {"overlap", 8},
                {"scale_hdr", 1.0},
                {"alpha_loss", 0.5}};
    }

    // Samples [first, first + count) of an epoch: x ~ U(-1, 1)^4, y = A x + c.
    static std::pair<torch::Tensor, torch::Tensor>
    samples(std::uint64_t seed, std::int64_t epoch, std::int64_t first, int count)
    {
        auto x = torch::empty({count, 4});
        auto acc = x.accessor<float, 2>();
        for (int i = 0; i < count; ++i) {
            std::mt19937_64 rng(seed * 1000003ull + std::uint64_t(epoch) * 7919ull +
                                std::uint64_t(first + i));
            std::uniform_real_distribution<float> u(-1.0f, 1.0f);
            for (int k = 0; k < 4; ++k) {
                acc[i][k] = u(rng);
            }
        }
        const auto a = torch::tensor({0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 0.3f, 1.2f, -0.4f}).view({2, 4});
        const auto y = torch::matmul(x, a.t()) + torch::tensor({0.1f, -0.2f});
        return {x, y};
    }

    std::vector<float> flatParameters()
    {
        std::vector<float> out;
        for (const auto& p : m_net->parameters()) {
            auto c = p.detach().to(torch::kFloat32).contiguous().view({-1});
            out.insert(out.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
        }
        return out;
    }

    std::function<void(const training::BatchRequest&)> onBatch;
    std::chrono::milliseconds batchDelay{0};
    bool sawAutocast = false;
    torch::ScalarType lastPredictionType = torch::kFloat32;

private:
    int m_batchSize;
    std::int64_t m_batches;
    TinyNet m_net;
};

} // namespace hdr::test
