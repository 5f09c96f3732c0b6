#pragma once
// What a model gives the generic training loop (Trainer.h). This header uses libtorch: only
// model modules (core/itm, core/expsel) and tests include it; their own facades stay torch-free.
#include "common/JobContext.h"
#include "image/Image.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hdr::training {

// Which micro-batch to build. Data is a pure function of (seed, epoch, index, rank): resuming at
// any step therefore sees exactly the batches an uninterrupted run would have seen. With several
// ranks each builds its own contiguous share of the same global batch (rank r of worldSize).
struct BatchRequest {
    std::int64_t epoch = 1; // 1-based
    std::int64_t index = 0; // micro-batch within the epoch
    int rank = 0;
    int worldSize = 1;
    std::uint64_t seed = 1;

    // A seed for this batch's random choices (tiles, jitter, flips).
    std::uint64_t batchSeed() const;
};

struct ValidationReport {
    double loss = 0;                       // NaN: the task has no validation data
    std::map<std::string, double> metrics; // metrics.csv and TensorBoard "metrics/<name>"
};

class TrainTask {
public:
    virtual ~TrainTask() = default;

    virtual torch::nn::Module& module() = 0;
    // Micro-batches per epoch (each rank runs all of them, on its share of every batch).
    virtual std::int64_t batchesPerEpoch() const = 0;
    // Builds the batch, runs the model and returns the scalar loss, averaged over this rank's share
    // (the trainer runs this under autocast when AMP is on, in train mode, with grad enabled).
    virtual torch::Tensor batchLoss(const BatchRequest& request, const torch::Device& device) = 0;
    // At most maxBatches validation batches, in eval mode without grad (rank 0 only).
    virtual ValidationReport validate(int maxBatches, const torch::Device& device, core::JobContext& ctx) = 0;
    // Side-by-side renders (input | prediction | truth, scene-linear, tone mapped where HDR) for
    // viz/ and TensorBoard; may return fewer than asked.
    virtual std::vector<core::ImageF> vizSamples(int count, const torch::Device& device)
    {
        (void)count;
        (void)device;
        return {};
    }
    // Stored in every checkpoint's metadata: what inference needs (tile, overlap, scale_hdr,
    // alpha_loss, architecture) and notes.
    virtual nlohmann::json checkpointMetadata() const { return nlohmann::json::object(); }
};

} // namespace hdr::training
