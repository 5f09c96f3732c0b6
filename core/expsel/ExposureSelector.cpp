#include "expsel/ExposureSelector.h"

#include "expsel/ExposureNets.h"
#include "training/Checkpoint.h"
#include "training/TrainTask.h"

#include <torch/nn/functional.h>

#include <algorithm>
#include <random>

namespace hdr::expsel {

namespace F = torch::nn::functional;

core::Status ExposureNetConfig::validate() const
{
    if (backbone != "mobilenetv2" && backbone != "tiny") {
        return core::fail(
            core::ErrorCode::InvalidArgument, "The backbone must be mobilenetv2 or tiny.", "backbone");
    }
    if (exposures < 3 || exposures > 9 || thumbSize < 8 || thumbSize > 256 || !(width > 0 && width <= 2)) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "Exposures must be 3..9, the thumbnail 8..256 px and the width in (0, 2].",
                          "exposures");
    }
    return {};
}

nlohmann::json ExposureNetConfig::toJson() const
{
    return {{"architecture", "exposure-selector"},
            {"backbone", backbone},
            {"exposures", exposures},
            {"thumb_size", thumbSize},
            {"width", width}};
}

core::Result<ExposureNetConfig> ExposureNetConfig::fromJson(const nlohmann::json& j)
{
    return core::guarded(core::ErrorCode::CorruptData, "checkpoint metadata", [&] {
        if (j.value("architecture", "") != "exposure-selector") {
            core::throwError(core::ErrorCode::UnsupportedFormat,
                             "The checkpoint is not an exposure-selection model.");
        }
        ExposureNetConfig c;
        c.backbone = j.at("backbone").get<std::string>();
        c.exposures = j.at("exposures").get<int>();
        c.thumbSize = j.at("thumb_size").get<int>();
        c.width = j.at("width").get<double>();
        core::unwrap(c.validate());
        return c;
    });
}

namespace {

torch::Tensor thumbnailsTensor(const std::vector<std::uint8_t>& bytes, const ExposureNetConfig& c)
{
    auto t = torch::from_blob(
        const_cast<std::uint8_t*>(bytes.data()), {3 * c.exposures, c.thumbSize, c.thumbSize}, torch::kUInt8);
    return t.to(torch::kFloat32).div(255.0).sub(0.5);
}

class ExposureTask final : public training::TrainTask {
public:
    ExposureTask(const ExposureTrainRequest& r,
                 std::vector<ExposureSample> train,
                 std::vector<ExposureSample> val)
        : m_request(r)
        , m_net(makeExposureNet(r.net))
        , m_train(std::move(train))
        , m_val(std::move(val))
    {
    }

    torch::nn::Module& module() override { return *m_net; }
    std::int64_t batchesPerEpoch() const override { return m_request.batchesPerEpoch; }

    torch::Tensor batchLoss(const training::BatchRequest& r, const torch::Device& device) override
    {
        std::mt19937_64 rng(r.batchSeed());
        const int share = std::max(1, m_request.batchSize / r.worldSize);
        std::vector<torch::Tensor> inputs;
        std::vector<std::int64_t> labels;
        for (int s = 0; s < m_request.batchSize; ++s) {
            const auto& sample = m_train[std::size_t(rng() % m_train.size())];
            const bool flip = (rng() & 1) != 0; // mirror: the best pair does not change
            if (s / share != r.rank) {
                continue;
            }
            auto x = thumbnailsTensor(sample.thumbnails, m_request.net);
            inputs.push_back(flip ? x.flip({2}) : x);
            labels.push_back(sample.bestPair);
        }
        const auto logits = m_net->forward(torch::stack(inputs).to(device));
        return F::cross_entropy(logits.to(torch::kFloat32), torch::tensor(labels).to(device));
    }

    training::ValidationReport
    validate(int maxBatches, const torch::Device& device, core::JobContext&) override
    {
        training::ValidationReport report;
        const auto& set = m_val.empty() ? m_train : m_val;
        const std::size_t n =
            std::min(set.size(), std::size_t(maxBatches) * std::size_t(m_request.batchSize));
        if (n == 0) {
            report.loss = std::numeric_limits<double>::quiet_NaN();
            return report;
        }
        std::vector<torch::Tensor> inputs;
        std::vector<std::int64_t> labels;
        for (std::size_t i = 0; i < n; ++i) {
            inputs.push_back(thumbnailsTensor(set[i].thumbnails, m_request.net));
            labels.push_back(set[i].bestPair);
        }
        const auto logits = m_net->forward(torch::stack(inputs).to(device)).to(torch::kCPU, torch::kFloat32);
        report.loss = F::cross_entropy(logits, torch::tensor(labels)).item<double>();
        const auto top = std::get<1>(logits.topk(std::min<std::int64_t>(3, logits.size(1)), 1));
        double correct = 0, top3 = 0, lost = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto chosen = top[std::int64_t(i)][0].item<std::int64_t>();
            correct += chosen == labels[i] ? 1 : 0;
            for (std::int64_t k = 0; k < top.size(1); ++k) {
                top3 += top[std::int64_t(i)][k].item<std::int64_t>() == labels[i] ? 1 : 0;
            }
            lost += set[i].pairScores[std::size_t(labels[i])] - set[i].pairScores[std::size_t(chosen)];
        }
        report.metrics["accuracy"] = correct / double(n);
        report.metrics["top3"] = top3 / double(n);
        report.metrics["quality_lost"] = lost / double(n);
        return report;
    }

    nlohmann::json checkpointMetadata() const override { return m_request.net.toJson(); }

private:
    ExposureTrainRequest m_request;
    std::shared_ptr<ExposureNet> m_net;
    std::vector<ExposureSample> m_train;
    std::vector<ExposureSample> m_val;
};

} // namespace

core::Result<ExposureTrainReport> trainExposureSelector(const ExposureTrainRequest& request,
                                                        core::JobContext& ctx)
{
    auto net = request.net;
    net.exposures = request.data.exposures;
    net.thumbSize = request.data.thumbSize;
    if (auto s = net.validate(); !s) {
        return tl::unexpected(s.error());
    }
    ExposureTrainReport report;
    auto samples = buildExposureDataset(request.data, ctx, &report.datasetBuilt);
    if (!samples) {
        return tl::unexpected(samples.error());
    }
    std::vector<ExposureSample> train, val;
    for (std::size_t i = 0; i < samples->size(); ++i) {
        auto& s = (*samples)[i];
        const bool held =
            request.validationScenes.empty()
                ? i % 5 == 4
                : std::find(request.validationScenes.begin(), request.validationScenes.end(), s.scene) !=
                      request.validationScenes.end();
        (held ? val : train).push_back(std::move(s));
    }
    if (train.empty()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "No training samples are left after the validation split.");
    }
    report.trainSamples = int(train.size());
    report.validationSamples = int(val.size());
    auto adjusted = request;
    adjusted.net = net;
    auto options = request.training;
    options.taskConfig = {
        {"task", "exposure-selection"}, {"net", net.toJson()}, {"data_key", request.data.cacheKey()}};
    return core::guarded(core::ErrorCode::Internal, "exposure selection training", [&] {
        torch::manual_seed(options.seed);
        ExposureTask task(adjusted, std::move(train), std::move(val));
        report.result = core::unwrap(training::train(task, options, ctx));
        return report;
    });
}

class ExposureSelectorModel::Impl {
public:
    ExposureNetConfig config;
    std::shared_ptr<ExposureNet> net;
};

ExposureSelectorModel::ExposureSelectorModel(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
ExposureSelectorModel::ExposureSelectorModel(ExposureSelectorModel&&) noexcept = default;
ExposureSelectorModel& ExposureSelectorModel::operator=(ExposureSelectorModel&&) noexcept = default;
ExposureSelectorModel::~ExposureSelectorModel() = default;

const ExposureNetConfig& ExposureSelectorModel::config() const
{
    return m_impl->config;
}

core::Result<ExposureSelectorModel> ExposureSelectorModel::load(const std::filesystem::path& checkpoint)
{
    return core::guarded(core::ErrorCode::CorruptData, checkpoint.string(), [&] {
        auto meta = core::unwrap(training::readCheckpointMetadata(checkpoint));
        auto impl = std::make_unique<Impl>();
        auto config = ExposureNetConfig::fromJson(meta.value("model", nlohmann::json::object()));
        if (!config) {
            core::throwError(config.error().code, config.error().message, checkpoint.string());
        }
        impl->config = *config;
        impl->net = makeExposureNet(impl->config);
        core::unwrap(training::loadCheckpoint(checkpoint, *impl->net, nullptr));
        impl->net->eval();
        return ExposureSelectorModel(std::move(impl));
    });
}

core::Result<std::vector<float>>
ExposureSelectorModel::pairProbabilities(std::span<const core::ImageF> frames)
{
    const auto& c = m_impl->config;
    if (int(frames.size()) != c.exposures) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "This model was trained on " + std::to_string(c.exposures) + " exposures, not " +
                              std::to_string(frames.size()) + ".",
                          "--model");
    }
    return core::guarded(core::ErrorCode::Internal, "exposure selection", [&] {
        torch::NoGradGuard noGrad;
        const auto thumbs = makeThumbnails(frames, c.thumbSize);
        const auto probs = torch::softmax(m_impl->net->forward(thumbnailsTensor(thumbs, c).unsqueeze(0)), 1)
                               .squeeze(0)
                               .contiguous();
        return std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
    });
}

} // namespace hdr::expsel
