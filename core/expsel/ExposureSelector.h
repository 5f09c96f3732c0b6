#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "expsel/ExposureDataset.h"
#include "image/Image.h"
#include "training/Trainer.h"
#include "training/TrainingOptions.h"

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hdr::expsel {

// Backbones (ExposureNets.h):
//   mobilenetv2  MobileNetV2 (Sandler et al. 2018): inverted residual blocks (expand 1x1, depthwise
//                3x3, project 1x1, skip when the shape allows), width multiplier `width`
//   tiny         three strided 3x3 convs + global average pool: the lighter backbone
// Input: the N thumbnails stacked as 3N channels (code / 255 − 0.5); output: one logit per pair.
struct ExposureNetConfig {
    std::string backbone = "mobilenetv2";
    int exposures = 5;
    int thumbSize = 32;
    double width = 0.35; // MobileNetV2 width multiplier

    core::Status validate() const;
    nlohmann::json toJson() const;
    static core::Result<ExposureNetConfig> fromJson(const nlohmann::json& j);
};

struct ExposureTrainRequest {
    ExposureDataOptions data;
    ExposureNetConfig net;
    int batchSize = 16;
    int batchesPerEpoch = 20;
    std::vector<std::string> validationScenes; // held-out scenes (file names); empty: every 5th sample
    training::TrainingOptions training;
};

struct ExposureTrainReport {
    training::TrainResult result;
    int trainSamples = 0;
    int validationSamples = 0;
    bool datasetBuilt = false; // false: read from the statistics cache
};

// Trains the classifier with the generic loop: cross-entropy on the best pair; validation
// metrics accuracy (chosen = best), top3 (best among the 3 highest logits) and quality_lost
// (best pair score − chosen pair score, in the ranking metric's units).
core::Result<ExposureTrainReport> trainExposureSelector(const ExposureTrainRequest& request,
                                                        core::JobContext& ctx);

// A trained selector loaded from a checkpoint.
class ExposureSelectorModel {
public:
    static core::Result<ExposureSelectorModel> load(const std::filesystem::path& checkpoint);
    ExposureSelectorModel(ExposureSelectorModel&&) noexcept;
    ExposureSelectorModel& operator=(ExposureSelectorModel&&) noexcept;
    ~ExposureSelectorModel();

    const ExposureNetConfig& config() const;
    // Pair scores (softmax probabilities by pairIndex) for N display-encoded frames (N must be
    // the model's exposure count; frames ordered darkest to brightest, as in training).
    core::Result<std::vector<float>> pairProbabilities(std::span<const core::ImageF> displayEncoded);

private:
    class Impl;
    explicit ExposureSelectorModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace hdr::expsel
